// nv-ipam on the rig: the controller hands 1,000 fake nodes their blocks and
// prefixes; the node daemon and the nv-ipam plugin, chained under Debian's
// macvlan plugin, give real network namespaces their addresses.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "child_process.h"
#include "eventually.h"
#include "networks/cni_config.h"
#include "networks/network_kind.h"
#include "pool/pool_resources.h"
#include "rig_environment.h"
#include "rpc/ipam_protocol.h"
#include "rpc/unix_socket.h"

namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

const std::string kCrds = std::string(ACCELOPS_SOURCE_DIR) + "/manifests/network-operator/state-nv-ipam-cni/0005-crds.yaml";

kube::Resource IPPools() { return ipam::PoolResource(ipam::PoolType::kIPPool); }
kube::Resource CIDRPools() { return ipam::PoolResource(ipam::PoolType::kCIDRPool); }

json PoolObject(const kube::Resource& r, const std::string& ns, const std::string& name, const json& spec) {
  return {{"apiVersion", r.ApiVersion()}, {"kind", r.kind}, {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec", spec}};
}

json Selector(const std::string& key, const std::string& value) {
  return {{"nodeSelectorTerms", {{{"matchExpressions", {{{"key", key}, {"operator", "In"}, {"values", {value}}}}}}}}};
}

json ReadyCondition(const json& status) {
  for (const auto& c : status.value("conditions", json::array())) {
    if (c.value("type", "") == "Ready") return c;
  }
  return json::object();
}

// Starts an ipam-controller for one namespace, stops it at the end.
class IpamControllerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto& env = rig::RigEnvironment::Get();
    ASSERT_TRUE(env.ApplyPath(kCrds).ok());
    namespace_ = env.NewNamespace("ipam");
    metrics_port_ = rig::FreePort();
    controller_ = std::make_unique<rig::ChildProcess>(
        IPAM_CONTROLLER_BIN,
        std::vector<std::string>{"--kubeconfig", env.kubeconfig(), "--ippools-namespace", namespace_,
                                 "--metrics-bind-address", "127.0.0.1:" + std::to_string(metrics_port_),
                                 "--health-probe-bind-address", "0", "--leader-elect"});
    ASSERT_TRUE(controller_->WaitForOutput("starting workers", seconds(60))) << controller_->Output();
  }
  static void TearDownTestSuite() {
    if (controller_) {
      EXPECT_EQ(controller_->Terminate(seconds(30)), 0) << controller_->Output();
    }
    controller_.reset();
  }
  void SetUp() override { client_ = rig::RigEnvironment::Get().NewClient(); }

  json Status(const kube::Resource& r, const std::string& name) {
    auto o = client_->Get(r, namespace_, name);
    return o.ok() ? o->Tree().value("status", json::object()) : json::object();
  }
  std::vector<std::string> EventMessages(const std::string& name, const std::string& reason) {
    std::vector<std::string> out;
    auto events = client_->ListAll(kube::resources::Events(), namespace_,
                                   {.field_selector = "involvedObject.name=" + name});
    if (!events.ok()) return out;
    for (const auto& e : events->items) {
      json t = e.Tree();
      if (t.value("reason", "") == reason) out.push_back(t.value("message", t.value("note", "")));
    }
    return out;
  }

  static std::string namespace_;
  static int metrics_port_;
  static std::unique_ptr<rig::ChildProcess> controller_;
  std::shared_ptr<kube::Client> client_;
};
std::string IpamControllerTest::namespace_;
int IpamControllerTest::metrics_port_ = 0;
std::unique_ptr<rig::ChildProcess> IpamControllerTest::controller_;

