// The network operator as a process on the rig: the seed examples of the
// secondary-network kinds become NetworkAttachmentDefinitions.

#include <gtest/gtest.h>

#include <thread>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "child_process.h"
#include "networks/network_kind.h"
#include "eventually.h"
#include "rig_environment.h"

namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

const std::string kTestData = std::string(ACCELOPS_SOURCE_DIR) + "/examples/network-operator/";

class NetworkOperatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto& env = rig::RigEnvironment::Get();
    kube::Status crds = env.ApplyPath(std::string(ACCELOPS_SOURCE_DIR) + "/deploy/network-operator/chart/crds");
    ASSERT_TRUE(crds.ok()) << crds.ToString();
    operator_ = std::make_unique<rig::ChildProcess>(
        NETWORK_OPERATOR_BIN, std::vector<std::string>{"--kubeconfig", env.kubeconfig(), "--metrics-bind-address", "0",
                                                       "--health-probe-bind-address", "0"},
        rig::NoRegistryAccess());
    ASSERT_TRUE(operator_->WaitForOutput("starting workers", seconds(30))) << operator_->Output();
  }
  static void TearDownTestSuite() {
    if (!operator_) return;
    EXPECT_EQ(operator_->Terminate(seconds(30)), 0) << operator_->Output();
    operator_.reset();
  }
  void SetUp() override { client_ = rig::RigEnvironment::Get().NewClient(); }

  static bool Eventually(const std::function<bool()>& done, milliseconds timeout = milliseconds(20000)) {
    return rig::Eventually(done, timeout);
  }

  json Status(const network::NetworkKind& kind, const std::string& name) {
    auto obj = client_->Get(kind.resource, "", name);
    return obj.ok() ? obj->Tree().value("status", json::object()) : json::object();
  }
  kube::Result<kube::Object> Nad(const std::string& ns, const std::string& name) {
    return client_->Get(network::NetworkAttachmentDefinitions(), ns, name);
  }

  static std::unique_ptr<rig::ChildProcess> operator_;
  std::shared_ptr<kube::Client> client_;
};

std::unique_ptr<rig::ChildProcess> NetworkOperatorTest::operator_;

TEST_F(NetworkOperatorTest, SeedExamplesBecomeNetworkAttachmentDefinitions) {
  auto& env = rig::RigEnvironment::Get();
  ASSERT_TRUE(env.ApplyPath(kTestData + "macvlan-whereabouts.yaml").ok());
  ASSERT_TRUE(env.ApplyPath(kTestData + "hostdevice.yaml").ok());
  ASSERT_TRUE(env.ApplyPath(kTestData + "ipoib.yaml").ok());

  const auto macvlan = network::MacvlanNetworkKind();
  ASSERT_TRUE(Eventually([&] { return Status(macvlan, "example-macvlannetwork").value("state", "") == "ready"; }))
      << operator_->Output();
  json status = Status(macvlan, "example-macvlannetwork");
  EXPECT_EQ(status["macvlanNetworkAttachmentDef"],
            "k8s.cni.cncf.io/v1/namespaces/default/NetworkAttachmentDefinition/example-macvlannetwork");
  auto nad = Nad("default", "example-macvlannetwork");
  ASSERT_TRUE(nad.ok());
  json config = json::parse(nad->Tree()["spec"]["config"].get<std::string>());
  EXPECT_EQ(config["type"], "macvlan");
  EXPECT_EQ(config["master"], "ens2f0");
  EXPECT_EQ(config["mode"], "bridge");
  EXPECT_EQ(config["mtu"], 1500);
  EXPECT_EQ(config["ipam"]["type"], "whereabouts");
  EXPECT_EQ(config["ipam"]["exclude"], json::array({"192.168.2.229/30", "192.168.2.236/32"}));
  ASSERT_NE(nad->meta().ControllerOwner(), nullptr);
  EXPECT_EQ(nad->meta().ControllerOwner()->kind, "MacvlanNetwork");

  // The nv-ipam variant of the seed replaces the IPAM.
  ASSERT_TRUE(env.ApplyPath(kTestData + "macvlan-nv-ipam.yaml").ok());
  ASSERT_TRUE(Eventually([&] {
    auto n = Nad("default", "example-macvlannetwork");
    return n.ok() && n->Tree()["spec"]["config"] ==
                         R"({"cniVersion":"0.3.1","name":"example-macvlannetwork","type":"macvlan","master":"ens2f0",)"
                         R"("mode":"bridge","mtu":1500,"ipam":{"type":"nv-ipam","poolName":"my-pool"}})";
  }));

  const auto hostdev = network::HostDeviceNetworkKind();
  ASSERT_TRUE(Eventually([&] { return Status(hostdev, "example-hostdevice-network").value("state", "") == "ready"; }));
  auto hd = Nad("default", "example-hostdevice-network");
  ASSERT_TRUE(hd.ok());
  EXPECT_EQ(hd->Tree()["metadata"]["annotations"]["k8s.v1.cni.cncf.io/resourceName"], "nvidia.com/hostdev");
  EXPECT_EQ(json::parse(hd->Tree()["spec"]["config"].get<std::string>())["type"], "host-device");

  const auto ipoib = network::IPoIBNetworkKind();
  ASSERT_TRUE(Eventually([&] { return Status(ipoib, "example-ipoibnetwork").value("state", "") == "ready"; }));
  auto ib = Nad("default", "example-ipoibnetwork");
  ASSERT_TRUE(ib.ok());
  json ib_config = json::parse(ib->Tree()["spec"]["config"].get<std::string>());
  EXPECT_EQ(ib_config["type"], "ipoib");
  EXPECT_EQ(ib_config["master"], "ibs3f1");
  EXPECT_EQ(ib_config["ipam"]["gateway"], "192.168.6.1");
}

