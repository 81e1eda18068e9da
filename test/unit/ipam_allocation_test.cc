// Pool parsing and the controller's allocation of blocks and prefixes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "address/ip_address.h"
#include "pool/allocator.h"
#include "pool/node_pool_config.h"
#include "pool/pool_spec.h"

namespace ipam {
namespace {

using nlohmann::json;

PoolSpec IPPool(const json& spec) {
  auto p = ParsePoolSpec(PoolType::kIPPool, spec);
  EXPECT_TRUE(p.ok()) << p.status().message();
  return p.ok() ? *p : PoolSpec{};
}

PoolSpec CIDRPool(const json& spec) {
  auto p = ParsePoolSpec(PoolType::kCIDRPool, spec);
  EXPECT_TRUE(p.ok()) << p.status().message();
  return p.ok() ? *p : PoolSpec{};
}

std::string Block(const NodeAllocation& a) {
  return a.prefix_length >= 0 ? a.prefix().ToString() + (a.gateway ? " gw " + a.gateway->ToString() : "")
                              : a.start.ToString() + "-" + a.end.ToString();
}

std::map<std::string, std::string> Blocks(const AllocationOutcome& o) {
  std::map<std::string, std::string> out;
  for (const auto& a : o.allocations) out[a.node] = Block(a);
  return out;
}

TEST(IPAddressTest, ParsesAndFormatsBothFamilies) {
  EXPECT_EQ(IPAddress::Parse("10.0.0.1")->ToString(), "10.0.0.1");
  EXPECT_EQ(IPAddress::Parse("fd00::1")->ToString(), "fd00::1");
  EXPECT_TRUE(IPAddress::Parse("fd00::1")->v6);
  EXPECT_FALSE(IPAddress::Parse("10.0.0.256").ok());
  EXPECT_FALSE(IPAddress::Parse("1234").ok());
  EXPECT_EQ(IPAddress::Parse("10.0.0.255")->Plus(1).ToString(), "10.0.1.0");
  auto p = IPPrefix::Parse("10.0.0.0/24");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->Last().ToString(), "10.0.0.255");
  EXPECT_EQ(p->FirstUsable().ToString(), "10.0.0.1");
  EXPECT_EQ(p->LastUsable().ToString(), "10.0.0.254");
  EXPECT_EQ(IPPrefix::Parse("fd00::/64")->LastUsable().ToString(), "fd00::ffff:ffff:ffff:ffff");
  EXPECT_EQ(IPPrefix::Parse("10.0.0.4/31")->FirstUsable().ToString(), "10.0.0.4");
  auto bad = IPPrefix::Parse("10.0.0.5/24");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("did you mean 10.0.0.0/24"), std::string::npos);
  EXPECT_FALSE(IPPrefix::Parse("10.0.0.0/33").ok());
  EXPECT_FALSE(IPPrefix::Parse("10.0.0.0").ok());
}