TEST_F(IpamControllerTest, ThousandNodesGetBlocksAndPrefixes) {
  auto& env = rig::RigEnvironment::Get();
  const std::string label = "ipam-scale=" + namespace_;
  ASSERT_EQ(env.RigCommand("nodes 1000 --prefix ipam-scale --labels " + label), 0);
  ASSERT_TRUE(client_->Create(IPPools(), PoolObject(IPPools(), namespace_, "big",
                                                    {{"subnet", "10.64.0.0/16"}, {"perNodeBlockSize", 32},
                                                     {"gateway", "10.64.0.1"},
                                                     {"nodeSelector", Selector("ipam-scale", namespace_)}}))
                  .ok());
  ASSERT_TRUE(client_->Create(CIDRPools(), PoolObject(CIDRPools(), namespace_, "prefixes",
                                                      {{"cidr", "10.128.0.0/9"}, {"perNodeNetworkPrefix", 24},
                                                       {"gatewayIndex", 1},
                                                       {"nodeSelector", Selector("ipam-scale", namespace_)}}))
                  .ok());
  // A pool far too small: 7 blocks for 1,000 nodes.
  ASSERT_TRUE(client_->Create(IPPools(), PoolObject(IPPools(), namespace_, "small",
                                                    {{"subnet", "10.65.0.0/24"}, {"perNodeBlockSize", 32},
                                                     {"nodeSelector", Selector("ipam-scale", namespace_)}}))
                  .ok());
  ASSERT_TRUE(rig::Eventually([&] { return Status(IPPools(), "big").value("allocations", json::array()).size() == 1000; },
                              seconds(120)))
      << controller_->Output().substr(0, 4000);
  ASSERT_TRUE(rig::Eventually(
      [&] { return Status(CIDRPools(), "prefixes").value("allocations", json::array()).size() == 1000; }, seconds(60)));

  // Distinct, aligned blocks; the gateway's block still has usable addresses.
  json big = Status(IPPools(), "big");
  std::set<std::string> starts, nodes;
  for (const auto& a : big["allocations"]) {
    starts.insert(a["startIP"].get<std::string>());
    nodes.insert(a["nodeName"].get<std::string>());
  }
  EXPECT_EQ(starts.size(), 1000u);
  EXPECT_EQ(nodes.size(), 1000u);
  EXPECT_TRUE(starts.count("10.64.0.1"));
  EXPECT_EQ(ReadyCondition(big).value("status", ""), "True");
  json prefixes = Status(CIDRPools(), "prefixes");
  EXPECT_EQ(prefixes["allocations"][0]["gateway"], "10.128.0.1");

  // Exhaustion: in status and in an Event that names nodes left out.
  ASSERT_TRUE(rig::Eventually([&] { return ReadyCondition(Status(IPPools(), "small")).value("reason", "") == "NoFreeRanges"; }));
  json small = Status(IPPools(), "small");
  EXPECT_EQ(small["allocations"].size(), 7u);
  EXPECT_NE(ReadyCondition(small)["message"].get<std::string>().find("993 of 1000 selected nodes have no block"),
            std::string::npos);
  ASSERT_TRUE(rig::Eventually([&] { return !EventMessages("small", "NoFreeRanges").empty(); }));
  httplib::Client http("127.0.0.1", metrics_port_);
  auto metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("nv_ipam_pool_nodes_without_allocation{kind=\"IPPool\",namespace=\"" + namespace_ +
                               "\",pool=\"small\"} 993"),
            std::string::npos)
      << metrics->body.substr(0, 3000);
  EXPECT_NE(EventMessages("small", "NoFreeRanges")[0].find("ipam-scale-"), std::string::npos);

  // At rest: no writes.
  const std::string rv = client_->Get(IPPools(), namespace_, "big")->resource_version();
  std::this_thread::sleep_for(seconds(3));
  EXPECT_EQ(client_->Get(IPPools(), namespace_, "big")->resource_version(), rv);

  // A removed node frees its block; a node that stops matching does too.
  const std::string gone = big["allocations"][0]["nodeName"];
  ASSERT_TRUE(client_->Delete(kube::resources::Nodes(), "", gone).ok());
  ASSERT_TRUE(rig::Eventually([&] { return Status(IPPools(), "big")["allocations"].size() == 999; }, seconds(30)));
  const json after_removal = Status(IPPools(), "big");
  for (const auto& a : after_removal["allocations"]) EXPECT_NE(a["nodeName"], gone);

  // An edit that breaks alignment moves nodes, and says which.
  ASSERT_TRUE(client_->Patch(IPPools(), namespace_, "small", kube::PatchType::kMerge,
                             R"({"spec":{"perNodeBlockSize":16}})")
                  .ok());
  ASSERT_TRUE(rig::Eventually([&] { return !EventMessages("small", "AllocationsMoved").empty(); }));
  EXPECT_NE(EventMessages("small", "AllocationsMoved")[0].find("-> 10.65.0."), std::string::npos);

  // Bad input: a gateway outside the subnet. Clear status and Event; allocations are kept.
  ASSERT_TRUE(client_->Patch(IPPools(), namespace_, "big", kube::PatchType::kMerge, R"({"spec":{"gateway":"10.99.0.1"}})")
                  .ok());
  ASSERT_TRUE(rig::Eventually([&] { return ReadyCondition(Status(IPPools(), "big")).value("reason", "") == "InvalidSpec"; }));
  EXPECT_NE(ReadyCondition(Status(IPPools(), "big"))["message"].get<std::string>().find("spec.gateway: 10.99.0.1 is not in"),
            std::string::npos);
  EXPECT_EQ(Status(IPPools(), "big")["allocations"].size(), 999u);
  EXPECT_FALSE(EventMessages("big", "InvalidSpec").empty());

  std::string out;
  // Waited for, so the suites that follow do not schedule DaemonSet pods onto 1,000 nodes.
  rig::Shell(std::string(ACCELOPS_SOURCE_DIR) + "/hack/rig --dir " + env.dir() + " kubectl delete nodes -l " + label +
                 " --timeout=120s >/dev/null 2>&1",
             &out);
}