TEST_F(NetworkOperatorTest, AtRestNothingIsWritten) {
  auto& env = rig::RigEnvironment::Get();
  ASSERT_TRUE(env.ApplyPath(kTestData + "ipoib.yaml").ok());
  const auto ipoib = network::IPoIBNetworkKind();
  ASSERT_TRUE(Eventually([&] { return Status(ipoib, "example-ipoibnetwork").value("state", "") == "ready"; }));
  std::this_thread::sleep_for(seconds(1));
  const std::string nad_rv = Nad("default", "example-ipoibnetwork")->resource_version();
  const std::string cr_rv = client_->Get(ipoib.resource, "", "example-ipoibnetwork")->resource_version();
  std::this_thread::sleep_for(seconds(3));
  EXPECT_EQ(Nad("default", "example-ipoibnetwork")->resource_version(), nad_rv);
  EXPECT_EQ(client_->Get(ipoib.resource, "", "example-ipoibnetwork")->resource_version(), cr_rv);
}

TEST_F(NetworkOperatorTest, MovingTheNamespaceMovesTheAttachment) {
  auto& env = rig::RigEnvironment::Get();
  const std::string from = env.NewNamespace("net-from");
  const std::string to = env.NewNamespace("net-to");
  const auto kinds = {network::MacvlanNetworkKind(), network::HostDeviceNetworkKind(), network::IPoIBNetworkKind()};
  for (const auto& kind : kinds) {
    const std::string name = "moving-" + kind.cni_type;
    json spec = {{"networkNamespace", from}, {"master", "eth1"}};
    if (kind.cni_type == "host-device") spec = {{"networkNamespace", from}, {"resourceName", "dev"}};
    json cr = {{"apiVersion", "mellanox.com/v1alpha1"}, {"kind", kind.resource.kind}, {"metadata", {{"name", name}}},
               {"spec", spec}};
    ASSERT_TRUE(client_->Apply(kind.resource, cr, {"test", true, ""}).ok());
    ASSERT_TRUE(Eventually([&] { return Nad(from, name).ok(); })) << name;
    cr["spec"]["networkNamespace"] = to;
    ASSERT_TRUE(client_->Apply(kind.resource, cr, {"test", true, ""}).ok());
    ASSERT_TRUE(Eventually([&] { return Nad(to, name).ok() && kube::IsNotFound(Nad(from, name).status()); }))
        << kind.resource.kind << " left its old attachment behind";
    // The status follows the attachment in the same pass, a moment later.
    EXPECT_TRUE(Eventually([&] {
      return Status(kind, name).value(kind.status_link, "").find("/namespaces/" + to + "/") != std::string::npos;
    })) << kind.resource.kind << " status: " << Status(kind, name).dump();
  }
}