TEST(IPAddressTest, ThePrefixThatHoldsEverythingEndsAtTheLastAddress) {
  EXPECT_EQ(IPPrefix::Parse("::/0")->Last().ToString(), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  EXPECT_EQ(IPPrefix::Parse("0.0.0.0/0")->Last().ToString(), "255.255.255.255");
  EXPECT_EQ(IPPrefix::Parse("10.0.0.0/24")->Last().ToString(), "10.0.0.255");
  EXPECT_EQ(IPPrefix::Parse("fd00::/127")->Last().ToString(), "fd00::1");
  EXPECT_EQ(IPPrefix::Parse("fd00::1/128")->Last().ToString(), "fd00::1");
  EXPECT_TRUE(IPPrefix::Parse("::/0")->Contains(*IPAddress::Parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
}

TEST(RangeSetTest, MergesAndCounts) {
  RangeSet s;
  s.Add(10, 20);
  s.Add(30, 40);
  s.Add(21, 29);  // bridges both
  ASSERT_EQ(s.ranges().size(), 1u);
  s.Add(50, 50);
  EXPECT_EQ(s.ranges().size(), 2u);
  EXPECT_TRUE(s.Contains(25));
  EXPECT_FALSE(s.Contains(45));
  EXPECT_EQ(s.CountIn(0, 100), uint128(32));
  EXPECT_EQ(s.CountIn(35, 55), uint128(7));
  EXPECT_EQ(s.Covering(15)->last, uint128(40));
}

TEST(PoolSpecTest, RejectsBadInputNamingTheField) {
  const std::vector<std::pair<json, std::string>> cases = {
      {{{"perNodeBlockSize", 10}}, "spec.subnet"},
      {{{"subnet", "10.0.0.7/24"}, {"perNodeBlockSize", 10}}, "did you mean 10.0.0.0/24"},
      {{{"subnet", "10.0.0.0/24"}, {"perNodeBlockSize", 0}}, "spec.perNodeBlockSize"},
      {{{"subnet", "10.0.0.0/24"}, {"perNodeBlockSize", 300}}, "more than the 254 usable"},
      {{{"subnet", "10.0.0.0/24"}, {"perNodeBlockSize", 10}, {"gateway", "10.0.1.1"}}, "spec.gateway: 10.0.1.1 is not in"},
      {{{"subnet", "10.0.0.0/24"}, {"perNodeBlockSize", 10}, {"defaultGateway", true}}, "spec.defaultGateway: requires"},
      {{{"subnet", "10.0.0.0/24"}, {"perNodeBlockSize", 10}, {"exclusions", {{{"startIP", "10.0.0.9"}, {"endIP", "10.0.0.3"}}}}},
       "spec.exclusions[0]: endIP"},
      {{{"subnet", "10.0.0.0/24"}, {"perNodeBlockSize", 10}, {"perNodeExclusions", {{{"startIndex", 2}, {"endIndex", 10}}}}},
       "spec.perNodeExclusions[0].endIndex"},
      {{{"subnet", "10.0.0.0/24"}, {"perNodeBlockSize", 10}, {"gateway", "10.0.0.1"}, {"routes", {{{"dst", "fd00::/8"}}}}},
       "spec.routes[0].dst"},
      // A default route besides defaultGateway is refused, as upstream.
      {{{"subnet", "10.0.0.0/24"}, {"perNodeBlockSize", 10}, {"gateway", "10.0.0.1"}, {"defaultGateway", true},
        {"routes", {{{"dst", "10.9.0.0/16"}}, {{"dst", "0.0.0.0/0"}}}}},
       "spec.routes[1].dst: is a default route, which defaultGateway already adds"},
      {{{"subnet", "10.0.0.0/24"}, {"perNodeBlockSize", 10},
        {"nodeSelector", {{"nodeSelectorTerms", {{{"matchExpressions", {{{"key", "a"}, {"operator", "Near"}}}}}}}}}},
       "unknown operator"},
  };
  for (const auto& [spec, want] : cases) {
    auto p = ParsePoolSpec(PoolType::kIPPool, spec);
    ASSERT_FALSE(p.ok()) << spec.dump();
    EXPECT_NE(p.status().message().find(want), std::string::npos) << p.status().message();
  }
  const std::vector<std::pair<json, std::string>> cidr_cases = {
      {{{"cidr", "10.0.0.0/16"}, {"perNodeNetworkPrefix", 8}}, "spec.perNodeNetworkPrefix"},
      {{{"cidr", "10.0.0.0/16"}, {"perNodeNetworkPrefix", 24}, {"gatewayIndex", 255}}, "spec.gatewayIndex"},
      {{{"cidr", "10.0.0.0/16"}, {"perNodeNetworkPrefix", 24}, {"staticAllocations", {{{"prefix", "10.0.0.0/25"}}}}},
       "must be a /24"},
      {{{"cidr", "10.0.0.0/16"}, {"perNodeNetworkPrefix", 24},
        {"staticAllocations", {{{"nodeName", "a"}, {"prefix", "10.0.1.0/24"}}, {{"nodeName", "a"}, {"prefix", "10.0.2.0/24"}}}}},
       "node a has two static allocations"},
      {{{"cidr", "10.0.0.0/16"}, {"perNodeNetworkPrefix", 24}, {"staticAllocations", {{{"prefix", "10.1.0.0/24"}}}}},
       "is not in 10.0.0.0/16"},
  };
  for (const auto& [spec, want] : cidr_cases) {
    auto p = ParsePoolSpec(PoolType::kCIDRPool, spec);
    ASSERT_FALSE(p.ok()) << spec.dump();
    EXPECT_NE(p.status().message().find(want), std::string::npos) << p.status().message();
  }
}

TEST(AllocatorTest, IPPoolBlocksAsUpstream) {
  // Upstream's README example.
  auto spec = IPPool({{"subnet", "192.168.0.0/16"}, {"perNodeBlockSize", 100}, {"gateway", "192.168.0.1"}});
  auto out = Allocate(spec, {"host-a", "host-b"}, {});
  EXPECT_EQ(Blocks(out), (std::map<std::string, std::string>{{"host-a", "192.168.0.1-192.168.0.100"},
                                                            {"host-b", "192.168.0.101-192.168.0.200"}}));
  EXPECT_TRUE(out.left_out.empty());
  // Stable: a new node does not disturb the others; allocations survive a restart (same input).
  auto again = Allocate(spec, {"host-0", "host-a", "host-b"}, out.allocations);
  EXPECT_EQ(Blocks(again)["host-a"], "192.168.0.1-192.168.0.100");
  EXPECT_EQ(Blocks(again)["host-0"], "192.168.0.201-192.168.1.44");
  // A removed node frees its block; the next new node gets the lowest free one.
  auto removed = Allocate(spec, {"host-0", "host-b", "host-c"}, again.allocations);
  EXPECT_EQ(Blocks(removed)["host-c"], "192.168.0.1-192.168.0.100");
  EXPECT_TRUE(removed.moved.empty());
}

TEST(AllocatorTest, IPPoolExhaustionAndUnusableBlocks) {
  auto spec = IPPool({{"subnet", "10.0.0.0/29"}, {"perNodeBlockSize", 2}});  // usable .1-.6: three blocks
  auto out = Allocate(spec, {"a", "b", "c", "d", "e"}, {});
  EXPECT_EQ(out.allocations.size(), 3u);
  EXPECT_EQ(out.left_out, (std::vector<std::string>{"d", "e"}));

  // Block .1-.2 is fully excluded, .3-.4 loses .3 to the gateway and .4 to a per-node exclusion
  // (index 1): upstream would hand it out with no usable address; we skip it.
  auto tricky = IPPool({{"subnet", "10.0.0.0/29"}, {"perNodeBlockSize", 2}, {"gateway", "10.0.0.3"},
                        {"exclusions", {{{"startIP", "10.0.0.1"}, {"endIP", "10.0.0.2"}}}},
                        {"perNodeExclusions", {{{"startIndex", 1}, {"endIndex", 1}}}}});
  auto t = Allocate(tricky, {"a", "b"}, {});
  EXPECT_EQ(Blocks(t), (std::map<std::string, std::string>{{"a", "10.0.0.5-10.0.0.6"}}));
  EXPECT_EQ(t.left_out, std::vector<std::string>{"b"});

  // Block size 1 never gets the gateway alone.
  auto one = IPPool({{"subnet", "10.0.0.0/30"}, {"perNodeBlockSize", 1}, {"gateway", "10.0.0.1"}});
  EXPECT_EQ(Blocks(Allocate(one, {"a"}, {})), (std::map<std::string, std::string>{{"a", "10.0.0.2-10.0.0.2"}}));
}

TEST(AllocatorTest, IPPoolJumpsOverLargeExclusions) {
  auto spec = IPPool({{"subnet", "10.0.0.0/8"}, {"perNodeBlockSize", 4},
                      {"exclusions", {{{"startIP", "10.0.0.1"}, {"endIP", "10.200.0.0"}}}}});
  auto out = Allocate(spec, {"a"}, {});
  EXPECT_EQ(Blocks(out)["a"], "10.200.0.1-10.200.0.4");
}

TEST(AllocatorTest, EditThatBreaksAlignmentMovesNodes) {
  auto before = IPPool({{"subnet", "10.0.0.0/24"}, {"perNodeBlockSize", 10}});
  auto first = Allocate(before, {"a", "b"}, {});
  auto after = IPPool({{"subnet", "10.0.0.0/24"}, {"perNodeBlockSize", 20}});
  auto moved = Allocate(after, {"a", "b"}, first.allocations);
  EXPECT_EQ(moved.moved, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Blocks(moved)["a"], "10.0.0.1-10.0.0.20");
  // An unrelated edit (a new route) moves nothing.
  auto routes = IPPool({{"subnet", "10.0.0.0/24"}, {"perNodeBlockSize", 20}, {"gateway", "10.0.0.254"},
                        {"routes", {{{"dst", "10.1.0.0/16"}}}}});
  EXPECT_TRUE(Allocate(routes, {"a", "b"}, moved.allocations).moved.empty());
}

TEST(AllocatorTest, IPv6Blocks) {
  auto spec = IPPool({{"subnet", "fd00:10::/64"}, {"perNodeBlockSize", 256}, {"gateway", "fd00:10::1"}});
  auto out = Allocate(spec, {"a", "b"}, {});
  EXPECT_EQ(Blocks(out)["a"], "fd00:10::1-fd00:10::100");
  EXPECT_EQ(Blocks(out)["b"], "fd00:10::101-fd00:10::200");
}

TEST(AllocatorTest, CIDRPoolPrefixesStaticAndGateway) {
  auto spec = CIDRPool({{"cidr", "10.10.0.0/16"}, {"perNodeNetworkPrefix", 24}, {"gatewayIndex", 1},
                        {"staticAllocations",
                         {{{"nodeName", "n3"}, {"prefix", "10.10.5.0/24"}, {"gateway", "10.10.5.254"}},
                          {{"prefix", "10.10.0.0/24"}}}}});
  auto out = Allocate(spec, {"n1", "n2", "n3"}, {});
  EXPECT_EQ(Blocks(out), (std::map<std::string, std::string>{{"n1", "10.10.1.0/24 gw 10.10.1.1"},
                                                            {"n2", "10.10.2.0/24 gw 10.10.2.1"},
                                                            {"n3", "10.10.5.0/24 gw 10.10.5.254"}}));
  json status = json::array();
  for (const auto& a : out.allocations) status.push_back(a.ToJson());
  EXPECT_EQ(status[0], json({{"nodeName", "n1"}, {"gateway", "10.10.1.1"}, {"prefix", "10.10.1.0/24"}}));
  // Round trip through status keeps everything.
  std::vector<NodeAllocation> parsed;
  for (const auto& e : status) parsed.push_back(*NodeAllocation::FromJson(PoolType::kCIDRPool, e));
  EXPECT_EQ(Blocks(Allocate(spec, {"n1", "n2", "n3"}, parsed)), Blocks(out));
}

TEST(AllocatorTest, CIDRPoolPointToPointAndExhaustion) {
  auto spec = CIDRPool({{"cidr", "10.0.0.0/30"}, {"perNodeNetworkPrefix", 31}});
  auto out = Allocate(spec, {"a", "b", "c"}, {});
  EXPECT_EQ(Blocks(out), (std::map<std::string, std::string>{{"a", "10.0.0.0/31"}, {"b", "10.0.0.2/31"}}));
  EXPECT_EQ(out.left_out, std::vector<std::string>{"c"});
  // A gateway that moves (new gatewayIndex) moves the allocations too.
  auto gw1 = CIDRPool({{"cidr", "10.0.0.0/16"}, {"perNodeNetworkPrefix", 24}, {"gatewayIndex", 1}});
  auto gw2 = CIDRPool({{"cidr", "10.0.0.0/16"}, {"perNodeNetworkPrefix", 24}, {"gatewayIndex", 254}});
  auto first = Allocate(gw1, {"a"}, {});
  auto second = Allocate(gw2, {"a"}, first.allocations);
  EXPECT_EQ(second.moved, std::vector<std::string>{"a"});
  EXPECT_EQ(second.allocations[0].gateway->ToString(), "10.0.0.254");
}

TEST(AllocatorTest, NodeSelectorPicksNodes) {
  auto spec = IPPool({{"subnet", "10.0.0.0/24"}, {"perNodeBlockSize", 10},
                      {"nodeSelector", {{"nodeSelectorTerms",
                                         {{{"matchExpressions", {{{"key", "role"}, {"operator", "In"}, {"values", {"rdma"}}}}}},
                                          {{"matchFields", {{{"key", "metadata.name"}, {"operator", "In"}, {"values", {"special"}}}}}}}}}}});
  EXPECT_TRUE(spec.node_selector.Matches("x", {{"role", "rdma"}}));
  EXPECT_TRUE(spec.node_selector.Matches("special", {}));
  EXPECT_FALSE(spec.node_selector.Matches("x", {{"role", "cpu"}}));
}

TEST(NodePoolConfigTest, BuildsTheNodeView) {
  json pool = {{"spec", {{"subnet", "10.0.0.0/24"}, {"perNodeBlockSize", 10}, {"gateway", "10.0.0.1"},
                         {"defaultGateway", true},
                         {"exclusions", {{{"startIP", "10.0.0.5"}, {"endIP", "10.0.0.15"}}}},
                         {"perNodeExclusions", {{{"startIndex", 0}, {"endIndex", 0}}}}}},
               {"status", {{"allocations", {{{"nodeName", "a"}, {"startIP", "10.0.0.11"}, {"endIP", "10.0.0.20"}}}}}}};
  auto c = NodePoolConfigFor("p", pool, PoolType::kIPPool, "a");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->first.ToString(), "10.0.0.11");
  EXPECT_EQ(c->prefix_length, 24);
  EXPECT_FALSE(c->Allocatable(*IPAddress::Parse("10.0.0.11")));  // per-node index 0
  EXPECT_FALSE(c->Allocatable(*IPAddress::Parse("10.0.0.15")));  // pool exclusion
  EXPECT_TRUE(c->Allocatable(*IPAddress::Parse("10.0.0.16")));
  auto missing = NodePoolConfigFor("p", pool, PoolType::kIPPool, "b");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), kube::Code::kNotFound);
  EXPECT_NE(missing.status().message().find("no allocation for node b"), std::string::npos);
  // A CIDRPool's node serves the gateway its allocation names: after gatewayIndex moves (and the
  // controller rewrites the allocation), the old gateway is an ordinary address again.
  json cidr = {{"spec", {{"cidr", "10.20.0.0/16"}, {"perNodeNetworkPrefix", 24}, {"gatewayIndex", 1}}},
               {"status", {{"allocations", {{{"nodeName", "a"}, {"prefix", "10.20.3.0/24"}, {"gateway", "10.20.3.1"}}}}}}};
  auto before_move = NodePoolConfigFor("c", cidr, PoolType::kCIDRPool, "a");
  ASSERT_TRUE(before_move.ok()) << before_move.status().message();
  EXPECT_EQ(before_move->gateway->ToString(), "10.20.3.1");
  cidr["spec"]["gatewayIndex"] = 254;
  cidr["status"]["allocations"][0]["gateway"] = "10.20.3.254";
  auto after_move = NodePoolConfigFor("c", cidr, PoolType::kCIDRPool, "a");
  ASSERT_TRUE(after_move.ok()) << after_move.status().message();
  EXPECT_EQ(after_move->gateway->ToString(), "10.20.3.254");
  EXPECT_TRUE(after_move->Allocatable(*IPAddress::Parse("10.20.3.1")));
  // A range whose start is after its end is a configuration error, not "no free addresses".
  pool["status"]["allocations"][0] = {{"nodeName", "a"}, {"startIP", "10.0.0.20"}, {"endIP", "10.0.0.11"}};
  auto reversed = NodePoolConfigFor("p", pool, PoolType::kIPPool, "a");
  ASSERT_FALSE(reversed.ok());
  EXPECT_EQ(reversed.status().code(), kube::Code::kInvalidArgument);
  EXPECT_NE(reversed.status().message().find("a configuration error, not an exhausted pool"), std::string::npos)
      << reversed.status().message();
}

}  // namespace
}  // namespace ipam