// Two pools whose subnets overlap on a node both select would hand that node the same
// addresses: the pool created first keeps them, the other is refused until the overlap ends.
TEST_F(IpamControllerTest, OverlappingPoolsOnANodeRefuseTheNewerOne) {
  auto& env = rig::RigEnvironment::Get();
  ASSERT_EQ(env.RigCommand("nodes 1 --prefix ipam-overlap --labels ipam-overlap=" + namespace_), 0);
  const json selector = Selector("ipam-overlap", namespace_);
  ASSERT_TRUE(client_->Create(IPPools(), PoolObject(IPPools(), namespace_, "first",
                                                    {{"subnet", "10.70.0.0/16"}, {"perNodeBlockSize", 16},
                                                     {"nodeSelector", selector}}))
                  .ok());
  ASSERT_TRUE(rig::Eventually([&] { return Status(IPPools(), "first").value("allocations", json::array()).size() == 1; }));
  ASSERT_TRUE(client_->Create(IPPools(), PoolObject(IPPools(), namespace_, "second",
                                                    {{"subnet", "10.70.8.0/24"}, {"perNodeBlockSize", 16},
                                                     {"nodeSelector", selector}}))
                  .ok());
  // The same subnet on nodes no other pool selects overlaps nothing.
  ASSERT_TRUE(client_->Create(IPPools(), PoolObject(IPPools(), namespace_, "elsewhere",
                                                    {{"subnet", "10.70.0.0/16"}, {"perNodeBlockSize", 16},
                                                     {"nodeSelector", Selector("ipam-overlap", "nowhere")}}))
                  .ok());
  ASSERT_TRUE(rig::Eventually([&] {
    return ReadyCondition(Status(IPPools(), "second")).value("reason", "") == "OverlappingSubnet";
  })) << Status(IPPools(), "second").dump();
  const std::string message = ReadyCondition(Status(IPPools(), "second")).value("message", "");
  EXPECT_NE(message.find("IPPool " + namespace_ + "/first"), std::string::npos) << message;
  EXPECT_NE(message.find("on node ipam-overlap-"), std::string::npos) << message;
  EXPECT_TRUE(Status(IPPools(), "second").value("allocations", json::array()).empty()) << "no address handed out twice";
  ASSERT_TRUE(rig::Eventually([&] { return !EventMessages("second", "OverlappingSubnet").empty(); }));
  EXPECT_EQ(EventMessages("second", "OverlappingSubnet")[0].find("existing allocations"), std::string::npos)
      << "a pool that never had allocations keeps none";
  ASSERT_TRUE(rig::Eventually([&] { return ReadyCondition(Status(IPPools(), "elsewhere")).value("reason", "") == "Allocated"; }));
  EXPECT_EQ(ReadyCondition(Status(IPPools(), "first")).value("status", ""), "True");
  // Once the first pool is gone, the second takes the node.
  ASSERT_TRUE(client_->Delete(IPPools(), namespace_, "first").ok());
  ASSERT_TRUE(rig::Eventually([&] { return Status(IPPools(), "second").value("allocations", json::array()).size() == 1; }))
      << Status(IPPools(), "second").dump();
  EXPECT_EQ(ReadyCondition(Status(IPPools(), "second")).value("status", ""), "True");
  for (const char* name : {"second", "elsewhere"}) (void)client_->Delete(IPPools(), namespace_, name);
  std::string out;
  rig::Shell(std::string(ACCELOPS_SOURCE_DIR) + "/hack/rig --dir " + env.dir() +
                 " kubectl delete nodes -l ipam-overlap --timeout=120s >/dev/null 2>&1",
             &out);
}

