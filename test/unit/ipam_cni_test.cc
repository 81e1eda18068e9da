// The nv-ipam CNI plugin's configuration and wire format.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cni/cni_result.h"
#include "cni/plugin_config.h"

namespace ipam {
namespace {

using nlohmann::json;

TEST(PluginConfigTest, UpstreamKeysAndDefaults) {
  const std::string dir = std::filesystem::temp_directory_path() / ("nv-ipam-conf-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/nv-ipam.conf") << R"({"daemonSocket": "unix:///run/from-file.sock", "daemonCallTimeoutSeconds": 9, "logLevel": "debug"})";
  json conf = {{"cniVersion", "1.0.0"},
               {"name", "my-net"},
               {"type", "macvlan"},
               {"ipam", {{"type", "nv-ipam"}, {"poolName", "pool-a, pool-b"}, {"confDir", dir}, {"logLevel", "info"}}}};
  auto c = LoadPluginConfig(conf, "IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p;K8S_POD_UID=u-1");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->daemon_socket, "/run/from-file.sock");
  EXPECT_EQ(c->daemon_timeout, std::chrono::seconds(9));
  EXPECT_EQ(c->log_level, "info");  // the network config wins over the file
  ASSERT_EQ(c->pools.size(), 2u);
  EXPECT_EQ(c->pools[1].name, "pool-b");
  EXPECT_EQ(c->pod.uid, "u-1");
  std::filesystem::remove_all(dir);

  // The pool defaults to the network's name; runtime args pick pools, type and static addresses.
  const std::string pod = "K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p";
  json runtime = {{"cniVersion", "0.4.0"},
                  {"name", "net"},
                  {"ipam", {{"type", "nv-ipam"}, {"confDir", "/nonexistent"}}},
                  {"args", {{"cni", {{"poolNames", {"x"}}, {"poolType", "CIDRPool"}, {"ips", {"10.0.0.7/24"}}}}}},
                  {"runtimeConfig", {{"ips", {"fd00::7/64", "fd00::7/64"}}}}};
  auto r = LoadPluginConfig(runtime, pod + ";IP=10.0.0.9");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->pools[0].name, "x");
  EXPECT_EQ(r->pools[0].type, PoolType::kCIDRPool);
  EXPECT_EQ(r->daemon_socket, "/var/lib/cni/nv-ipam/daemon.sock");
  // Static addresses: runtimeConfig first, then args.cni, then CNI_ARGS, never merged.
  ASSERT_EQ(r->static_ips.size(), 1u);  // duplicates folded
  EXPECT_EQ(r->static_ips[0].ToString(), "fd00::7");
  runtime.erase("runtimeConfig");
  ASSERT_EQ(LoadPluginConfig(runtime, pod + ";IP=10.0.0.9")->static_ips.size(), 1u);
  EXPECT_EQ(LoadPluginConfig(runtime, pod + ";IP=10.0.0.9")->static_ips[0].ToString(), "10.0.0.7");
  runtime["args"]["cni"].erase("ips");
  EXPECT_EQ(LoadPluginConfig(runtime, pod + ";IP=10.0.0.9")->static_ips[0].ToString(), "10.0.0.9");
  // args.cni.poolNames wins whatever forcePoolName says; forcePoolName only keeps the network's
  // name from standing in for a missing poolName.
  runtime["ipam"]["forcePoolName"] = true;
  runtime["ipam"]["poolName"] = "named";
  EXPECT_EQ(LoadPluginConfig(runtime, pod)->pools[0].name, "x");
  runtime["args"]["cni"].erase("poolNames");
  EXPECT_EQ(LoadPluginConfig(runtime, pod)->pools[0].name, "named");
  auto plain = LoadPluginConfig({{"cniVersion", "1.0.0"}, {"name", "net"}, {"ipam", {{"confDir", "/nonexistent"}}}}, pod);
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  EXPECT_EQ(plain->pools[0].name, "net");
}