TEST_F(NetworkOperatorTest, InvalidSpecsGiveAnErrorStatusAndNoAttachment) {
  const auto macvlan = network::MacvlanNetworkKind();
  json cr = {{"apiVersion", "mellanox.com/v1alpha1"}, {"kind", "MacvlanNetwork"}, {"metadata", {{"name", "bad-ipam"}}},
             {"spec", {{"networkNamespace", "default"}, {"ipam", "{\"type\": \"nv-ipam\","}}}};
  ASSERT_TRUE(client_->Apply(macvlan.resource, cr, {"test", true, ""}).ok());
  ASSERT_TRUE(Eventually([&] { return Status(macvlan, "bad-ipam").value("state", "") == "error"; }));
  EXPECT_EQ(Status(macvlan, "bad-ipam")["reason"].get<std::string>().rfind("spec.ipam: is not valid JSON (", 0), 0u)
      << Status(macvlan, "bad-ipam").dump();
  EXPECT_TRUE(kube::IsNotFound(Nad("default", "bad-ipam").status())) << "nothing half-applied";
  // The Event is recorded after the status is written: wait for it rather than race it.
  kube::Result<kube::ListPage> events = kube::Status(kube::Code::kNotFound, "not listed yet");
  ASSERT_TRUE(Eventually([&] {
    events = client_->ListAll(kube::resources::Events(), "default", {.field_selector = "involvedObject.name=bad-ipam"});
    return events.ok() && !events->items.empty();
  }));
  EXPECT_EQ(events->items[0].Tree()["reason"], "InvalidSpec");

  // The schema itself refuses a mode that is not in its enum.
  json bad_mode = cr;
  bad_mode["metadata"]["name"] = "bad-mode";
  bad_mode["spec"] = {{"mode", "trunk"}};
  auto refused = client_->Apply(macvlan.resource, bad_mode, {"test", true, ""});
  EXPECT_EQ(refused.status().code(), kube::Code::kInvalid) << refused.status().ToString();

  // Fixing the spec makes it ready.
  cr["spec"]["ipam"] = R"({"type": "nv-ipam", "poolName": "p"})";
  ASSERT_TRUE(client_->Apply(macvlan.resource, cr, {"test", true, ""}).ok());
  ASSERT_TRUE(Eventually([&] { return Status(macvlan, "bad-ipam").value("state", "") == "ready"; }));
  EXPECT_FALSE(Status(macvlan, "bad-ipam").contains("reason"));
  EXPECT_TRUE(Nad("default", "bad-ipam").ok());
}