// The plugin's answer to input of the wrong shape is a CNI error in its own words, with the
// CNI code that fits, never a library's exception text with code 999.
TEST(NvIpamPlugin, MalformedInputGetsACniErrorThatSaysWhat) {
  const std::string dir = "/tmp/nv-ipam-malformed-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  struct Case {
    std::string conf;
    int code;
    std::string says;
  };
  const std::vector<Case> cases = {
      {R"({"cniVersion": 1, "name": "n", "ipam": {"poolName": "p"}})", 1, "cniVersion must be a string"},
      {R"({"cniVersion": "1.0.0", "name": "n", "ipam": {"poolName": "p", "confDir": "/nonexistent"}, "args": "x"})", 7,
       "args must be an object"},
      {R"({"cniVersion": "1.0.0", "name": "n", "ipam": {"poolName": "p", "confDir": "/nonexistent", "daemonCallTimeoutSeconds": 4294967297}})",
       7, "daemonCallTimeoutSeconds must be an integer from 1 to 3600"},
      {"{\"cniVersion\": \"1.0.0\",", 6, "is not valid JSON"},
      {R"({"cniVersion": "1.0.0", "name": "n", "ipam": {"poolName": "p", "confDir": "/nonexistent", "daemonSocket": ")" + dir +
           R"(/none.sock"}})",
       11, "cannot reach the nv-ipam node daemon"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string conf_file = dir + "/conf-" + std::to_string(i) + ".json";
    std::ofstream(conf_file) << cases[i].conf;
    std::string out;
    const int rc = rig::Shell("CNI_COMMAND=ADD CNI_CONTAINERID=c CNI_IFNAME=net1 CNI_NETNS=/nonexistent CNI_PATH=/nonexistent "
                              "CNI_ARGS='K8S_POD_NAMESPACE=default;K8S_POD_NAME=p' " +
                                  std::string(NV_IPAM_BIN) + " < " + conf_file,
                              &out);
    EXPECT_NE(rc, 0) << cases[i].conf;
    const json answer = json::parse(out, nullptr, false);
    ASSERT_TRUE(answer.is_object()) << out;
    EXPECT_EQ(answer.value("code", 0), cases[i].code) << cases[i].conf << " -> " << out;
    EXPECT_NE((answer.value("msg", "") + " " + answer.value("details", "")).find(cases[i].says), std::string::npos)
        << cases[i].conf << " -> " << out;
    EXPECT_EQ(out.find("json.exception"), std::string::npos) << out;
  }
  std::filesystem::remove_all(dir);
}

