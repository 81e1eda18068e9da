#include "inventory_reconciler.h"

#include <gtest/gtest.h>

namespace inventory {
namespace {

kube::ObjectPtr Node(const std::string& json) {
  return std::make_shared<const kube::Object>(kube::Object::FromJson(json).value());
}

TEST(RenderInventory, ListsNodesWithReadinessAndLabels) {
  auto data = RenderInventory({
      Node(R"({"metadata":{"name":"a","labels":{"gpu":"true"}},"status":{"conditions":[{"type":"Ready","status":"True"}]}})"),
      Node(R"({"metadata":{"name":"b"},"status":{"conditions":[{"type":"Ready","status":"False"}]}})"),
      Node(R"({"metadata":{"name":"c"}})"),
  });
  EXPECT_EQ(data.at("summary"), "3 nodes, 1 ready");
  EXPECT_EQ(data.at("node.a"), R"({"labels":{"gpu":"true"},"ready":true})");
  EXPECT_EQ(data.at("node.b"), R"({"labels":{},"ready":false})");
  EXPECT_EQ(data.size(), 4u);
}

}  // namespace
}  // namespace inventory