TEST(PluginConfigTest, BadConfigsAreClear) {
  const std::vector<std::pair<json, std::string>> cases = {
      {{{"ipam", {{"poolName", "a,b,c"}}}}, "at most two pools"},
      {{{"ipam", {{"poolName", "a"}, {"poolType", "subnet"}}}}, "poolType must be"},
      {{{"ipam", {{"poolName", "a"}, {"daemonCallTimeoutSeconds", "5"}}}}, "daemonCallTimeoutSeconds"},
      {{{"ipam", {{"poolName", "a"}}}, {"args", {{"cni", {{"ips", {"10.0.0.300"}}}}}}}, "static address"},
      {{{"ipam", {{"poolName", "a"}}}, {"args", {{"cni", {{"ips", {"10.0.0.3"}}, {"allocateDefaultGateway", true}}}}}},
       "exclude each other"},
      {{{"ipam", {{"poolName", ""}, {"forcePoolName", true}}}}, "forcePoolName is set but no pool is named"},
      {{{"ipam", {{"poolName", "a,,b"}}}}, "ipam.poolName has an empty pool name"},
      {{{"ipam", {{"poolName", "a,"}}}}, "ipam.poolName has an empty pool name"},
      {{{"ipam", {{"poolName", "a"}}}, {"args", {{"cni", {{"poolNames", {"a", ""}}}}}}}, "args.cni.poolNames has an empty"},
      // Numbers out of range and members of the wrong type, each named.
      {{{"ipam", {{"poolName", "a"}, {"daemonCallTimeoutSeconds", 4294967297LL}}}},
       "ipam.daemonCallTimeoutSeconds must be an integer from 1 to 3600, not 4294967297"},
      {{{"ipam", {{"poolName", "a"}, {"daemonCallTimeoutSeconds", 1.5}}}}, "daemonCallTimeoutSeconds must be an integer"},
      {{{"ipam", {{"poolName", "a"}}}, {"args", "x"}}, "args must be an object"},
      {{{"ipam", {{"poolName", "a"}}}, {"args", {{"cni", 5}}}}, "args.cni must be an object"},
      {{{"ipam", "x"}}, "ipam must be an object"},
      {{{"ipam", {{"poolName", "a"}}}, {"runtimeConfig", {{"ips", "10.0.0.1"}}}}, "runtimeConfig.ips must be a list"},
      {{{"ipam", {{"poolName", "a"}}}, {"args", {{"cni", {{"allocateIPWithIndex", -1.5}}}}}}, "allocateIPWithIndex must be"},
      {{{"ipam", {{"poolName", "a"}}}, {"args", {{"cni", {{"poolType", 3}}}}}}, "args.cni.poolType must be a string"},
      {{{"ipam", {{"poolName", "a"}}}, {"name", 7}}, "name must be a string"},
  };
  for (auto [conf, want] : cases) {
    conf["cniVersion"] = "1.0.0";
    if (conf["ipam"].is_object()) conf["ipam"]["confDir"] = "/nonexistent";
    auto c = LoadPluginConfig(conf, "K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p");
    ASSERT_FALSE(c.ok()) << conf.dump();
    EXPECT_NE(c.status().message().find(want), std::string::npos) << c.status().message();
  }
  // The pod is required.
  const json good = {{"cniVersion", "1.0.0"}, {"name", "n"}, {"ipam", {{"poolName", "a"}, {"confDir", "/nonexistent"}}}};
  for (const std::string args : {"", "K8S_POD_NAME=p", "K8S_POD_NAMESPACE=ns", "K8S_POD_NAMESPACE=;K8S_POD_NAME=p"}) {
    auto c = LoadPluginConfig(good, args);
    ASSERT_FALSE(c.ok()) << args;
    EXPECT_EQ(c.status().message().find("CNI_ARGS must name the pod"), 0u) << c.status().message();
  }
}

TEST(CniResultTest, ShapesPerVersion) {
  AllocatedAddress a{"p", *IPAddress::Parse("10.0.0.5"), 24, *IPAddress::Parse("10.0.0.1"),
                     {*IPPrefix::Parse("0.0.0.0/0")}};
  auto v1 = CniResult("1.0.0", {a});
  EXPECT_EQ(v1["ips"][0], json({{"address", "10.0.0.5/24"}, {"gateway", "10.0.0.1"}}));
  EXPECT_EQ(v1["routes"][0], json({{"dst", "0.0.0.0/0"}, {"gw", "10.0.0.1"}}));
  auto v031 = CniResult("0.3.1", {a});
  EXPECT_EQ(v031["ips"][0]["version"], "4");
  EXPECT_EQ(v031["cniVersion"], "0.3.1");
  EXPECT_TRUE(SupportedCniVersion("0.4.0"));
  EXPECT_FALSE(SupportedCniVersion("0.2.0"));
  EXPECT_FALSE(CniVersionHasCheck("0.3.1"));
  EXPECT_EQ(CniErrorCode(kube::Status(kube::Code::kResourceExhausted, "")), 101);
  EXPECT_EQ(CniErrorCode(kube::Status(kube::Code::kUnavailable, "")), 11);
  EXPECT_EQ(CniError("1.0.0", 101, "no free addresses")["code"], 101);
  EXPECT_EQ(CniVersionInfo("")["supportedVersions"].size(), 5u);
}

}  // namespace
}  // namespace ipam