// --- The node side, in real network namespaces -------------------------------------------

const std::string kMacvlan = "/usr/lib/cni/macvlan";
const std::string kDaemonSocket = "/var/lib/cni/nv-ipam/daemon.sock";  // the plugin's default

class IpamCniTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0 || access(kMacvlan.c_str(), X_OK) != 0) {
      skip_ = "needs root and containernetworking-plugins (" + kMacvlan + ")";
      return;
    }
    auto& env = rig::RigEnvironment::Get();
    ASSERT_TRUE(env.ApplyPath(kCrds).ok());
    namespace_ = env.NewNamespace("ipam-node");
    node_ = "ipam-host-" + namespace_.substr(namespace_.rfind('-') + 1);
    ASSERT_EQ(env.RigCommand("nodes 1 --prefix " + node_), 0);
    node_ += "-0";
    dir_ = std::filesystem::temp_directory_path() / ("ipam-cni-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    auto client = env.NewClient();
    json by_name = {{"nodeSelectorTerms", {{{"matchFields", {{{"key", "metadata.name"}, {"operator", "In"}, {"values", {node_}}}}}}}}};
    ASSERT_TRUE(client->Create(IPPools(), PoolObject(IPPools(), namespace_, "my-pool",
                                                     {{"subnet", "192.168.100.0/24"}, {"perNodeBlockSize", 250},
                                                      {"gateway", "192.168.100.1"}, {"defaultGateway", true},
                                                      {"routes", {{{"dst", "10.200.0.0/16"}}}},
                                                      {"nodeSelector", by_name}}))
                    .ok());
    ASSERT_TRUE(client->Create(IPPools(), PoolObject(IPPools(), namespace_, "tiny",
                                                     {{"subnet", "192.168.200.0/24"}, {"perNodeBlockSize", 2},
                                                      {"nodeSelector", by_name}}))
                    .ok());
    controller_ = std::make_unique<rig::ChildProcess>(
        IPAM_CONTROLLER_BIN, std::vector<std::string>{"--kubeconfig", env.kubeconfig(), "--ippools-namespace", namespace_,
                                                      "--metrics-bind-address", "0", "--health-probe-bind-address", "0"});
    StartDaemon();
    // The master: one end of a veth pair (dummy links need a kernel module that may be missing).
    ASSERT_EQ(Sh("ip netns add " + HostNs() + " && ip -n " + HostNs() + " link add uplink0 type veth peer name uplink1" +
                 " && ip -n " + HostNs() + " link set uplink0 up && ip -n " + HostNs() + " link set uplink1 up"),
              0);
  }
  static void TearDownTestSuite() {
    if (!skip_.empty()) return;
    Sh("for n in $(ip netns list | awk '/^" + PodNsPrefix() + "/{print $1}'); do ip netns del $n; done; ip netns del " +
       HostNs() + " 2>/dev/null");
    if (daemon_) {
      EXPECT_EQ(daemon_->Terminate(seconds(30)), 0) << daemon_->Output();
    }
    if (controller_) {
      EXPECT_EQ(controller_->Terminate(seconds(30)), 0);
    }
    daemon_.reset();
    controller_.reset();
    std::filesystem::remove_all(dir_);
  }
  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
  }

  static void StartDaemon() {
    auto& env = rig::RigEnvironment::Get();
    daemon_ = std::make_unique<rig::ChildProcess>(
        IPAM_NODE_BIN, std::vector<std::string>{"--kubeconfig", env.kubeconfig(), "--node-name", node_,
                                                "--ippools-namespace", namespace_, "--store-file",
                                                (dir_ / "store").string(), "--stale-ip-check-interval", "1",
                                                "--stale-ip-check-count-before-release", "1",
                                                "--metrics-bind-address", "0", "--health-probe-bind-address", "0",
                                                // The plugin runs from the build tree; nothing is installed on the host.
                                                "--cni-skip-nv-ipam-binary-copy", "--cni-skip-nv-ipam-config-creation"});
    ASSERT_TRUE(daemon_->WaitForOutput("serving the nv-ipam CNI plugin", seconds(30))) << daemon_->Output();
  }
  static int Sh(const std::string& command, std::string* out = nullptr) {
    std::string ignored;
    return rig::Shell(command, out ? out : &ignored);
  }
  static std::string HostNs() { return "ipamhost-" + std::to_string(::getpid()); }
  static std::string PodNsPrefix() { return "ipampod-" + std::to_string(::getpid()) + "-"; }

  // The CNI config the network operator renders for the seed's MacvlanNetwork, on our veth master.
  static json NetworkConfig(const std::string& pool, const std::string& version) {
    json network = {{"metadata", {{"name", "example-macvlannetwork"}}},
                    {"spec", {{"networkNamespace", "default"}, {"master", "uplink0"}, {"mode", "bridge"}, {"mtu", 1500},
                              {"ipam", "{\n  \"type\": \"nv-ipam\",\n  \"poolName\": \"" + pool + "\"\n}\n"}}}};
    auto spec = network::RenderAttachment(network::MacvlanNetworkKind(), network);
    EXPECT_TRUE(spec.ok()) << spec.status().message();
    json config = spec.ok() ? json::parse(spec->config) : json::object();
    if (!version.empty()) config["cniVersion"] = version;
    return config;
  }

  struct PluginRun {
    int exit_code;
    json output;
  };
  // Runs macvlan (which runs nv-ipam) as a runtime would, for container `id` in its own namespace.
  // Without `pod_uid` the reservation names no pod, so the stale cleaner leaves it alone.
  static PluginRun Cni(const std::string& command, const std::string& id, const json& config,
                       const std::string& pod_uid = "") {
    const std::string conf_file = (dir_ / ("conf-" + id + "-" + command)).string();
    std::ofstream(conf_file) << config.dump();
    const std::string netns = PodNsPrefix() + id;
    if (command == "ADD") Sh("ip netns add " + netns + " 2>/dev/null");
    const std::string plugin_dir = std::filesystem::path(NV_IPAM_BIN).parent_path().string();
    std::string out;
    const int rc = Sh("CNI_COMMAND=" + command + " CNI_CONTAINERID=" + id + " CNI_NETNS=/var/run/netns/" + netns +
                          " CNI_IFNAME=net1 CNI_PATH=" + plugin_dir + ":/usr/lib/cni CNI_ARGS='IgnoreUnknown=1;"
                          "K8S_POD_NAMESPACE=default;K8S_POD_NAME=pod-" + id + (pod_uid.empty() ? "" : ";K8S_POD_UID=" + pod_uid) +
                          "' timeout 20 ip netns exec " + HostNs() + " " +
                          kMacvlan + " < " + conf_file,
                      &out);
    return {rc, json::parse(out, nullptr, false)};
  }
  static std::string AddressIn(const std::string& id) {
    std::string out;
    Sh("ip -n " + PodNsPrefix() + id + " -4 -o addr show dev net1 | awk '{print $4}'", &out);
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
  }
  static bool Reserved(const std::string& pool, const std::string& id) {
    json r = ipam::ToJson(ipam::ReservationRequest{{{ipam::PoolType::kIPPool, pool}}, id, "net1"});
    r["method"] = ipam::kIsAllocated;
    auto answer = ipam::CallUnixSocket(kDaemonSocket, r, seconds(5));
    return answer.ok() && ipam::ErrorFromJson(*answer).ok();
  }

  static std::string skip_, namespace_, node_;
  static std::filesystem::path dir_;
  static std::unique_ptr<rig::ChildProcess> controller_, daemon_;
};
std::string IpamCniTest::skip_, IpamCniTest::namespace_, IpamCniTest::node_;
std::filesystem::path IpamCniTest::dir_;
std::unique_ptr<rig::ChildProcess> IpamCniTest::controller_, IpamCniTest::daemon_;

