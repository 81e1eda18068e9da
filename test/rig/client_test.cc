// The Client's verbs against a real kube-apiserver.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "kube/retry.h"
#include "rig_environment.h"

namespace {

using kube::resources::ConfigMaps;
using nlohmann::json;

json ConfigMap(const std::string& ns, const std::string& name, json data = json::object()) {
  return {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}, {"namespace", ns}}},
          {"data", data}};
}

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = rig::RigEnvironment::Get().NewClient();
    ns_ = rig::RigEnvironment::Get().NewNamespace("client");
  }
  std::shared_ptr<kube::Client> client_;
  std::string ns_;
};

TEST_F(ClientTest, CreateGetUpdatePatchDelete) {
  auto created = client_->Create(ConfigMaps(), ConfigMap(ns_, "a", {{"k", "1"}}));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_FALSE(created->meta().uid.empty());

  auto dup = client_->Create(ConfigMaps(), ConfigMap(ns_, "a"));
  EXPECT_TRUE(kube::IsAlreadyExists(dup.status())) << dup.status().ToString();

  auto got = client_->Get(ConfigMaps(), ns_, "a");
  ASSERT_TRUE(got.ok());
  json tree = got->Tree();
  tree["data"]["k"] = "2";
  auto updated = client_->Update(ConfigMaps(), tree);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_NE(updated->resource_version(), got->resource_version());

  auto merged = client_->Patch(ConfigMaps(), ns_, "a", kube::PatchType::kMerge, R"({"data":{"m":"x"}})");
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  auto strategic = client_->Patch(ConfigMaps(), ns_, "a", kube::PatchType::kStrategicMerge,
                                  R"({"metadata":{"labels":{"s":"y"}}})");
  ASSERT_TRUE(strategic.ok()) << strategic.status().ToString();
  auto jsonpatch = client_->Patch(ConfigMaps(), ns_, "a", kube::PatchType::kJsonPatch,
                                  R"([{"op":"remove","path":"/data/m"}])");
  ASSERT_TRUE(jsonpatch.ok()) << jsonpatch.status().ToString();
  json final_tree = jsonpatch->Tree();
  EXPECT_EQ(final_tree["data"], json({{"k", "2"}}));
  EXPECT_EQ(jsonpatch->Labels().at("s"), "y");

  kube::DeleteOptions wrong_uid;
  wrong_uid.precondition_uid = "not-the-uid";
  EXPECT_TRUE(kube::IsConflict(client_->Delete(ConfigMaps(), ns_, "a", wrong_uid)));
  kube::DeleteOptions right;
  right.precondition_uid = created->meta().uid;
  right.propagation_policy = "Foreground";
  EXPECT_TRUE(client_->Delete(ConfigMaps(), ns_, "a", right).ok());
  // Foreground deletion: the object waits, marked, until the garbage collector finishes it.
  auto marked = client_->Get(ConfigMaps(), ns_, "a");
  if (marked.ok()) {
    EXPECT_TRUE(marked->meta().deleting);
  }
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = kube::IsNotFound(client_->Get(ConfigMaps(), ns_, "a").status());
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(gone) << "the garbage collector removes a foreground-deleted object";
  EXPECT_TRUE(kube::IsNotFound(client_->Delete(ConfigMaps(), ns_, "a")));
}

TEST_F(ClientTest, InvalidObjectsReportFieldCauses) {
  auto bad = client_->Create(ConfigMaps(), ConfigMap(ns_, "Not_A_Valid_Name"));
  ASSERT_EQ(bad.status().code(), kube::Code::kInvalid) << bad.status().ToString();
  ASSERT_FALSE(bad.status().causes().empty());
  EXPECT_EQ(bad.status().causes()[0].field, "metadata.name");
}

TEST_F(ClientTest, ListsMoreThan2500ObjectsInPages) {
  constexpr int kCount = 2600;
  std::atomic<int> next{0}, failures{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 8; ++t) {
    writers.emplace_back([&] {
      auto client = rig::RigEnvironment::Get().NewClient();
      for (int i = next++; i < kCount; i = next++) {
        if (!client->Create(ConfigMaps(), ConfigMap(ns_, "cm-" + std::to_string(i))).ok()) failures++;
      }
    });
  }
  for (auto& w : writers) w.join();
  ASSERT_EQ(failures.load(), 0);

  kube::ListOptions one_page;
  one_page.limit = 500;
  auto first = client_->List(ConfigMaps(), ns_, one_page);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->items.size(), 500u);
  EXPECT_FALSE(first->continue_token.empty());

  auto all = client_->ListAll(ConfigMaps(), ns_, one_page);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  std::set<std::string> names;
  for (const auto& item : all->items) {
    if (item.name().rfind("cm-", 0) == 0) names.insert(item.name());
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(kCount)) << "every object exactly once across pages";

  kube::ListOptions by_field;
  by_field.field_selector = "metadata.name=cm-7";
  auto one = client_->List(ConfigMaps(), ns_, by_field);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->items.size(), 1u);
  EXPECT_EQ(one->items[0].name(), "cm-7");
}