// Hostile networks: each gets a clear status (or the API refuses it), none crashes the operator
// or injects a field, and names YAML would read as numbers, booleans or null stay names.
TEST_F(NetworkOperatorTest, HostileNetworksGetAClearStatusAndNoneStopsTheOperator) {
  const auto macvlan = network::MacvlanNetworkKind();
  const auto hostdev = network::HostDeviceNetworkKind();
  auto apply = [&](const network::NetworkKind& kind, const std::string& name, const json& spec) {
    json cr = {{"apiVersion", "mellanox.com/v1alpha1"}, {"kind", kind.resource.kind}, {"metadata", {{"name", name}}},
               {"spec", spec}};
    return client_->Apply(kind.resource, cr, {"test", true, ""});
  };
  struct Bad {
    network::NetworkKind kind;
    std::string name;
    json spec;
    std::string reason;  // how the status reason starts
  };
  const std::vector<Bad> bad = {
      {macvlan, "nested-ipam", {{"ipam", std::string(100000, '[') + std::string(100000, ']')}},
       "spec.ipam: is nested 100000 levels deep"},
      {hostdev, "long-resource", {{"resourceName", std::string(60000, 'r')}}, "spec.resourceName: \"rrrr"},
      {hostdev, "wide-resource", {{"resourceName", std::string(2000, 'r')}}, "spec.resourceName: "},
      {hostdev, "injected-resource", {{"resourceName", "x\n  finalizers: [evil.example.com/stuck]\n/name"}},
       "spec.resourceName: "},
      {macvlan, "huge-mtu", {{"master", "eth1"}, {"mtu", 9223372036854775807LL}}, "spec.mtu: "},
  };
  for (const auto& b : bad) {
    auto applied = apply(b.kind, b.name, b.spec);
    if (!applied.ok()) {  // the schema may refuse it first: then it must say so
      EXPECT_EQ(applied.status().code(), kube::Code::kInvalid) << b.name << ": " << applied.status().ToString();
      continue;
    }
    ASSERT_TRUE(Eventually([&] { return Status(b.kind, b.name).value("state", "") == "error"; }))
        << b.name << ": " << Status(b.kind, b.name).dump() << "\n" << operator_->Output().substr(0, 3000);
    const std::string reason = Status(b.kind, b.name).value("reason", "");
    EXPECT_EQ(reason.rfind(b.reason, 0), 0u) << b.name << ": " << reason.substr(0, 300);
    EXPECT_LT(reason.size(), 1000u) << b.name << ": the status quotes the whole value";
    EXPECT_TRUE(kube::IsNotFound(Nad("default", b.name).status())) << b.name << ": nothing half-applied";
  }
  ASSERT_TRUE(operator_->Running()) << operator_->Output();
  // Names YAML would type as numbers, booleans or null: each gets its NAD, named as written.
  for (const std::string name : {"123", "1e3", "yes", "on", "null", "0x1f"}) {
    ASSERT_TRUE(apply(macvlan, name, {{"master", "eth1"}, {"ipam", R"({"type":"nv-ipam","poolName":"p"})"}}).ok()) << name;
  }
  for (const std::string name : {"123", "1e3", "yes", "on", "null", "0x1f"}) {
    ASSERT_TRUE(Eventually([&] { return Status(macvlan, name).value("state", "") == "ready"; }))
        << name << ": " << Status(macvlan, name).dump();
    auto nad = Nad("default", name);
    ASSERT_TRUE(nad.ok()) << name;
    EXPECT_EQ(nad->name(), name);
    EXPECT_TRUE(nad->Tree()["metadata"].value("finalizers", json::array()).empty());
    EXPECT_EQ(json::parse(nad->Tree()["spec"].value("config", "{}")).value("name", ""), name);
  }
  ASSERT_TRUE(operator_->Running()) << operator_->Output();
  for (const auto& b : bad) (void)client_->Delete(b.kind.resource, "", b.name);
  for (const std::string name : {"123", "1e3", "yes", "on", "null", "0x1f"}) (void)client_->Delete(macvlan.resource, "", name);
}

TEST_F(NetworkOperatorTest, DeletingANetworkGarbageCollectsItsAttachment) {
  const auto macvlan = network::MacvlanNetworkKind();
  json cr = {{"apiVersion", "mellanox.com/v1alpha1"}, {"kind", "MacvlanNetwork"}, {"metadata", {{"name", "short-lived"}}},
             {"spec", {{"networkNamespace", "default"}}}};
  ASSERT_TRUE(client_->Apply(macvlan.resource, cr, {"test", true, ""}).ok());
  ASSERT_TRUE(Eventually([&] { return Nad("default", "short-lived").ok(); }));
  ASSERT_TRUE(client_->Delete(macvlan.resource, "", "short-lived").ok());
  // kube-controller-manager's garbage collector removes the owned attachment. It watches only
  // kinds it has discovered, and rediscovers every 30 s: the NAD CRD may be newer than that.
  EXPECT_TRUE(Eventually([&] { return kube::IsNotFound(Nad("default", "short-lived").status()); }, seconds(60)));
}

}  // namespace