TEST_F(IpamCniTest, MacvlanGetsAnAddressFromTheNodeBlockAndGivesItBack) {
  for (const std::string version : {"", "0.4.0", "1.0.0"}) {  // "": the rendered config's own (0.3.1)
    const std::string id = "single" + (version.empty() ? std::string("031") : version.substr(0, 1) + version.substr(2, 1));
    PluginRun add;
    // The daemon answers "no allocation for node" until the controller has written the block.
    ASSERT_TRUE(rig::Eventually([&] {
      add = Cni("ADD", id, NetworkConfig("my-pool", version));
      if (add.exit_code != 0) Cni("DEL", id, NetworkConfig("my-pool", version));
      return add.exit_code == 0;
    }, seconds(30))) << add.output.dump() << daemon_->Output();
    const std::string address = add.output["ips"][0]["address"];
    EXPECT_EQ(address.rfind("192.168.100.", 0), 0u) << add.output.dump();
    EXPECT_EQ(add.output["ips"][0]["gateway"], "192.168.100.1");
    EXPECT_EQ(AddressIn(id), address);
    std::string routes;
    Sh("ip -n " + PodNsPrefix() + id + " route", &routes);
    EXPECT_NE(routes.find("default via 192.168.100.1 dev net1"), std::string::npos) << routes;
    EXPECT_NE(routes.find("10.200.0.0/16 via 192.168.100.1 dev net1"), std::string::npos) << routes;
    EXPECT_TRUE(Reserved("my-pool", id));
    if (!version.empty()) {
      json check = NetworkConfig("my-pool", version);
      check["prevResult"] = add.output;  // as the runtime passes it
      PluginRun checked = Cni("CHECK", id, check);
      EXPECT_EQ(checked.exit_code, 0) << checked.output.dump();
    }
    ASSERT_EQ(Cni("DEL", id, NetworkConfig("my-pool", version)).exit_code, 0);
    EXPECT_FALSE(Reserved("my-pool", id));
    EXPECT_EQ(Cni("DEL", id, NetworkConfig("my-pool", version)).exit_code, 0) << "DEL is idempotent";
  }
}