TEST_F(ClientTest, ServerSideApplyOfAnUnchangedObjectWritesNothing) {
  json cm = ConfigMap(ns_, "applied", {{"a", "1"}});
  kube::ApplyOptions opts{"client-test", true, ""};
  auto first = client_->Apply(ConfigMaps(), cm, opts);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto again = client_->Apply(ConfigMaps(), cm, opts);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->resource_version(), first->resource_version()) << "an identical apply must not write";
  cm["data"]["a"] = "2";
  auto changed = client_->Apply(ConfigMaps(), cm, opts);
  ASSERT_TRUE(changed.ok());
  EXPECT_NE(changed->resource_version(), first->resource_version());
  // Another manager taking a field without force is a conflict naming the owner.
  json other = ConfigMap(ns_, "applied", {{"a", "3"}});
  auto conflict = client_->Apply(ConfigMaps(), other, {"someone-else", false, ""});
  EXPECT_TRUE(kube::IsConflict(conflict.status())) << conflict.status().ToString();
  EXPECT_NE(conflict.status().ToString().find("client-test"), std::string::npos) << conflict.status().ToString();
}

TEST_F(ClientTest, AStaleUpdateIsAConflictAndRetryOnConflictResolvesIt) {
  ASSERT_TRUE(client_->Create(ConfigMaps(), ConfigMap(ns_, "c", {{"n", "0"}})).ok());
  auto stale = client_->Get(ConfigMaps(), ns_, "c");
  ASSERT_TRUE(stale.ok());
  ASSERT_TRUE(client_->Patch(ConfigMaps(), ns_, "c", kube::PatchType::kMerge, R"({"data":{"n":"1"}})").ok());
  json tree = stale->Tree();
  tree["data"]["n"] = "stale";
  auto conflict = client_->Update(ConfigMaps(), tree);
  ASSERT_TRUE(kube::IsConflict(conflict.status())) << conflict.status().ToString();

  int attempts = 0;
  bool first_attempt_stale = true;
  kube::Status s = kube::RetryOnConflict([&]() -> kube::Status {
    ++attempts;
    json t = stale->Tree();
    if (!first_attempt_stale) {
      auto fresh = client_->Get(ConfigMaps(), ns_, "c");
      if (!fresh.ok()) return fresh.status();
      t = fresh->Tree();
    }
    first_attempt_stale = false;
    t["data"]["n"] = std::to_string(std::stoi(t["data"]["n"].get<std::string>()) + 1);
    auto r = client_->Update(ConfigMaps(), t);
    return r.ok() ? kube::Status::Ok() : r.status();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(client_->Get(ConfigMaps(), ns_, "c")->Tree()["data"]["n"], "2");
}

TEST_F(ClientTest, SpeaksHttp2AndReusesTheConnection) {
  for (int i = 0; i < 3; ++i) {
    kube::Request req;
    req.path = "/version";
    auto resp = client_->rest().Do(req);
    ASSERT_TRUE(resp.ok()) << resp.status().ToString();
    EXPECT_EQ(resp->http_major_version, 2);
    if (i > 0) {
      EXPECT_TRUE(resp->reused_connection) << "request " << i << " opened a new connection";
    }
    EXPECT_NE(resp->body.find("v1.36"), std::string::npos) << resp->body;
  }
}

TEST_F(ClientTest, DiscoveryFindsBuiltInKinds) {
  auto lease = client_->mapper().ResourceFor({"coordination.k8s.io", "v1", "Lease"});
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  EXPECT_EQ(lease->plural, "leases");
  EXPECT_TRUE(lease->namespaced);
  auto node = client_->mapper().ResourceFor({"", "v1", "Node"});
  ASSERT_TRUE(node.ok());
  EXPECT_FALSE(node->namespaced);
  EXPECT_TRUE(kube::IsNotFound(client_->mapper().ResourceFor({"", "v1", "NoSuchKind"}).status()));
  EXPECT_TRUE(kube::IsNotFound(client_->mapper().ResourceFor({"no.such.group", "v1", "X"}).status()));
}

}  // namespace

namespace {

TEST(Watch, DeliversEventsAsTheyHappenAndBookmarksBeforeTheDeadline) {
  auto& env = rig::RigEnvironment::Get();
  auto client = env.NewClient();
  const std::string ns = env.NewNamespace("watch");
  auto list = client->List(ConfigMaps(), ns, {});
  ASSERT_TRUE(list.ok());
  std::vector<std::string> seen;
  int bookmarks = 0;
  std::string bookmark_rv;
  std::jthread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto c = env.NewClient();
    (void)c->Create(ConfigMaps(), ConfigMap(ns, "w1"));
    (void)c->Patch(ConfigMaps(), ns, "w1", kube::PatchType::kMerge, R"({"data":{"x":"y"}})");
    (void)c->Delete(ConfigMaps(), ns, "w1");
  });
  kube::WatchOptions opts;
  opts.resource_version = list->resource_version;
  opts.timeout_seconds = 6;
  // Only the test's object: the controller-manager adds kube-root-ca.crt to new namespaces when it gets to it.
  opts.field_selector = "metadata.name=w1";
  std::stop_source stop;
  const auto start = std::chrono::steady_clock::now();
  kube::Status s = client->Watch(ConfigMaps(), ns, opts, stop.get_token(), [&](kube::WatchEvent&& ev) {
    switch (ev.type) {
      case kube::WatchEventType::kAdded: seen.push_back("ADDED " + ev.object.name()); break;
      case kube::WatchEventType::kModified: seen.push_back("MODIFIED " + ev.object.name()); break;
      case kube::WatchEventType::kDeleted: seen.push_back("DELETED " + ev.object.name()); break;
      case kube::WatchEventType::kBookmark: bookmarks++; bookmark_rv = ev.object.resource_version(); break;
      case kube::WatchEventType::kError: seen.push_back("ERROR " + ev.error.ToString()); break;
    }
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::seconds(5)) << "ends at the server's deadline";
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED w1", "MODIFIED w1", "DELETED w1"}));
  EXPECT_GE(bookmarks, 1);
  EXPECT_FALSE(bookmark_rv.empty());
}

}  // namespace