namespace {

TEST(NicClusterPolicyApi, SeedExamplesApplyUnchangedAndBadFieldsAreRefused) {
  auto& env = rig::RigEnvironment::Get();
  const std::string dir = std::string(ACCELOPS_SOURCE_DIR) + "/examples/network-operator/";
  ASSERT_TRUE(env.ApplyPath(std::string(ACCELOPS_SOURCE_DIR) + "/deploy/network-operator/chart/crds").ok());
  kube::Status s = env.ApplyPath(dir + "nicclusterpolicy.yaml");
  ASSERT_TRUE(s.ok()) << s.ToString();
  s = env.ApplyPath(dir + "nicclusterpolicy-nvidia-ipam.yaml");
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto client = env.NewClient();
  auto ncp_res = client->mapper().ResourceFor({"mellanox.com", "v1alpha1", "NicClusterPolicy"});
  ASSERT_TRUE(ncp_res.ok());
  auto ncp = client->Get(*ncp_res, "", "nic-cluster-policy");
  ASSERT_TRUE(ncp.ok());
  json spec = ncp->Tree()["spec"];
  EXPECT_EQ(spec["ofedDriver"]["terminationGracePeriodSeconds"], 300) << "schema defaults apply";
  EXPECT_EQ(spec["nvIpam"]["enableWebhook"], false);

  // Unknown fields and malformed values are refused by the API server, with the field named.
  kube::Request req;
  req.method = "POST";
  req.path = ncp_res->CollectionPath("") + "?fieldValidation=Strict";
  req.body = R"({"apiVersion":"mellanox.com/v1alpha1","kind":"NicClusterPolicy","metadata":{"name":"typo"},
                 "spec":{"ofedDrvier":{"image":"mofed"}}})";
  auto typo = client->rest().Do(req);
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("unknown field \"spec.ofedDrvier\""), std::string::npos)
      << typo.status().ToString();
  json bad_guid = {{"apiVersion", "mellanox.com/v1alpha1"}, {"kind", "NicClusterPolicy"}, {"metadata", {{"name", "guid"}}},
                   {"spec", {{"ibKubernetes", {{"image", "ib-kubernetes"}, {"pKeyGUIDPoolRangeStart", "not-a-guid"}}}}}};
  auto refused = client->Create(*ncp_res, bad_guid);
  ASSERT_EQ(refused.status().code(), kube::Code::kInvalid) << refused.status().ToString();
  ASSERT_FALSE(refused.status().causes().empty());
  EXPECT_EQ(refused.status().causes()[0].field, "spec.ibKubernetes.pKeyGUIDPoolRangeStart");
  EXPECT_TRUE(client->Delete(*ncp_res, "", "nic-cluster-policy").ok()) << "the suites after this one start without it";
}

}  // namespace