TEST_F(IpamCniTest, TwoHundredParallelAddsGetDistinctAddressesThatSurviveARestart) {
  ASSERT_TRUE(rig::Eventually([&] { return Cni("ADD", "warm", NetworkConfig("my-pool", "1.0.0")).exit_code == 0; },
                              seconds(30)));
  std::vector<std::future<PluginRun>> runs;
  for (int i = 0; i < 200; ++i) {
    runs.push_back(std::async(std::launch::async, [i] { return Cni("ADD", "p" + std::to_string(i), NetworkConfig("my-pool", "1.0.0")); }));
  }
  std::set<std::string> addresses;
  std::vector<json> results;
  for (int i = 0; i < 200; ++i) {
    PluginRun r = runs[i].get();
    results.push_back(r.output);
    ASSERT_EQ(r.exit_code, 0) << r.output.dump();
    addresses.insert(r.output["ips"][0]["address"].get<std::string>());
    EXPECT_EQ(AddressIn("p" + std::to_string(i)), r.output["ips"][0]["address"].get<std::string>());
  }
  EXPECT_EQ(addresses.size(), 200u);

  // kill -9 and restart: every reservation is still there, and new pods get other addresses.
  daemon_->Signal(SIGKILL);
  ASSERT_TRUE(daemon_->Wait(seconds(10)));
  StartDaemon();
  for (int i = 0; i < 200; i += 20) EXPECT_TRUE(Reserved("my-pool", "p" + std::to_string(i)));
  PluginRun after = Cni("ADD", "after-restart", NetworkConfig("my-pool", "1.0.0"));
  ASSERT_EQ(after.exit_code, 0) << after.output.dump();
  EXPECT_FALSE(addresses.count(after.output["ips"][0]["address"].get<std::string>()));
  json check = NetworkConfig("my-pool", "1.0.0");
  check["prevResult"] = results[7];
  EXPECT_EQ(Cni("CHECK", "p7", check).exit_code, 0);
  for (int i = 0; i < 200; ++i) Cni("DEL", "p" + std::to_string(i), NetworkConfig("my-pool", "1.0.0"));
  Cni("DEL", "after-restart", NetworkConfig("my-pool", "1.0.0"));
  Cni("DEL", "warm", NetworkConfig("my-pool", "1.0.0"));
}

