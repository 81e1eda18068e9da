#include "kube/store.h"

#include <gtest/gtest.h>

namespace kube {
namespace {

ObjectPtr Make(const std::string& ns, const std::string& name, const std::string& rv, const std::string& owner = "") {
  ObjectMeta m;
  m.name = name;
  m.namespace_ = ns;
  m.resource_version = rv;
  if (!owner.empty()) m.owner_references.push_back({"apps/v1", "DaemonSet", "ds", owner, true});
  return std::make_shared<const Object>(m, "{}");
}

TEST(Store, UpsertGetRemove) {
  Store s;
  EXPECT_EQ(s.Upsert(Make("a", "x", "1")), nullptr);
  auto prev = s.Upsert(Make("a", "x", "2"));
  ASSERT_NE(prev, nullptr);
  EXPECT_EQ(prev->resource_version(), "1");
  EXPECT_EQ(s.Get("a/x")->resource_version(), "2");
  EXPECT_EQ(s.size(), 1u);
  EXPECT_NE(s.Remove("a/x"), nullptr);
  EXPECT_EQ(s.Remove("a/x"), nullptr);
  EXPECT_EQ(s.size(), 0u);
}

TEST(Store, IndexesFollowChanges) {
  Store s;
  s.Upsert(Make("a", "x", "1", "owner-1"));
  s.Upsert(Make("a", "y", "1", "owner-1"));
  s.Upsert(Make("b", "z", "1", "owner-2"));
  EXPECT_EQ(s.ByIndex(Store::kNamespaceIndex, "a").size(), 2u);
  EXPECT_EQ(s.ByIndex(Store::kOwnerIndex, "owner-1").size(), 2u);
  s.Upsert(Make("a", "y", "2", "owner-2"));  // ownership moved
  EXPECT_EQ(s.ByIndex(Store::kOwnerIndex, "owner-1").size(), 1u);
  EXPECT_EQ(s.ByIndex(Store::kOwnerIndex, "owner-2").size(), 2u);
  s.Remove("b/z");
  EXPECT_EQ(s.ByIndex(Store::kNamespaceIndex, "b").size(), 0u);
  s.AddIndex("by-name", [](const Object& o) { return std::vector<std::string>{o.name()}; });
  EXPECT_EQ(s.ByIndex("by-name", "x").size(), 1u);
  EXPECT_TRUE(s.ByIndex("no-such-index", "x").empty());
}

TEST(Store, ReplaceReportsExactlyWhatChanged) {
  Store s;
  s.Upsert(Make("n", "same", "1"));
  s.Upsert(Make("n", "changed", "1"));
  s.Upsert(Make("n", "gone", "1"));
  auto delta = s.Replace({Make("n", "same", "1"), Make("n", "changed", "2"), Make("n", "new", "1")});
  ASSERT_EQ(delta.added.size(), 1u);
  EXPECT_EQ(delta.added[0]->name(), "new");
  ASSERT_EQ(delta.updated.size(), 1u);
  EXPECT_EQ(delta.updated[0].first->resource_version(), "1");
  EXPECT_EQ(delta.updated[0].second->resource_version(), "2");
  ASSERT_EQ(delta.deleted.size(), 1u);
  EXPECT_EQ(delta.deleted[0]->name(), "gone");
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.ByIndex(Store::kNamespaceIndex, "n").size(), 3u);
}

}  // namespace
}  // namespace kube
