#include "cni_config.h"

#include <gtest/gtest.h>

namespace network {
namespace {

using nlohmann::json;

json Network(const std::string& name, json spec) {
  return {{"metadata", {{"name", name}}}, {"spec", std::move(spec)}};
}

TEST(CniConfig, MacvlanWithNvIpamAsTheSeedExample) {
  auto a = RenderAttachment(MacvlanNetworkKind(),
                            Network("example-macvlannetwork",
                                    {{"networkNamespace", "default"}, {"master", "ens2f0"}, {"mode", "bridge"},
                                     {"mtu", 1500}, {"ipam", "{\n  \"type\": \"nv-ipam\",\n  \"poolName\": \"my-pool\"\n}\n"}}));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->namespace_, "default");
  EXPECT_EQ(a->name, "example-macvlannetwork");
  EXPECT_EQ(a->config,
            R"({"cniVersion":"0.3.1","name":"example-macvlannetwork","type":"macvlan","master":"ens2f0",)"
            R"("mode":"bridge","mtu":1500,"ipam":{"type":"nv-ipam","poolName":"my-pool"}})");
  EXPECT_TRUE(a->resource_name.empty());
}

TEST(CniConfig, MacvlanOmitsUnsetFieldsAndDefaultsTheNamespace) {
  auto a = RenderAttachment(MacvlanNetworkKind(), Network("m", {{"mtu", 0}}));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->namespace_, "default");
  EXPECT_EQ(a->config, R"({"cniVersion":"0.3.1","name":"m","type":"macvlan","ipam":{}})");
}

TEST(CniConfig, MetaPluginsWrapTheMainPluginInAList) {
  auto a = RenderAttachment(MacvlanNetworkKind(),
                            Network("m", {{"master", "eth1"}, {"metaPlugins", R"({"type":"tuning","mtu":9000}, {"type":"rdma"})"}}));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->config, R"({"cniVersion":"0.3.1","name":"m","plugins":[{"type":"macvlan","master":"eth1","ipam":{}},)"
                       R"({"type":"tuning","mtu":9000},{"type":"rdma"}]})");
}

TEST(CniConfig, HostDeviceGetsTheNvidiaResourcePrefix) {
  auto a = RenderAttachment(HostDeviceNetworkKind(),
                            Network("example-hostdevice-network",
                                    {{"networkNamespace", "default"}, {"resourceName", "hostdev"},
                                     {"ipam", R"({"type":"whereabouts","range":"192.168.3.225/28"})"}}));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->resource_name, "nvidia.com/hostdev");
  EXPECT_EQ(a->config, R"({"cniVersion":"0.3.1","name":"example-hostdevice-network","type":"host-device",)"
                       R"("ipam":{"type":"whereabouts","range":"192.168.3.225/28"}})");
  auto prefixed = RenderAttachment(HostDeviceNetworkKind(), Network("h", {{"resourceName", "example.com/dev"}}));
  ASSERT_TRUE(prefixed.ok());
  EXPECT_EQ(prefixed->resource_name, "example.com/dev");
}

TEST(CniConfig, IPoIBAlwaysNamesItsMaster) {
  auto a = RenderAttachment(IPoIBNetworkKind(), Network("example-ipoibnetwork", {{"master", "ibs3f1"}}));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->config, R"({"cniVersion":"0.3.1","name":"example-ipoibnetwork","type":"ipoib","master":"ibs3f1","ipam":{}})");
}

TEST(CniConfig, BadInputNamesTheField) {
  struct Case {
    NetworkKind kind;
    json spec;
    std::string field;
  };
  const std::vector<Case> cases = {
      {MacvlanNetworkKind(), {{"ipam", "{\"type\": \"nv-ipam\","}}, "spec.ipam: is not valid JSON"},
      {MacvlanNetworkKind(), {{"ipam", "[1]"}}, "spec.ipam: must be a JSON object"},
      {MacvlanNetworkKind(), {{"mode", "trunk"}}, "spec.mode: \"trunk\" is not one of"},
      {MacvlanNetworkKind(), {{"mtu", -1}}, "spec.mtu"},
      {MacvlanNetworkKind(), {{"networkNamespace", "Bad_NS"}}, "spec.networkNamespace"},
      {MacvlanNetworkKind(), {{"metaPlugins", "{\"type\":\"tuning\"},"}}, "spec.metaPlugins"},
      {MacvlanNetworkKind(), {{"metaPlugins", "{\"mtu\":1}"}}, "spec.metaPlugins: every plugin"},
      {HostDeviceNetworkKind(), {{"resourceName", "-bad-"}}, "spec.resourceName"},
      {HostDeviceNetworkKind(), json::object(), "spec.resourceName"},
      // Hostile input: deep nesting, huge values, text that would inject fields.
      {MacvlanNetworkKind(), {{"ipam", std::string(100000, '[') + std::string(100000, ']')}},
       "spec.ipam: is nested 100000 levels deep; at most 512 are taken"},
      {MacvlanNetworkKind(), {{"metaPlugins", std::string(100000, '[') + std::string(100000, ']')}}, "spec.metaPlugins"},
      {MacvlanNetworkKind(), {{"mtu", 9223372036854775807LL}}, "spec.mtu: must be an integer from 0 to 65535"},
      {MacvlanNetworkKind(), {{"mtu", 1500.5}}, "spec.mtu"},
      {HostDeviceNetworkKind(), {{"resourceName", std::string(60000, 'a')}}, "spec.resourceName: \"aaaa"},
      {HostDeviceNetworkKind(), {{"resourceName", std::string(2000, 'a')}}, "spec.resourceName"},
      {HostDeviceNetworkKind(), {{"resourceName", "x\n  finalizers: [evil]\n/name"}}, "spec.resourceName"},
      {HostDeviceNetworkKind(), {{"resourceName", "nvidia.com/a/b"}}, "spec.resourceName"},
      {HostDeviceNetworkKind(), {{"resourceName", "/name"}}, "spec.resourceName"},
  };
  for (const auto& c : cases) {
    auto a = RenderAttachment(c.kind, Network("x", c.spec));
    ASSERT_FALSE(a.ok()) << c.spec.dump();
    EXPECT_EQ(a.status().code(), kube::Code::kInvalid);
    EXPECT_EQ(a.status().message().rfind(c.field, 0), 0u) << a.status().message();
    EXPECT_LT(a.status().message().size(), 400u) << "a message quotes a long value whole";
  }
}

TEST(CniConfig, ResourceNamesWithAndWithoutAPrefix) {
  auto bare = RenderAttachment(HostDeviceNetworkKind(), Network("x", {{"resourceName", "hostdev"}}));
  ASSERT_TRUE(bare.ok()) << bare.status().ToString();
  EXPECT_EQ(bare->resource_name, "nvidia.com/hostdev");
  auto prefixed = RenderAttachment(HostDeviceNetworkKind(), Network("x", {{"resourceName", "example.com/a_b.c-1"}}));
  ASSERT_TRUE(prefixed.ok()) << prefixed.status().ToString();
  EXPECT_EQ(prefixed->resource_name, "example.com/a_b.c-1");
}

}  // namespace
}  // namespace network