TEST_F(IpamCniTest, ExhaustedBlockGivesAClearCniError) {
  ASSERT_TRUE(rig::Eventually([&] { return Cni("ADD", "t0", NetworkConfig("tiny", "1.0.0")).exit_code == 0; },
                              seconds(30)));
  ASSERT_EQ(Cni("ADD", "t1", NetworkConfig("tiny", "1.0.0")).exit_code, 0);
  const auto start = std::chrono::steady_clock::now();
  PluginRun full = Cni("ADD", "t2", NetworkConfig("tiny", "1.0.0"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(10)) << "never a hang";
  EXPECT_NE(full.exit_code, 0);
  EXPECT_EQ(full.output.value("code", 0), 101) << full.output.dump();
  EXPECT_NE(full.output.value("msg", "").find("no free addresses in the allocated range"), std::string::npos)
      << full.output.dump();
  // A pool with no block for this node, and a daemon that is down, are clear too.
  PluginRun unknown = Cni("ADD", "u0", NetworkConfig("no-such-pool", "1.0.0"));
  EXPECT_EQ(unknown.output.value("code", 0), 102) << unknown.output.dump();
  EXPECT_NE(unknown.output.value("msg", "").find("does not exist"), std::string::npos);
  for (const char* id : {"t0", "t1", "t2", "u0"}) Cni("DEL", id, NetworkConfig("tiny", "1.0.0"));
}

TEST_F(IpamCniTest, StaleReservationsOfDeletedPodsAreReleased) {
  auto client = rig::RigEnvironment::Get().NewClient();
  auto pod = client->Create(kube::resources::Pods(),
                            {{"apiVersion", "v1"}, {"kind", "Pod"},
                             {"metadata", {{"name", "pod-alive"}, {"namespace", "default"}}},
                             {"spec", {{"nodeName", node_}, {"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}});
  ASSERT_TRUE(pod.ok()) << pod.status().ToString();
  ASSERT_TRUE(rig::Eventually([&] { return Cni("ADD", "alive", NetworkConfig("my-pool", "1.0.0"), pod->meta().uid).exit_code == 0; },
                              seconds(30)));
  ASSERT_EQ(Cni("ADD", "ghost", NetworkConfig("my-pool", "1.0.0"), "uid-of-a-pod-that-never-was").exit_code, 0);
  // Checked every second, released after more than one miss.
  ASSERT_TRUE(rig::Eventually([&] { return !Reserved("my-pool", "ghost"); }, seconds(20))) << daemon_->Output();
  EXPECT_TRUE(Reserved("my-pool", "alive"));
  // The log line follows the store's write: wait for it rather than read the log at once.
  EXPECT_TRUE(daemon_->WaitForOutput("released the address of a pod that is gone", seconds(20))) << daemon_->Output();
  Cni("DEL", "alive", NetworkConfig("my-pool", "1.0.0"));
  Cni("DEL", "ghost", NetworkConfig("my-pool", "1.0.0"));
  (void)client->Delete(kube::resources::Pods(), "default", "pod-alive");
}

}  // namespace
