// NicClusterPolicy on the rig with fake NIC nodes: the states implemented so
// far (Multus, CNI plugins, RDMA shared device plugin) from the seed example.

#include <signal.h>

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "child_process.h"
#include "nic_cluster_policy_reconciler.h"
#include "nic_node_policy_reconciler.h"
#include "eventually.h"
#include "fnv_hash.h"
#include "oci_registry.h"
#include "rig_environment.h"
#include "upgrade_keys.h"

namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

const std::string kNamespace = "nvidia-network-operator";
// NFD's labels of a node with a Mellanox NIC on Ubuntu 22.04.
const std::string kNicNodeLabels = "feature.node.kubernetes.io/pci-15b3.present=true,"
                                   "feature.node.kubernetes.io/system-os_release.ID=ubuntu,"
                                   "feature.node.kubernetes.io/system-os_release.VERSION_ID=22.04,"
                                   "feature.node.kubernetes.io/kernel-version.full=5.15.0-105-generic";

using rig::Eventually;

// A NicNodePolicy's DaemonSet name, as upstream spells it: the base and the policy name's safe-encoded hash.
std::string Hashed(const std::string& base, const std::string& policy) {
  return base + "-" + operators::Fnv32SafeEncoded(policy);
}

class NicClusterPolicyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto& env = rig::RigEnvironment::Get();
    ASSERT_TRUE(env.ApplyPath(std::string(ACCELOPS_SOURCE_DIR) + "/deploy/network-operator/chart/crds").ok());
    auto client = env.NewClient();
    (void)client->Create(kube::resources::Namespaces(),
                         {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", kNamespace}}}});
    ASSERT_EQ(env.RigCommand("nodes 3 --prefix ncp-nic --labels "
                             "feature.node.kubernetes.io/pci-15b3.present=true,network.nvidia.com/operator.mofed.wait=false,"
                             "feature.node.kubernetes.io/system-os_release.ID=ubuntu,"
                             "feature.node.kubernetes.io/system-os_release.VERSION_ID=22.04,"
                             "feature.node.kubernetes.io/kernel-version.full=5.15.0-105-generic"),
              0);
    StartOperator();
  }
  static void TearDownTestSuite() { StopOperator(); }
  static void StartOperator() {
    operator_ = std::make_unique<rig::ChildProcess>(
        NETWORK_OPERATOR_BIN,
        std::vector<std::string>{"--kubeconfig", rig::RigEnvironment::Get().kubeconfig(), "--metrics-bind-address",
                                 "0", "--health-probe-bind-address", "0", "--operand-namespace", kNamespace},
        rig::NoRegistryAccess());
    ASSERT_TRUE(operator_->WaitForOutput("starting workers", seconds(30))) << operator_->Output();
  }
  static void StopOperator() {
    if (!operator_) return;
    EXPECT_EQ(operator_->Terminate(seconds(30)), 0) << operator_->Output();
    operator_.reset();
  }
  void SetUp() override { client_ = rig::RigEnvironment::Get().NewClient(); }

  json Policy(const std::string& name = "nic-cluster-policy") {
    auto p = client_->Get(network::NicClusterPolicies(), "", name);
    return p.ok() ? p->Tree() : json::object();
  }
  std::string State(const std::string& name = "nic-cluster-policy") {
    return Policy(name).value("status", json::object()).value("state", "");
  }
  // Ready, with a status that describes the current spec.
  bool Settled() {
    json p = Policy();
    json status = p.value("status", json::object());
    return status.value("state", "") == "ready" &&
           status.value("observedGeneration", -1) == p["metadata"].value("generation", -2);
  }
  // What a failed wait prints: the policy's status, its DaemonSets and the pods that are not running.
  std::string Diagnose() {
    std::string out = "status: " + Policy().value("status", json::object()).dump() + "\n";
    auto sets = client_->ListAll(kube::resources::DaemonSets(), kNamespace, {});
    if (sets.ok()) {
      for (const auto& d : sets->items) out += "daemonset " + d.name() + ": " + d.Tree().value("status", json::object()).dump() + "\n";
    }
    auto pods = client_->ListAll(kube::resources::Pods(), kNamespace, {});
    if (pods.ok()) {
      for (const auto& p : pods->items) {
        json t = p.Tree();
        const std::string phase = t.value("status", json::object()).value("phase", "");
        if (phase != "Running" || p.meta().deleting) {
          out += "pod " + p.name() + " on " + t["spec"].value("nodeName", "") + ": " + phase +
                 (p.meta().deleting ? " (deleting)" : "") + "\n";
        }
      }
    }
    const std::string log = operator_->Output();
    return out + "operator log tail:\n" + log.substr(log.size() > 4000 ? log.size() - 4000 : 0);
  }
  std::string StateOf(const std::string& state) {
    for (const auto& s : Policy().value("status", json::object()).value("appliedStates", json::array())) {
      if (s.value("name", "") == state) return s.value("state", "");
    }
    return "";
  }
  kube::Result<kube::Object> DaemonSet(const std::string& name) {
    return client_->Get(kube::resources::DaemonSets(), kNamespace, name);
  }
  void ApplySeed() {
    kube::Status s = rig::RigEnvironment::Get().ApplyPath(std::string(ACCELOPS_SOURCE_DIR) +
                                                          "/examples/network-operator/nicclusterpolicy.yaml");
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  // Merge-patches the policy's spec.
  void PatchSpec(const json& patch) {
    auto r = client_->Patch(network::NicClusterPolicies(), "", "nic-cluster-policy", kube::PatchType::kMerge,
                            json({{"spec", patch}}).dump());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  // resourceVersions of everything the policy owns, and of the policy.
  std::map<std::string, std::string> Versions() {
    std::map<std::string, std::string> out;
    for (const auto& res : network::StateResources()) {
      auto list = client_->ListAll(res, "", {.label_selector = "nvidia.network-operator.state"});
      if (list.ok()) for (const auto& o : list->items) out[res.kind + "/" + o.Key()] = o.resource_version();
    }
    out["policy"] = client_->Get(network::NicClusterPolicies(), "", "nic-cluster-policy")->resource_version();
    return out;
  }

  static std::unique_ptr<rig::ChildProcess> operator_;
  void ApplyNodePolicy(const std::string& name, const json& spec) {
    json nnp = {{"apiVersion", "mellanox.com/v1alpha1"}, {"kind", "NicNodePolicy"}, {"metadata", {{"name", name}}},
                {"spec", spec}};
    auto r = client_->Apply(network::NicNodePolicies(), nnp, {"test", true, ""});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  json NodePolicyStatus(const std::string& name) {
    auto p = client_->Get(network::NicNodePolicies(), "", name);
    return p.ok() ? p->Tree().value("status", json::object()) : json::object();
  }

  std::shared_ptr<kube::Client> client_;
};

std::unique_ptr<rig::ChildProcess> NicClusterPolicyTest::operator_;

TEST_F(NicClusterPolicyTest, TheSeedPolicyBecomesReadyWithItsObjects) {
  ApplySeed();
  // One read of the policy holds both the ready state and the Ready condition (nodes labelled by
  // the suites before this one may still make a DaemonSet roll between two reads).
  json status;
  bool ready_condition = false;
  ASSERT_TRUE(Eventually([&] {
    const json p = Policy();
    status = p.value("status", json::object());
    ready_condition = false;
    for (const auto& c : status.value("conditions", json::array())) {
      if (c["type"] == "Ready") ready_condition = c["status"] == "True" && c["reason"] == "AllComponentsReady";
    }
    return status.value("state", "") == "ready" &&
           status.value("observedGeneration", -1) == p["metadata"].value("generation", -2);
  })) << Diagnose();
  EXPECT_TRUE(ready_condition) << status.dump();

  auto multus = DaemonSet("kube-multus-ds");
  ASSERT_TRUE(multus.ok());
  json ds = multus->Tree();
  EXPECT_EQ(ds["metadata"]["labels"]["nvidia.network-operator.state"], "state-multus-cni");
  EXPECT_EQ(multus->meta().ControllerOwner()->kind, "NicClusterPolicy");
  json pod = ds["spec"]["template"]["spec"];
  EXPECT_EQ(pod["containers"][0]["image"], "ghcr.io/k8snetworkplumbingwg/multus-cni:v3.9.3");
  EXPECT_EQ(pod["priorityClassName"], "system-node-critical");
  EXPECT_EQ(pod["tolerations"].back(), json({{"key", "nvidia.com/gpu"}, {"operator", "Exists"}, {"effect", "NoSchedule"}}));
  EXPECT_EQ(ds["status"]["numberReady"], ds["status"]["desiredNumberScheduled"]);

  // Only the NIC nodes (the DaemonSet controller may not have seen the nodes created just before
  // the suite yet: its count catches up).
  int desired = -1;
  EXPECT_TRUE(Eventually([&] {
    auto rdma = DaemonSet("rdma-shared-dp-ds");
    desired = rdma.ok() ? rdma->Tree()["status"].value("desiredNumberScheduled", -1) : -1;
    return desired == 3;
  })) << "rdma-shared-dp-ds is scheduled on " << desired << " nodes";
  auto cm = client_->Get(kube::resources::ConfigMaps(), kNamespace, "rdma-devices");
  ASSERT_TRUE(cm.ok());
  json config = json::parse(cm->Tree()["data"]["config.json"].get<std::string>());
  EXPECT_EQ(config["configList"][0]["resourceName"], "rdma_shared_device_a");
  EXPECT_TRUE(DaemonSet("cni-plugins-ds").ok());
  // The seed's secondaryNetwork.ipamPlugin (Whereabouts, which upstream later dropped) is kept.
  EXPECT_TRUE(DaemonSet("whereabouts").ok());
  EXPECT_TRUE(client_->Get(kube::resources::CustomResourceDefinitions(), "", "ippools.whereabouts.cni.cncf.io").ok());
  EXPECT_EQ(StateOf("state-whereabouts-cni"), "ready");
  EXPECT_EQ(StateOf("state-SRIOV-device-plugin"), "ignore") << "not configured";
}

TEST_F(NicClusterPolicyTest, AtRestAndAfterARestartNothingIsWritten) {
  ApplySeed();
  ASSERT_TRUE(Eventually([&] { return Settled(); })) << Diagnose();
  std::this_thread::sleep_for(seconds(2));
  auto before = Versions();
  std::this_thread::sleep_for(seconds(3));
  EXPECT_EQ(Versions(), before) << "writes at rest";
  StopOperator();
  StartOperator();  // adopts what exists
  std::this_thread::sleep_for(seconds(3));
  EXPECT_EQ(Versions(), before) << "writes after a restart";
}

TEST_F(NicClusterPolicyTest, AConfigEditRollsTheConfigHash) {
  ApplySeed();
  ASSERT_TRUE(Eventually([&] { return Settled(); })) << Diagnose();
  auto hash = [&] {
    auto ds = DaemonSet("rdma-shared-dp-ds");
    return ds.ok() ? ds->Tree()["spec"]["template"]["metadata"]["annotations"]
                         .value("nvidia.network-operator.config-hash", "")
                   : "";
  };
  const std::string before = hash();
  ASSERT_FALSE(before.empty());
  PatchSpec({{"rdmaSharedDevicePlugin",
              {{"config", R"({"configList":[{"resourceName":"rdma_b","rdmaHcaMax":10,"selectors":{"vendors":["15b3"]}}]})"}}}});
  ASSERT_TRUE(Eventually([&] { return hash() != before; }));
  auto cm = client_->Get(kube::resources::ConfigMaps(), kNamespace, "rdma-devices");
  EXPECT_NE(cm->Tree()["data"]["config.json"].get<std::string>().find("rdma_b"), std::string::npos);
  EXPECT_TRUE(Eventually([&] { return Settled(); })) << Diagnose();
}

TEST_F(NicClusterPolicyTest, BadConfigFailsItsStateOnlyAndAppliesNothingOfIt) {
  ApplySeed();
  ASSERT_TRUE(Eventually([&] { return Settled(); })) << Diagnose();
  const std::string rdma_rv = DaemonSet("rdma-shared-dp-ds")->resource_version();
  PatchSpec({{"rdmaSharedDevicePlugin", {{"config", R"({"configList":[{"rdmaHcaMax":10}]})"}}}});
  ASSERT_TRUE(Eventually([&] { return StateOf("state-RDMA-device-plugin") == "error"; }));
  json status = Policy()["status"];
  EXPECT_EQ(status["state"], "error");
  for (const auto& s : status["appliedStates"]) {
    if (s["name"] == "state-RDMA-device-plugin") {
      EXPECT_EQ(s["message"], "spec.rdmaSharedDevicePlugin.config.configList[0].resourceName: is required and "
                              "must match [A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]");
    } else {
      EXPECT_TRUE(s["state"] == "ready" || s["state"] == "ignore") << "the other states keep reconciling: " << s.dump();
    }
  }
  EXPECT_EQ(DaemonSet("rdma-shared-dp-ds")->resource_version(), rdma_rv) << "nothing half-applied";
  PatchSpec({{"secondaryNetwork", {{"multus", {{"containerResources", {{{"name", "no-such-container"}}}}}}}}});
  ASSERT_TRUE(Eventually([&] { return StateOf("state-multus-cni") == "error"; }));
  auto events = client_->ListAll(kube::resources::Events(), "default",
                                 {.field_selector = "involvedObject.name=nic-cluster-policy"});
  bool warned = false;
  if (events.ok()) {
    for (const auto& e : events->items) warned = warned || e.Tree()["reason"] == "StateError";
  }
  EXPECT_TRUE(warned);
  // Put it back.
  ApplySeed();
  PatchSpec({{"secondaryNetwork", {{"multus", {{"containerResources", nullptr}}}}}});
  EXPECT_TRUE(Eventually([&] { return Settled(); })) << Diagnose();
}

TEST_F(NicClusterPolicyTest, RemovingASectionRemovesItsObjects) {
  ApplySeed();
  ASSERT_TRUE(Eventually([&] { return Settled(); })) << Diagnose();
  PatchSpec({{"secondaryNetwork", {{"multus", nullptr}}}});
  ASSERT_TRUE(Eventually([&] { return kube::IsNotFound(DaemonSet("kube-multus-ds").status()); }));
  EXPECT_TRUE(Eventually([&] {
    return kube::IsNotFound(client_->Get(kube::resources::ServiceAccounts(), kNamespace, "multus").status()) &&
           kube::IsNotFound(client_->Get(kube::resources::ClusterRoles(), "", "multus").status());
  }));
  ASSERT_TRUE(Eventually([&] { return StateOf("state-multus-cni") == "ignore" && State() == "ready"; }));
  const json conditions = Policy()["status"]["conditions"];
  for (const auto& c : conditions) EXPECT_NE(c["type"], "MultusCNIReady");
  ApplySeed();
  EXPECT_TRUE(Eventually([&] { return DaemonSet("kube-multus-ds").ok(); }));
}

TEST_F(NicClusterPolicyTest, AnotherNameIsIgnoredWithAReason) {
  json other = {{"apiVersion", "mellanox.com/v1alpha1"}, {"kind", "NicClusterPolicy"},
                {"metadata", {{"name", "second-policy"}}}, {"spec", json::object()}};
  ASSERT_TRUE(client_->Apply(network::NicClusterPolicies(), other, {"test", true, ""}).ok());
  ASSERT_TRUE(Eventually([&] { return State("second-policy") == "ignore"; }));
  EXPECT_EQ(Policy("second-policy")["status"]["reason"],
            "Unsupported NicClusterPolicy instance second-policy. Only instance with name nic-cluster-policy is supported");
  ASSERT_TRUE(client_->Delete(network::NicClusterPolicies(), "", "second-policy").ok());
}

TEST_F(NicClusterPolicyTest, OfedRunsOneDriverDaemonSetPerPoolAndFollowsKernelChanges) {
  ApplySeed();
  ASSERT_TRUE(Eventually([&] { return Settled(); })) << Diagnose();
  ASSERT_EQ(rig::RigEnvironment::Get().RigCommand(
                "nodes 2 --prefix ncp-k68 --labels feature.node.kubernetes.io/pci-15b3.present=true,"
                "network.nvidia.com/operator.mofed.wait=false,feature.node.kubernetes.io/system-os_release.ID=ubuntu,"
                "feature.node.kubernetes.io/system-os_release.VERSION_ID=22.04,"
                "feature.node.kubernetes.io/kernel-version.full=6.8.0-40-generic"),
            0);
  // Desired pods per driver DaemonSet, by kernel.
  auto pools = [&] {
    std::map<std::string, int64_t> out;
    auto list = client_->ListAll(kube::resources::DaemonSets(), kNamespace, {.label_selector = "nvidia.com/ofed-driver"});
    if (!list.ok()) return out;
    for (const auto& ds : list->items) {
      json t = ds.Tree();
      EXPECT_EQ(t["spec"]["updateStrategy"]["type"], "OnDelete");
      out[t["spec"]["template"]["spec"]["nodeSelector"]["feature.node.kubernetes.io/kernel-version.full"]] =
          t["status"].value("desiredNumberScheduled", -1);
    }
    return out;
  };
  using Pools = std::map<std::string, int64_t>;
  ASSERT_TRUE(Eventually([&] { return pools() == Pools{{"5.15.0-105-generic", 3}, {"6.8.0-40-generic", 2}}; }))
      << json(pools()).dump();
  ASSERT_TRUE(Eventually([&] { return Settled(); })) << Diagnose();

  auto relabel = [&](const std::string& node) {
    auto r = client_->Patch(kube::resources::Nodes(), "", node, kube::PatchType::kMerge,
                            R"({"metadata":{"labels":{"feature.node.kubernetes.io/kernel-version.full":"5.15.0-105-generic"}}})");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  };
  relabel("ncp-k68-0");
  ASSERT_TRUE(Eventually([&] { return pools() == Pools{{"5.15.0-105-generic", 4}, {"6.8.0-40-generic", 1}}; }))
      << json(pools()).dump();
  relabel("ncp-k68-1");
  ASSERT_TRUE(Eventually([&] { return pools() == Pools{{"5.15.0-105-generic", 5}}; }))
      << "the emptied pool's DaemonSet is removed: " << json(pools()).dump();
  EXPECT_TRUE(Eventually([&] { return Settled(); })) << Diagnose();
}

// Precompiled driver images as upstream chooses them, asked of a real registry with the policy's
// pull secret: the precompiled tag when the registry has it; forcePrecompiled without it an error
// naming the tag that leaves the running DaemonSet alone; a registry that cannot be asked holds a
// forced pool back and says why.
TEST_F(NicClusterPolicyTest, OfedUsesThePrecompiledImageTheRegistryHas) {
  rig::OciRegistry registry;
  ASSERT_TRUE(registry.ready()) << registry.Output();
  const std::string version = "25.04-0.6.1.0-2";
  const std::string kernel = "5.15.0-105-generic";
  ASSERT_TRUE(registry.Push("mellanox/doca-driver", {version + "-ubuntu22.04-amd64", version + "-" + kernel + "-ubuntu22.04-amd64",
                                                     version + "-6.8.0-40-generic-ubuntu22.04-amd64"}));
  (void)client_->Delete(kube::resources::Secrets(), kNamespace, "registry-pull");
  ASSERT_TRUE(Eventually([&] { return kube::IsNotFound(client_->Get(kube::resources::Secrets(), kNamespace, "registry-pull").status()); }));
  auto secret = client_->Create(kube::resources::Secrets(), registry.PullSecret(kNamespace, "registry-pull"));
  ASSERT_TRUE(secret.ok()) << secret.status().ToString();

  ApplySeed();
  ASSERT_TRUE(Eventually([&] { return Settled(); })) << Diagnose();
  // The driver DaemonSet of the seed nodes' kernel.
  auto driver = [&]() -> kube::Result<kube::Object> {
    auto list = client_->ListAll(kube::resources::DaemonSets(), kNamespace, {.label_selector = "nvidia.com/ofed-driver"});
    if (!list.ok()) return list.status();
    for (const auto& ds : list->items) {
      if (ds.Tree()["spec"]["template"]["spec"]["nodeSelector"].value("feature.node.kubernetes.io/kernel-version.full", "") ==
          kernel) {
        return ds;
      }
    }
    return kube::Status(kube::Code::kNotFound, "no driver DaemonSet for " + kernel);
  };
  auto image = [&] {
    auto ds = driver();
    return ds.ok() ? ds->Tree()["spec"]["template"]["spec"]["containers"][0].value("image", "") : "";
  };
  const std::string repository = registry.host() + "/mellanox/doca-driver";
  PatchSpec({{"ofedDriver", {{"repository", registry.host() + "/mellanox"}, {"image", "doca-driver"}, {"version", version},
                             {"imagePullSecrets", {"registry-pull"}}}}});
  ASSERT_TRUE(Eventually([&] { return image() == repository + ":" + version + "-" + kernel + "-ubuntu22.04-amd64"; }))
      << image() << "\n" << Diagnose();
  // The driver DaemonSets update OnDelete (the upgrade flow replaces their pods): do it by hand.
  auto replace_driver_pods = [&] {
    auto pods = client_->ListAll(kube::resources::Pods(), kNamespace, {.label_selector = "nvidia.com/ofed-driver"});
    ASSERT_TRUE(pods.ok());
    for (const auto& pod : pods->items) (void)client_->Delete(kube::resources::Pods(), kNamespace, pod.name());
  };
  replace_driver_pods();
  ASSERT_TRUE(Eventually([&] { return Settled(); })) << Diagnose();

  // Forced, for a version the registry has no precompiled image of: an error naming it; nothing applied.
  // Its spec: the generation (the status moves on its own while the replaced pods settle).
  auto generation = [&] { return driver()->Tree()["metadata"].value("generation", int64_t{-1}); };
  const int64_t applied = generation();
  PatchSpec({{"ofedDriver", {{"version", "25.04-0.6.1.0-3"}, {"forcePrecompiled", true}}}});
  ASSERT_TRUE(Eventually([&] { return StateOf("state-OFED") == "error"; })) << Diagnose();
  // The OFED state's message (the policy is held while its states are read).
  auto ofed_message = [&] {
    const json policy = Policy();
    for (const auto& st : policy["status"]["appliedStates"]) {
      if (st["name"] == "state-OFED") return st.value("message", "");
    }
    return std::string();
  };
  std::string message = ofed_message();
  const std::string named = "spec.ofedDriver.forcePrecompiled: the registry has no precompiled driver image \"" +
                            repository + ":25.04-0.6.1.0-3-" + kernel + "-ubuntu22.04-amd64\" for kernel " + kernel +
                            " (nodes ";
  EXPECT_EQ(message.rfind(named, 0), 0u) << message;
  EXPECT_EQ(generation(), applied) << "nothing half-applied";

  // Without the pull secret the registry cannot be asked: the forced pool waits, saying why.
  const std::string running = image();
  PatchSpec({{"ofedDriver", {{"version", version}, {"imagePullSecrets", nullptr}}}});
  ASSERT_TRUE(Eventually([&] {
    message = ofed_message();
    return StateOf("state-OFED") == "notReady" && message.find("asks for credentials") != std::string::npos;
  })) << message << "\n" << Diagnose();
  EXPECT_EQ(image(), running) << "the running image stays while the answer is unknown";

  // Back to the seed's driver.
  PatchSpec({{"ofedDriver", {{"repository", "nvcr.io/nvidia/mellanox"}, {"image", "mofed"}, {"version", "23.04-0.5.3.3.1"},
                             {"forcePrecompiled", nullptr}}}});
  ASSERT_TRUE(Eventually([&] { return image().rfind("nvcr.io/nvidia/mellanox/mofed:", 0) == 0; })) << Diagnose();
  replace_driver_pods();
  EXPECT_TRUE(Eventually([&] { return Settled(); })) << Diagnose();
  (void)client_->Delete(kube::resources::Secrets(), kNamespace, "registry-pull");
}

TEST_F(NicClusterPolicyTest, TheDriverWaitLabelFollowsTheDriverPods) {
  ApplySeed();
  ASSERT_TRUE(Eventually([&] { return Settled(); })) << Diagnose();
  auto& env = rig::RigEnvironment::Get();
  ASSERT_EQ(env.RigCommand("nodes 1 --prefix slow-ncp-fresh --labels " + kNicNodeLabels), 0);
  ASSERT_EQ(env.RigCommand("nodes 1 --prefix ncp-cpu --labels network.nvidia.com/operator.mofed.wait=true"), 0);
  auto label = [&](const std::string& node) -> std::string {
    auto n = client_->Get(kube::resources::Nodes(), "", node);
    if (!n.ok()) return "<no node>";
    auto labels = n->Labels();
    auto it = labels.find("network.nvidia.com/operator.mofed.wait");
    return it == labels.end() ? "<none>" : it->second;
  };
  // Held back until its driver pod is ready (the rig starts pods on slow-* nodes after 5 s), then released.
  ASSERT_TRUE(operator_->WaitForOutput(
      R"("node":"slow-ncp-fresh-0","label":"network.nvidia.com/operator.mofed.wait","value":"true")", seconds(30)))
      << operator_->Output();
  ASSERT_TRUE(Eventually([&] { return label("slow-ncp-fresh-0") == "false"; }));
  EXPECT_TRUE(Eventually([&] { return label("ncp-cpu-0") == "<none>"; })) << "not a NIC node";
  // The device plugin, which waits for the label, now runs there too.
  EXPECT_TRUE(Eventually([&] {
    auto pods = client_->ListAll(kube::resources::Pods(), kNamespace,
                                 {.label_selector = "app=rdma-shared-dp", .field_selector = "spec.nodeName=slow-ncp-fresh-0"});
    return pods.ok() && pods->items.size() == 1;
  }));
  EXPECT_TRUE(Eventually([&] { return Settled(); })) << Diagnose();
}

TEST_F(NicClusterPolicyTest, TheNvIpamSeedAndTheDeploymentStatesBecomeReady) {
  ASSERT_TRUE(rig::RigEnvironment::Get()
                  .ApplyPath(std::string(ACCELOPS_SOURCE_DIR) + "/examples/network-operator/nicclusterpolicy-nvidia-ipam.yaml")
                  .ok());
  ASSERT_TRUE(Eventually([&] { return Settled() && StateOf("state-nv-ipam-cni") == "ready"; })) << Diagnose();
  auto controller = client_->Get(kube::resources::Deployments(), kNamespace, "nv-ipam-controller");
  ASSERT_TRUE(controller.ok());
  EXPECT_EQ(controller->Tree()["status"].value("availableReplicas", 0), 2) << "judged by its available replicas";
  EXPECT_TRUE(DaemonSet("nv-ipam-node").ok());
  auto crd = client_->Get(kube::resources::CustomResourceDefinitions(), "", "ippools.nv-ipam.nvidia.com");
  ASSERT_TRUE(crd.ok()) << "the state installs the pool CRDs";
  ASSERT_NE(crd->meta().ControllerOwner(), nullptr);
  EXPECT_EQ(crd->meta().ControllerOwner()->name, "nic-cluster-policy");

  // ib-kubernetes: a bad GUID range fails that state alone and creates nothing of it.
  json ib = {{"image", "ib-kubernetes"}, {"repository", "ghcr.io/mellanox"}, {"version", "v1.0.2"},
             {"pKeyGUIDPoolRangeStart", "02:00:00:00:00:00:00:FF"}, {"pKeyGUIDPoolRangeEnd", "02:00:00:00:00:00:00:00"},
             {"ufmSecret", "ufm-secret"}};
  PatchSpec({{"ibKubernetes", ib}});
  ASSERT_TRUE(Eventually([&] { return StateOf("state-ib-kubernetes") == "error"; })) << Diagnose();
  EXPECT_NE(Policy()["status"].dump().find("spec.ibKubernetes.pKeyGUIDPoolRangeStart: must not be above"), std::string::npos);
  EXPECT_TRUE(kube::IsNotFound(client_->Get(kube::resources::Deployments(), kNamespace, "ib-kubernetes").status()));
  EXPECT_EQ(StateOf("state-nv-ipam-cni"), "ready") << "the other states keep reconciling";
  ib["pKeyGUIDPoolRangeEnd"] = "02:00:00:00:00:00:FF:FF";
  PatchSpec({{"ibKubernetes", ib}});
  // DOCA telemetry: its DaemonSet and its default ConfigMap.
  PatchSpec({{"docaTelemetryService", {{"image", "doca_telemetry"}, {"repository", "nvcr.io/nvidia/doca"}, {"version", "1.16.5"}}}});
  ASSERT_TRUE(Eventually([&] {
    return Settled() && StateOf("state-ib-kubernetes") == "ready" && StateOf("state-doca-telemetry-service") == "ready";
  })) << Diagnose();
  EXPECT_TRUE(client_->Get(kube::resources::Deployments(), kNamespace, "ib-kubernetes").ok());
  EXPECT_TRUE(DaemonSet("doca-telemetry-service").ok());
  EXPECT_TRUE(client_->Get(kube::resources::ConfigMaps(), kNamespace, "doca-telemetry-service").ok());
  json conditions = Policy()["status"]["conditions"];
  std::set<std::string> types;
  for (const auto& c : conditions) types.insert(c.value("type", ""));
  for (const char* t : {"NVIPAMReady", "IBKubernetesReady", "DOCATelemetryServiceReady", "Ready"}) {
    EXPECT_TRUE(types.count(t)) << t << " in " << conditions.dump();
  }
  PatchSpec({{"ibKubernetes", nullptr}, {"docaTelemetryService", nullptr}});
}

// One object the operator cannot walk must not stop its cache: a policy nested deeper than it
// takes is refused with a status and an Event, what runs keeps running, a restart still starts
// the workers, and removing the field reconciles it again.
TEST_F(NicClusterPolicyTest, APolicyNestedTooDeepIsRefusedAndTheOperatorKeepsReconciling) {
  ApplySeed();
  ASSERT_TRUE(Eventually([&] { return Settled(); })) << Diagnose();
  // A fresh process: the Events of the suites before have used up the policy's spam-filter
  // budget (25 per object, as client-go) in the running one.
  StopOperator();
  StartOperator();
  ASSERT_TRUE(Eventually([&] { return Settled(); })) << Diagnose();
  auto operands = Versions();
  operands.erase("policy");
  std::string nested = "1";
  for (int i = 0; i < 1100; ++i) nested = "{\"a\":" + nested + "}";
  auto patched = client_->Patch(network::NicClusterPolicies(), "", "nic-cluster-policy", kube::PatchType::kMerge,
                                "{\"spec\":{\"nodeAffinity\":" + nested + "}}");
  ASSERT_TRUE(patched.ok()) << patched.status().ToString();
  auto status = [&] {
    auto p = client_->Get(network::NicClusterPolicies(), "", "nic-cluster-policy");
    return p.ok() ? p->StatusTree() : json::object();
  };
  ASSERT_TRUE(Eventually([&] {
    return status().value("state", "") == "error" &&
           status().value("reason", "").find("levels deep; at most 512 are taken") != std::string::npos;
  })) << status().dump() << "\n" << operator_->Output().substr(0, 4000);
  ASSERT_TRUE(Eventually([&] {
    auto events = client_->ListAll(kube::resources::Events(), "default",
                                   {.field_selector = "involvedObject.name=nic-cluster-policy"});
    if (!events.ok()) return false;
    for (const auto& e : events->items) {
      const json t = e.Tree();
      if (t.value("reason", "") == "StateError" && t.value("message", "").find("levels deep") != std::string::npos) {
        return true;
      }
    }
    return false;
  })) << "no Warning Event names the refused spec";
  auto now = Versions();
  now.erase("policy");
  EXPECT_EQ(now, operands) << "a refused spec changes nothing that runs";
  // A restart lists the policy again: the cache syncs and the workers start.
  StopOperator();
  StartOperator();
  ASSERT_TRUE(Eventually([&] { return status().value("state", "") == "error"; }));
  PatchSpec({{"nodeAffinity", nullptr}});
  EXPECT_TRUE(Eventually([&] { return Settled(); })) << Diagnose();
}

// A new OFED version with autoUpgrade: the engine cordons, drains and restarts node by node,
// never more than maxUnavailable (an OFED field upstream lacks) at once; a node whose new driver
// pod is slow to be Ready holds its workloads back with the wait label until it is; the status
// counts it all. Turning autoUpgrade off takes the state labels away.
TEST_F(NicClusterPolicyTest, ANewOfedVersionUpgradesNodeByNodeWithinMaxUnavailable) {
  ApplySeed();
  auto& env = rig::RigEnvironment::Get();
  ASSERT_EQ(env.RigCommand("nodes 1 --prefix slow-ncp-up --labels " + kNicNodeLabels), 0);
  ASSERT_TRUE(Eventually([&] { return Settled(); })) << Diagnose();
  const std::string state_label = upgrade::KeysForDriver("ofed").state_label;
  struct Fleet {
    int nodes = 0, busy = 0, done = 0, labelled = 0;
    std::string seen;
    std::map<std::string, std::string> wait;  // node -> mofed.wait
    std::map<std::string, std::string> state;
  };
  auto fleet = [&] {
    Fleet f;
    auto nodes = client_->ListAll(kube::resources::Nodes(), "",
                                  {.label_selector = "feature.node.kubernetes.io/pci-15b3.present=true"});
    if (!nodes.ok()) return f;
    for (const auto& n : nodes->items) {
      const json t = n.Tree();
      const json labels = t["metadata"].value("labels", json::object());
      const std::string state = labels.value(state_label, "");
      const bool cordoned = t["spec"].value("unschedulable", false);
      ++f.nodes;
      f.seen += n.name() + "=" + state + (cordoned ? "(cordoned) " : " ");
      if (cordoned || (!state.empty() && state != "upgrade-done" && state != "upgrade-required")) ++f.busy;
      if (state == "upgrade-done" && !cordoned) ++f.done;
      if (!state.empty()) ++f.labelled;
      f.wait[n.name()] = labels.value("network.nvidia.com/operator.mofed.wait", "");
      f.state[n.name()] = state;
    }
    return f;
  };
  auto summary = [&] {
    return Policy().value("status", json::object()).value("upgrade", json::object()).value("summary", "");
  };
  PatchSpec({{"ofedDriver", {{"upgradePolicy", {{"autoUpgrade", true}, {"maxParallelUpgrades", 0},
                                                 {"maxUnavailable", 1}, {"drain", {{"enable", true}}}}}}}});
  Fleet f;
  ASSERT_TRUE(Eventually([&] { f = fleet(); return f.nodes > 0 && f.done == f.nodes; })) << f.seen;
  const int total = f.nodes;
  const std::string all_done = std::to_string(total) + "/" + std::to_string(total) + " upgraded";
  ASSERT_TRUE(Eventually([&] { return summary() == all_done; })) << summary() << "\n" << Diagnose();

  PatchSpec({{"ofedDriver", {{"version", "23.04-0.5.3.3.2"}}}});
  int most = 0;
  bool slow_waited = false;  // the slow node's workloads held back while its new driver pod started
  auto renewed = [&] {
    auto pods = client_->ListAll(kube::resources::Pods(), kNamespace, {.label_selector = "nvidia.com/ofed-driver"});
    if (!pods.ok() || static_cast<int>(pods->items.size()) != total) return false;
    for (const auto& p : pods->items) {
      if (p.meta().deleting ||
          p.Tree()["spec"]["containers"][0].value("image", "").find("23.04-0.5.3.3.2") == std::string::npos) {
        return false;
      }
    }
    return true;
  };
  EXPECT_TRUE(Eventually([&] {
    f = fleet();
    most = std::max(most, f.busy);
    if (f.state["slow-ncp-up-0"] == "pod-restart-required" && f.wait["slow-ncp-up-0"] == "true") slow_waited = true;
    return f.done == total && renewed() && Settled();
  })) << f.seen << "\n" << Diagnose();
  EXPECT_LE(most, 1) << "more nodes down at once than maxUnavailable allows";
  EXPECT_GE(most, 1) << "no node was seen upgrading";
  EXPECT_TRUE(slow_waited) << "the wait label did not hold the slow node back during its driver restart";
  EXPECT_TRUE(Eventually([&] { return fleet().wait["slow-ncp-up-0"] == "false"; }));
  EXPECT_TRUE(Eventually([&] { return summary() == all_done; })) << summary();

  // autoUpgrade off: the labels go, and so does the status's upgrade part.
  PatchSpec({{"ofedDriver", {{"upgradePolicy", nullptr}}}});
  EXPECT_TRUE(Eventually([&] { f = fleet(); return f.labelled == 0; })) << f.seen;
  EXPECT_TRUE(Eventually([&] { return !Policy()["status"].contains("upgrade"); })) << Diagnose();

  // The seed's version again for the tests after this one; without autoUpgrade, pods are replaced by hand.
  PatchSpec({{"ofedDriver", {{"version", "23.04-0.5.3.3.1"}}}});
  ASSERT_TRUE(Eventually([&] {
    auto sets = client_->ListAll(kube::resources::DaemonSets(), kNamespace, {.label_selector = "nvidia.com/ofed-driver"});
    if (!sets.ok() || sets->items.empty()) return false;
    for (const auto& d : sets->items) {
      if (d.Tree()["spec"]["template"]["spec"]["containers"][0].value("image", "").find("23.04-0.5.3.3.1") ==
          std::string::npos) {
        return false;
      }
    }
    return true;
  }));
  ASSERT_EQ(env.RigCommand("kubectl delete pods -n " + kNamespace + " -l nvidia.com/ofed-driver --wait=false"), 0);
  EXPECT_TRUE(Eventually([&] { return Settled(); })) << Diagnose();
}

TEST_F(NicClusterPolicyTest, DeletingThePolicyGarbageCollectsEverything) {
  ApplySeed();
  ASSERT_TRUE(Eventually([&] { return Settled(); })) << Diagnose();
  ASSERT_TRUE(client_->Delete(network::NicClusterPolicies(), "", "nic-cluster-policy").ok());
  std::string left;  // what the garbage collector has not removed yet, for a failed wait
  EXPECT_TRUE(Eventually([&] {
    left.clear();
    for (const auto& res : network::StateResources()) {
      auto list = client_->ListAll(res, "", {.label_selector = "nvidia.network-operator.state"});
      if (!list.ok()) left += res.kind + ": " + list.status().ToString() + "\n";
      else for (const auto& o : list->items) left += res.kind + " " + o.Key() + (o.meta().deleting ? " (deleting)" : "") + "\n";
    }
    return left.empty();
  }, seconds(300))) << "still there after the policy was deleted:\n" << left;
}


// Runs after the cluster policy is gone (the previous test), so only node policies configure components.
TEST_F(NicClusterPolicyTest, NodePoliciesRunTheirComponentsOnTheirNodesAndConflictsApplyNothing) {
  auto& env = rig::RigEnvironment::Get();
  ASSERT_EQ(env.RigCommand("nodes 2 --prefix nnp-a --labels nnp-group=a," + kNicNodeLabels), 0);
  ASSERT_EQ(env.RigCommand("nodes 1 --prefix nnp-b --labels nnp-group=b," + kNicNodeLabels), 0);
  const json rdma = {{"image", "k8s-rdma-shared-dev-plugin"}, {"repository", "ghcr.io/mellanox"}, {"version", "v1.5.2"},
                     {"config", R"({"configList":[{"resourceName":"rdma_shared_device_a","rdmaHcaMax":63}]})"}};
  auto apply = [&](const std::string& name, const json& spec) { ApplyNodePolicy(name, spec); };
  auto status = [&](const std::string& name) { return NodePolicyStatus(name); };
  auto desired = [&](const std::string& ds) {
    auto d = DaemonSet(ds);
    return d.ok() ? d->Tree().value("status", json::object()).value("desiredNumberScheduled", -1) : -1;
  };
  apply("group-a", {{"nodeSelector", {{"nnp-group", "a"}}},
                    {"ofedDriver", {{"image", "doca-driver"}, {"repository", "nvcr.io/nvidia/mellanox"}, {"version", "25.04-0.6.1.0-2"}}},
                    {"rdmaSharedDevicePlugin", rdma}});
  apply("group-b", {{"nodeSelector", {{"nnp-group", "b"}}}, {"rdmaSharedDevicePlugin", rdma}});
  ASSERT_TRUE(Eventually([&] {
    return status("group-a").value("state", "") == "ready" && status("group-b").value("state", "") == "ready";
  })) << status("group-a").dump() << status("group-b").dump() << Diagnose();
  // Each policy's device plugin on its own nodes, the driver only where group-a asked for it.
  EXPECT_TRUE(Eventually([&] { return desired(Hashed("rdma-shared-dp-ds", "group-a")) == 2 && desired(Hashed("rdma-shared-dp-ds", "group-b")) == 1; }))
      << Diagnose();
  auto drivers = client_->ListAll(kube::resources::DaemonSets(), kNamespace, {.label_selector = "nvidia.com/ofed-driver"});
  ASSERT_TRUE(drivers.ok());
  ASSERT_EQ(drivers->items.size(), 1u);
  EXPECT_EQ(drivers->items[0].meta().ControllerOwner()->name, "group-a");
  EXPECT_EQ(drivers->items[0].Tree()["spec"]["template"]["spec"]["nodeSelector"].value("nnp-group", ""), "a");
  auto wait_label = [&](const std::string& node) {
    auto n = client_->Get(kube::resources::Nodes(), "", node);
    if (!n.ok()) return std::string("<no node>");
    auto labels = n->Labels();
    auto it = labels.find("network.nvidia.com/operator.mofed.wait");
    return it == labels.end() ? std::string("<none>") : it->second;
  };
  EXPECT_TRUE(Eventually([&] { return wait_label("nnp-a-0") == "false" && wait_label("nnp-b-0") == "false"; }));

  // A third policy selecting one of group-a's nodes: an error naming the overlap, and nothing of it applied.
  apply("rack-1", {{"nodeSelector", {{"nnp-rack", "1"}}},
                   {"sriovDevicePlugin", {{"image", "sriov-network-device-plugin"}, {"repository", "ghcr.io/k8snetworkplumbingwg"},
                                          {"version", "v3.9.0"}, {"config", R"({"resourceList":[{"resourceName":"hostdev"}]})"}}}});
  ASSERT_TRUE(Eventually([&] { return status("rack-1").value("state", "") == "ready"; })) << "no node selected yet";
  ASSERT_TRUE(client_->Patch(kube::resources::Nodes(), "", "nnp-a-1", kube::PatchType::kMerge,
                             R"({"metadata":{"labels":{"nnp-rack":"1"}}})").ok());
  ASSERT_TRUE(Eventually([&] { return status("rack-1").value("state", "") == "error"; })) << status("rack-1").dump();
  EXPECT_EQ(status("rack-1").value("reason", ""),
            "nodeSelector overlaps NicNodePolicy group-a on node nnp-a-1; each node may be selected by one NicNodePolicy");
  EXPECT_TRUE(Eventually([&] { return status("group-a").value("state", "") == "error"; }));
  EXPECT_TRUE(DaemonSet(Hashed("rdma-shared-dp-ds", "group-a")).ok()) << "what was applied before stays";
  // The conflict ends with the label.
  ASSERT_TRUE(client_->Patch(kube::resources::Nodes(), "", "nnp-a-1", kube::PatchType::kMerge,
                             R"({"metadata":{"labels":{"nnp-rack":null}}})").ok());
  ASSERT_TRUE(Eventually([&] {
    return status("rack-1").value("state", "") == "ready" && status("group-a").value("state", "") == "ready";
  })) << status("rack-1").dump() << status("group-a").dump();
  EXPECT_TRUE(DaemonSet(Hashed("network-operator-sriov-device-plugin", "rack-1")).ok());

  // A component set in both the cluster policy and a node policy.
  json ncp = {{"apiVersion", "mellanox.com/v1alpha1"}, {"kind", "NicClusterPolicy"}, {"metadata", {{"name", "nic-cluster-policy"}}},
              {"spec", {{"sriovDevicePlugin", {{"image", "sriov-network-device-plugin"}, {"repository", "ghcr.io/k8snetworkplumbingwg"},
                                               {"version", "v3.9.0"}, {"config", R"({"resourceList":[{"resourceName":"hostdev"}]})"}}}}}};
  ASSERT_TRUE(client_->Apply(network::NicClusterPolicies(), ncp, {"test", true, ""}).ok());
  ASSERT_TRUE(Eventually([&] { return status("rack-1").value("state", "") == "error"; })) << status("rack-1").dump();
  EXPECT_EQ(status("rack-1").value("reason", "").rfind("spec.sriovDevicePlugin is also set in the NicClusterPolicy", 0), 0u);
  // The others are not affected: no conflict of theirs (a DaemonSet's status catching up may show
  // notReady for a moment).
  EXPECT_NE(status("group-a").value("state", ""), "error") << status("group-a").dump();
  EXPECT_TRUE(Eventually([&] { return status("group-a").value("state", "") == "ready"; })) << status("group-a").dump();

  ASSERT_TRUE(client_->Delete(network::NicClusterPolicies(), "", "nic-cluster-policy").ok());
  for (const char* name : {"group-a", "group-b", "rack-1"}) {
    ASSERT_TRUE(client_->Delete(network::NicNodePolicies(), "", name).ok());
  }
  EXPECT_TRUE(Eventually([&] {
    auto list = client_->ListAll(kube::resources::DaemonSets(), kNamespace, {.label_selector = "nvidia.network-operator.state"});
    return list.ok() && list->items.empty();
  }, seconds(60))) << "node policies' objects are garbage-collected with them";
}

// A node policy's OFED driver upgrades its own nodes only (the engine's fleet is the policy's
// nodeSelector), within its maxUnavailable, draining them while a PodDisruptionBudget holds its
// workload; the wait label holds each node's workloads back while its new driver starts; the
// other node policy's nodes are not touched.
TEST_F(NicClusterPolicyTest, ANodePolicysOfedUpgradesItsOwnNodesWithinItsLimits) {
  auto& env = rig::RigEnvironment::Get();
  // slow-*: their pods take a while to start, so the wait label can be seen holding.
  ASSERT_EQ(env.RigCommand("nodes 4 --prefix slow-nnp-up --labels nnp-up=a," + kNicNodeLabels), 0);
  ASSERT_EQ(env.RigCommand("nodes 1 --prefix nnp-other --labels nnp-up=b," + kNicNodeLabels), 0);
  const std::string state_label = upgrade::KeysForDriver("ofed").state_label;
  const json driver = {{"image", "doca-driver"}, {"repository", "nvcr.io/nvidia/mellanox"}, {"version", "25.04-0.6.1.0-2"}};
  auto apply = [&](const std::string& name, const json& spec) { ApplyNodePolicy(name, spec); };
  auto status = [&](const std::string& name) { return NodePolicyStatus(name); };
  json upgrading = driver;
  upgrading["upgradePolicy"] = {{"autoUpgrade", true}, {"maxParallelUpgrades", 0}, {"maxUnavailable", "50%"},
                                {"drain", {{"enable", true}, {"timeoutSeconds", 600}}}};
  apply("up-a", {{"nodeSelector", {{"nnp-up", "a"}}}, {"ofedDriver", upgrading}});
  apply("up-b", {{"nodeSelector", {{"nnp-up", "b"}}}, {"ofedDriver", driver}});
  ASSERT_TRUE(Eventually([&] {
    return status("up-a").value("state", "") == "ready" && status("up-b").value("state", "") == "ready" &&
           status("up-a").value("upgrade", json::object()).value("summary", "") == "4/4 upgraded";
  }, seconds(120))) << status("up-a").dump() << status("up-b").dump() << Diagnose();

  const std::string ns = env.NewNamespace("nnp-work");
  const kube::Resource pdbs{"policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true};
  ASSERT_TRUE(client_->Apply(kube::resources::Deployments(), json::parse(R"({"apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "rdma-work", "namespace": ")" + ns + R"("},
    "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "rdma-work"}},
      "template": {"metadata": {"labels": {"app": "rdma-work"}},
        "spec": {"nodeSelector": {"nnp-up": "a"}, "containers": [{"name": "w", "image": "example/rdma-work:1"}]}}}})"),
                             {"test", true, ""}).ok());
  ASSERT_TRUE(client_->Apply(pdbs, json::parse(R"({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
    "metadata": {"name": "rdma-work", "namespace": ")" + ns + R"("},
    "spec": {"minAvailable": 3, "selector": {"matchLabels": {"app": "rdma-work"}}}})"), {"test", true, ""}).ok());
  auto healthy = [&] {
    auto p = client_->Get(pdbs, ns, "rdma-work");
    return p.ok() ? p->Tree()["status"].value("currentHealthy", -1) : -1;
  };
  ASSERT_TRUE(Eventually([&] { return healthy() == 4; })) << healthy();

  struct Look {
    int busy = 0, done = 0;
    bool other_touched = false;
    std::string seen;
    std::map<std::string, std::string> state, wait;
  };
  auto look = [&] {
    Look l;
    auto nodes = client_->ListAll(kube::resources::Nodes(), "", {.label_selector = "nnp-up"});
    if (!nodes.ok()) return l;
    for (const auto& n : nodes->items) {
      const json t = n.Tree();
      const json labels = t["metadata"].value("labels", json::object());
      const std::string state = labels.value(state_label, "");
      const bool cordoned = t["spec"].value("unschedulable", false);
      l.seen += n.name() + "=" + state + (cordoned ? "(cordoned) " : " ");
      if (labels.value("nnp-up", "") == "b") {
        l.other_touched = l.other_touched || !state.empty() || cordoned;
        continue;
      }
      if (cordoned || (!state.empty() && state != "upgrade-done" && state != "upgrade-required")) ++l.busy;
      if (state == "upgrade-done" && !cordoned) ++l.done;
      l.state[n.name()] = state;
      l.wait[n.name()] = labels.value("network.nvidia.com/operator.mofed.wait", "");
    }
    return l;
  };
  auto renewed = [&](const std::string& owner, const std::string& version, size_t count) {
    auto pods = client_->ListAll(kube::resources::Pods(), kNamespace, {.label_selector = "nvidia.com/ofed-driver"});
    if (!pods.ok()) return false;
    size_t n = 0;
    for (const auto& p : pods->items) {
      if (p.meta().deleting || !p.meta().ControllerOwner()) continue;
      auto set = client_->Get(kube::resources::DaemonSets(), kNamespace, p.meta().ControllerOwner()->name);
      if (!set.ok() || !set->meta().ControllerOwner() || set->meta().ControllerOwner()->name != owner) continue;
      if (p.Tree()["spec"]["containers"][0].value("image", "").find(version) == std::string::npos) return false;
      ++n;
    }
    return n == count;
  };
  upgrading["version"] = "25.04-0.6.1.0-3";
  apply("up-a", {{"nodeSelector", {{"nnp-up", "a"}}}, {"ofedDriver", upgrading}});
  int most = 0, least_healthy = 4;
  bool waited = false;
  Look l;
  EXPECT_TRUE(Eventually([&] {
    l = look();
    most = std::max(most, l.busy);
    const int h = healthy();
    if (h >= 0) least_healthy = std::min(least_healthy, h);
    for (const auto& [node, state] : l.state) waited = waited || (state == "pod-restart-required" && l.wait[node] == "true");
    return l.done == 4 && renewed("up-a", "25.04-0.6.1.0-3", 4) &&
           status("up-a").value("upgrade", json::object()).value("summary", "") == "4/4 upgraded";
  }, seconds(180))) << l.seen << "\n" << status("up-a").dump() << "\n" << Diagnose();
  EXPECT_LE(most, 2) << "more nodes down at once than maxUnavailable (50% of 4) allows";
  EXPECT_GE(most, 2) << "the policy's parallelism was not used";
  EXPECT_GE(least_healthy, 3) << "the PodDisruptionBudget was broken";
  EXPECT_TRUE(waited) << "the wait label did not hold a node back during its driver restart";
  EXPECT_FALSE(l.other_touched) << "the other node policy's node was touched: " << l.seen;
  EXPECT_TRUE(renewed("up-b", "25.04-0.6.1.0-2", 1)) << "the other node policy's driver was replaced";

  for (const char* name : {"up-a", "up-b"}) ASSERT_TRUE(client_->Delete(network::NicNodePolicies(), "", name).ok());
  EXPECT_TRUE(Eventually([&] {
    auto list = client_->ListAll(kube::resources::DaemonSets(), kNamespace, {.label_selector = "nvidia.network-operator.state"});
    return list.ok() && list->items.empty();
  }, seconds(60)));
  EXPECT_EQ(env.RigCommand("kubectl delete nodes -l nnp-up --wait"), 0);
}

// Faults in an OFED upgrade: the operator killed (SIGKILL) mid-way resumes where it was, and a
// node whose new driver pod crash-loops (a stuck-* node: see the rig's kwok stages) fails alone,
// named in the policy's status, while the others finish.
TEST_F(NicClusterPolicyTest, AnOfedUpgradeSurvivesAKilledOperatorAndACrashLoopingDriver) {
  auto& env = rig::RigEnvironment::Get();
  ASSERT_EQ(env.RigCommand("nodes 2 --prefix nnp-crash --labels nnp-up=c," + kNicNodeLabels), 0);
  ASSERT_EQ(env.RigCommand("nodes 1 --prefix stuck-nnp-crash --labels nnp-up=c," + kNicNodeLabels), 0);
  const std::string state_label = upgrade::KeysForDriver("ofed").state_label;
  json driver = {{"image", "doca-driver"}, {"repository", "nvcr.io/nvidia/mellanox"}, {"version", "25.04-0.6.1.0-2"},
                 {"upgradePolicy", {{"autoUpgrade", true}, {"maxParallelUpgrades", 1}, {"maxUnavailable", 1}}}};
  ApplyNodePolicy("up-c", {{"nodeSelector", {{"nnp-up", "c"}}}, {"ofedDriver", driver}});
  auto summary = [&] { return NodePolicyStatus("up-c").value("upgrade", json::object()).value("summary", ""); };
  ASSERT_TRUE(Eventually([&] { return NodePolicyStatus("up-c").value("state", "") == "ready" && summary() == "3/3 upgraded"; },
                         seconds(120)))
      << NodePolicyStatus("up-c").dump() << Diagnose();

  std::map<std::string, std::set<std::string>> driver_pods;  // node -> driver pod uids seen
  std::map<std::string, std::string> state;
  int most = 0;
  std::string seen;
  auto sample = [&] {
    seen.clear();
    int busy = 0;
    auto nodes = client_->ListAll(kube::resources::Nodes(), "", {.label_selector = "nnp-up=c"});
    if (nodes.ok()) {
      for (const auto& n : nodes->items) {
        const json t = n.Tree();
        const std::string s = t["metadata"].value("labels", json::object()).value(state_label, "");
        const bool cordoned = t["spec"].value("unschedulable", false);
        state[n.name()] = s;
        seen += n.name() + "=" + s + (cordoned ? "(cordoned) " : " ");
        if (cordoned || (!s.empty() && s != "upgrade-done" && s != "upgrade-required")) ++busy;
      }
    }
    most = std::max(most, busy);
    auto pods = client_->ListAll(kube::resources::Pods(), kNamespace, {.label_selector = "nvidia.com/ofed-driver"});
    if (pods.ok()) {
      for (const auto& p : pods->items) {
        const std::string node = p.Tree()["spec"].value("nodeName", "");
        if (state.count(node) && !p.meta().deleting) driver_pods[node].insert(p.meta().uid);
      }
    }
    return busy;
  };
  sample();
  driver["version"] = "25.04-0.6.1.0-crashes-on-stuck";
  ApplyNodePolicy("up-c", {{"nodeSelector", {{"nnp-up", "c"}}}, {"ofedDriver", driver}});
  ASSERT_TRUE(Eventually([&] { return sample() > 0; })) << seen;
  operator_->Signal(SIGKILL);
  operator_->Wait(seconds(30));
  StartOperator();
  EXPECT_TRUE(Eventually([&] {
    sample();
    return state["nnp-crash-0"] == "upgrade-done" && state["nnp-crash-1"] == "upgrade-done" &&
           state["stuck-nnp-crash-0"] == "upgrade-failed";
  }, seconds(180))) << seen << "\n" << Diagnose();
  EXPECT_LE(most, 1) << "more nodes down at once than maxUnavailable allows";
  for (const auto& [node, uids] : driver_pods) {
    EXPECT_EQ(uids.size(), 2u) << node << ": its driver pod should be replaced exactly once";
  }
  EXPECT_TRUE(Eventually([&] { return summary() == "2/3 upgraded, 1 failed"; })) << NodePolicyStatus("up-c").dump();
  const json failed = NodePolicyStatus("up-c")["upgrade"].value("failedNodes", json::array());
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].value("name", ""), "stuck-nnp-crash-0");
  EXPECT_NE(failed[0].value("reason", "").find("restarted 11 times"), std::string::npos) << failed.dump();

  ASSERT_TRUE(client_->Delete(network::NicNodePolicies(), "", "up-c").ok());
  EXPECT_TRUE(Eventually([&] {
    auto list = client_->ListAll(kube::resources::DaemonSets(), kNamespace, {.label_selector = "nvidia.network-operator.state"});
    return list.ok() && list->items.empty();
  }, seconds(60)));
  EXPECT_EQ(env.RigCommand("kubectl delete nodes -l nnp-up --wait"), 0);
}

}  // namespace