namespace {

// The NIC configuration and Spectrum-X kinds validate as upstream's CRDs do: their CEL rules
// compile on the API server, bad specs are refused with the rule's message, defaults apply.
TEST(NicConfigurationApi, SpecsValidateAndDefaultAsUpstreams) {
  auto& env = rig::RigEnvironment::Get();
  const std::string states = std::string(ACCELOPS_SOURCE_DIR) + "/manifests/network-operator/";
  for (const char* crds : {"state-nic-configuration-operator/0010-crds.yaml", "state-spectrum-x-operator/0010-crd.yaml"}) {
    kube::Status s = env.ApplyPath(states + crds);
    ASSERT_TRUE(s.ok()) << crds << ": " << s.ToString();
  }
  auto client = env.NewClient();
  auto create = [&](const std::string& group_version, const std::string& kind, const std::string& name,
                    const json& spec) -> kube::Result<kube::Object> {
    const auto slash = group_version.find('/');
    kube::Result<kube::Resource> res = kube::Status(kube::Code::kNotFound, kind);
    // A CRD just created is served within moments; its discovery may lag behind.
    EXPECT_TRUE(rig::Eventually([&] {
      res = client->mapper().ResourceFor({group_version.substr(0, slash), group_version.substr(slash + 1), kind});
      return res.ok();
    })) << kind << ": " << res.status().ToString();
    if (!res.ok()) return res.status();
    json object = {{"apiVersion", group_version}, {"kind", kind}, {"metadata", {{"name", name}, {"namespace", "default"}}},
                   {"spec", spec}};
    return client->Create(*res, object);
  };
  const std::string config = "configuration.net.nvidia.com/v1alpha1";
  auto good = create(config, "NicConfigurationTemplate", "cx7",
                     {{"nicSelector", {{"nicType", "1021"}}}, {"template", {{"numVfs", 8}, {"linkType", "Ethernet"}}}});
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(good->Tree()["spec"]["resetToDefault"], false) << "defaults apply";
  EXPECT_EQ(good->Tree()["spec"]["template"]["force"], false);

  struct Bad {
    std::string kind, name;
    json spec;
    std::string message;
  };
  const std::vector<Bad> bad = {
      {"NicConfigurationTemplate", "no-selector", {{"template", {{"numVfs", 1}, {"linkType", "Ethernet"}}}},
       "spec.nicSelector: Required value"},
      {"NicConfigurationTemplate", "spcx-on-cx6",
       {{"nicSelector", {{"nicType", "101d"}}},
        {"template", {{"numVfs", 1}, {"linkType", "Ethernet"}, {"spectrumXOptimized", {{"enabled", true}, {"version", "RA2.0"}}}}}},
       "spectrumXOptimized needs a ConnectX-8 (1023), ConnectX-9 (1025) or BlueField-3 SuperNIC (a2dc) nicType"},
      {"NicConfigurationTemplate", "no-link-type", {{"nicSelector", {{"nicType", "1021"}}}, {"template", {{"numVfs", 1}}}},
       "linkType is required unless networkBay is set"},
      {"NicConfigurationTemplate", "bad-pfc",
       {{"nicSelector", {{"nicType", "1021"}}},
        {"template", {{"numVfs", 1}, {"linkType", "Ethernet"},
                      {"roceOptimized", {{"enabled", true}, {"qos", {{"trust", "dscp"}, {"pfc", "0,0,0,1"}}}}}}}},
       "spec.template.roceOptimized.qos.pfc"},
      {"NicFirmwareSource", "empty", json::object(), "give at least one of binUrlSources, bfbUrlSource or docaSpcXCCUrlSource"},
      {"NicFirmwareTemplate", "no-policy",
       {{"nicSelector", {{"nicType", "1021"}}}, {"template", {{"nicFirmwareSourceRef", "fw"}}}},
       "spec.template.updatePolicy: Required value"},
      {"NicInterfaceNameTemplate", "no-prefix", {{"pfsPerNic", 1}, {"railPciAddresses", json::array()}},
       "spec.netDevicePrefix: Required value"},
  };
  for (const auto& b : bad) {
    auto refused = create(config, b.kind, b.name, b.spec);
    ASSERT_FALSE(refused.ok()) << b.name << " was accepted";
    EXPECT_EQ(refused.status().code(), kube::Code::kInvalid) << b.name << ": " << refused.status().ToString();
    EXPECT_NE(refused.status().ToString().find(b.message), std::string::npos) << b.name << ": " << refused.status().ToString();
  }

  const std::string spectrumx = "spectrumx.nvidia.com/v1alpha2";
  const json rail = {{"name", "rail-1"}, {"mtu", 9000}, {"nicSelector", {{"pfNames", {"eth0"}}}}};
  auto pool = create(spectrumx, "SpectrumXRailPoolConfig", "rails", {{"numVfs", 4}, {"railTopology", {rail}}});
  ASSERT_TRUE(pool.ok()) << pool.status().ToString();
  EXPECT_EQ(pool->Tree()["spec"]["draEnabled"], true) << "defaults apply";
  EXPECT_EQ(pool->Tree()["spec"]["vfStateFollow"], true);
  json both = rail;
  both["ipam"] = R"({"type": "nv-ipam"})";
  both["cidrPoolRef"] = "pool";
  for (const auto& [name, spec, message] : std::vector<std::tuple<std::string, json, std::string>>{
           {"both-ipams", {{"numVfs", 4}, {"railTopology", {both}}}, "give the rail either cidrPoolRef or ipam, not both"},
           {"no-vfs", {{"numVfs", 0}, {"railTopology", {rail}}}, "spec.numVfs"},
           {"no-rails", {{"numVfs", 4}, {"railTopology", json::array()}}, "spec.railTopology"}}) {
    auto refused = create(spectrumx, "SpectrumXRailPoolConfig", name, spec);
    ASSERT_FALSE(refused.ok()) << name << " was accepted";
    EXPECT_NE(refused.status().ToString().find(message), std::string::npos) << name << ": " << refused.status().ToString();
  }
}

}  // namespace
