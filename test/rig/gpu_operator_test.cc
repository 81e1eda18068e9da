// The GPU operator on the rig with fake GPU nodes of two OSes and two kernels
// (Ubuntu 22.04 on two kernels, RHEL 9.4): the ClusterPolicy our chart makes
// of seed 003's values gives a driver DaemonSet per OS with the mirror's
// images, kwok runs the pods and the policy reaches ready; then the changes
// users make (an operand off, a new driver version, a node taken out, bad
// input, a second policy) and the policy's deletion.

#include <signal.h>

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "at_rest.h"
#include "child_process.h"
#include "cluster_policy_reconciler.h"
#include "eventually.h"
#include "gpu_operator_rig.h"
#include "rig_environment.h"
#include "upgrade_keys.h"

namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

const std::string kNamespace = "gpu-operator";
const std::string kChart = std::string(ACCELOPS_SOURCE_DIR) + "/deploy/gpu-operator/chart";
const std::string kNfd = "feature.node.kubernetes.io/";

bool Eventually(const std::function<bool()>& done) { return rig::Eventually(done, milliseconds(90000)); }

class GpuOperatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto& env = rig::RigEnvironment::Get();
    ASSERT_TRUE(rig::InstallGpuOperatorApi(kNamespace).ok());
    // A node with NFD labels but no GPU: the cluster has NFD, and no GPU node yet.
    ASSERT_EQ(env.RigCommand("nodes 1 --prefix gpuop-cpu --labels " + kNfd + "cpu-cpuid.AVX2=true"), 0);
    operator_ = rig::StartGpuOperator(kNamespace);
    ASSERT_TRUE(operator_->WaitForOutput("starting workers", seconds(30))) << operator_->Output();
  }
  static void TearDownTestSuite() {
    if (operator_) {
      EXPECT_EQ(operator_->Terminate(seconds(30)), 0) << operator_->Output();
    }
    operator_.reset();
  }
  void SetUp() override { client_ = rig::RigEnvironment::Get().NewClient(); }

  static void AddGpuNodes(const std::string& prefix, int n, const std::string& os, const std::string& version,
                          const std::string& kernel) {
    ASSERT_EQ(rig::AddGpuNodes(prefix, n, os, version, kernel, "nvidia.com/gpu.product=NVIDIA-H100-80GB-HBM3"), 0);
  }

  json Policy(const std::string& name = "cluster-policy") {
    auto p = client_->Get(gpu::ClusterPolicies(), "", name);
    return p.ok() ? p->Tree() : json::object();
  }
  json Status(const std::string& name = "cluster-policy") { return Policy(name).value("status", json::object()); }
  // Ready (or another state), with conditions that describe the current spec.
  bool Reached(const std::string& state, const std::string& name = "cluster-policy") {
    json p = Policy(name);
    json status = p.value("status", json::object());
    return status.value("state", "") == state && status.contains("conditions") &&
           status["conditions"][0].value("observedGeneration", -1) == p["metadata"].value("generation", -2);
  }
  std::string Diagnose() {
    std::string out = "status: " + Status().dump() + "\n";
    auto sets = client_->ListAll(kube::resources::DaemonSets(), kNamespace, {});
    if (sets.ok()) {
      for (const auto& d : sets->items) out += "daemonset " + d.name() + ": " + d.Tree()["status"].dump() + "\n";
    }
    const std::string log = operator_->Output();
    return out + "operator log tail:\n" + log.substr(log.size() > 4000 ? log.size() - 4000 : 0);
  }
  std::set<std::string> DaemonSets() {
    std::set<std::string> names;
    auto sets = client_->ListAll(kube::resources::DaemonSets(), kNamespace,
                                 {.label_selector = gpu::kStateLabel});
    if (sets.ok()) {
      for (const auto& d : sets->items) {
        if (!d.meta().deleting) names.insert(d.name());
      }
    }
    return names;
  }
  json DaemonSet(const std::string& name) {
    auto d = client_->Get(kube::resources::DaemonSets(), kNamespace, name);
    return d.ok() ? d->Tree() : json::object();
  }
  void PatchSpec(const json& patch, const std::string& name = "cluster-policy") {
    auto r = client_->Patch(gpu::ClusterPolicies(), "", name, kube::PatchType::kMerge, json({{"spec", patch}}).dump());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  std::map<std::string, std::string> NodeLabels(const std::string& node) {
    auto n = client_->Get(kube::resources::Nodes(), "", node);
    return n.ok() ? n->Labels() : std::map<std::string, std::string>{};
  }
  // resourceVersions of the policy and of everything it owns.
  std::map<std::string, std::string> Versions() {
    std::map<std::string, std::string> out;
    for (const auto& res : gpu::ClusterPolicyStateResources(false)) {
      auto list = client_->ListAll(res, "", {.label_selector = gpu::kStateLabel});
      if (list.ok()) {
        for (const auto& o : list->items) out[res.kind + "/" + o.Key()] = o.resource_version();
      }
    }
    out["policy"] = client_->Get(gpu::ClusterPolicies(), "", "cluster-policy")->resource_version();
    return out;
  }
  std::vector<json> Events(const std::string& reason) {
    std::vector<json> out;
    auto list = client_->ListAll(kube::resources::Events(), "default", {});
    if (!list.ok()) return out;
    for (const auto& e : list->items) {
      json t = e.Tree();
      if (t.value("reason", "") == reason && t["involvedObject"].value("kind", "") == "ClusterPolicy") out.push_back(t);
    }
    return out;
  }

  static inline std::unique_ptr<rig::ChildProcess> operator_;
  std::shared_ptr<kube::Client> client_;
};

TEST_F(GpuOperatorTest, SeedValuesThroughTheChartWithoutGpuNodesIsReadyWithNoGpuNodes) {
  auto& env = rig::RigEnvironment::Get();
  const std::string policy_file = env.dir() + "/seed-clusterpolicy.yaml";
  std::string out;
  ASSERT_EQ(env.RigCommand("helm template gpu-operator " + kChart + " --namespace " + kNamespace + " -f " +
                               ACCELOPS_SOURCE_DIR + "/examples/gpu-operator/air-gapped-values.yaml" +
                               " --show-only templates/clusterpolicy.yaml > " + policy_file + " 2>&1",
                           &out),
            0)
      << out;
  ASSERT_TRUE(env.ApplyPath(policy_file).ok());
  EXPECT_TRUE(Eventually([&] { return Reached("ready"); })) << Diagnose();
  EXPECT_EQ(Status()["conditions"][0].value("reason", ""), "NoGPUNodes") << Status().dump();
  EXPECT_EQ(Status().value("namespace", ""), kNamespace);
  // No driver yet (its tag needs a node's OS); the other operands wait, targeting no node.
  EXPECT_EQ(DaemonSets().count("nvidia-driver-daemonset-ubuntu22.04"), 0u);
  EXPECT_EQ(DaemonSets().count("nvidia-device-plugin-daemonset"), 1u);
}

TEST_F(GpuOperatorTest, GpuNodesOfTwoOsesAndKernelsGetTheirDriversAndThePolicyReady) {
  AddGpuNodes("gpuop-ua", 2, "ubuntu", "22.04", "5.15.0-131-generic");
  AddGpuNodes("gpuop-ub", 1, "ubuntu", "22.04", "6.8.0-40-generic");
  AddGpuNodes("gpuop-r", 2, "rhel", "9.4", "5.14.0-427.13.1.el9_4.x86_64");
  // Labelled by the operator from NFD's PCI label.
  EXPECT_TRUE(Eventually([&] {
    auto l = NodeLabels("gpuop-r-1");
    return l["nvidia.com/gpu.present"] == "true" && l["nvidia.com/gpu.deploy.driver"] == "true" &&
           l["nvidia.com/gpu.deploy.device-plugin"] == "true" && l["nvidia.com/gpu.deploy.mig-manager"] == "true" &&
           l["nvidia.com/mig.config"] == "all-disabled";
  }));
  EXPECT_EQ(NodeLabels("gpuop-cpu-0").count("nvidia.com/gpu.present"), 0u) << "not a GPU node";
  const std::set<std::string> expected = {
      "nvidia-driver-daemonset-ubuntu22.04",  "nvidia-driver-daemonset-rhel9",
      "nvidia-container-toolkit-daemonset",   "nvidia-operator-validator",
      "nvidia-device-plugin-daemonset",       "nvidia-device-plugin-mps-control-daemon",
      "nvidia-dcgm-exporter",                 "gpu-feature-discovery",
      "nvidia-mig-manager"};
  EXPECT_TRUE(Eventually([&] { return DaemonSets() == expected; })) << Diagnose();
  // Each OS its own image from the mirror, and its own nodes.
  json ubuntu = DaemonSet("nvidia-driver-daemonset-ubuntu22.04");
  json rhel = DaemonSet("nvidia-driver-daemonset-rhel9");
  EXPECT_EQ(ubuntu["spec"]["template"]["spec"]["containers"][0]["image"],
            "dockerhub.kubekey.local/kse/nvidia/driver:550-5.15.0-131-generic-ubuntu22.04");
  EXPECT_EQ(rhel["spec"]["template"]["spec"]["containers"][0]["image"],
            "dockerhub.kubekey.local/kse/nvidia/driver:550-5.15.0-131-generic-rhel9");
  EXPECT_EQ(ubuntu["spec"]["updateStrategy"]["type"], "OnDelete");
  EXPECT_EQ(ubuntu["metadata"]["ownerReferences"][0]["kind"], "ClusterPolicy");
  EXPECT_TRUE(Eventually([&] {
    return DaemonSet("nvidia-driver-daemonset-ubuntu22.04")["status"].value("numberAvailable", 0) == 3 &&
           DaemonSet("nvidia-driver-daemonset-rhel9")["status"].value("numberAvailable", 0) == 2;
  })) << Diagnose();
  // Ready with upstream's reason, state and reason read from one look at the policy: operands
  // still scaling onto nodes that just got their deploy labels may take it back to notReady for
  // a moment after a first ready.
  EXPECT_TRUE(Eventually([&] {
    const json p = Policy("cluster-policy");
    const json status = p.value("status", json::object());
    if (status.value("state", "") != "ready" || !status.contains("conditions")) return false;
    const json& ready = status["conditions"][0];
    return ready.value("reason", "") == "Reconciled" &&
           ready.value("observedGeneration", -1) == p["metadata"].value("generation", -2);
  })) << Status().dump() << "\n" << Diagnose();
  // The recorder sends Events on its own thread: the one for this ready may still be on its way.
  EXPECT_TRUE(Eventually([&] { return !Events("Reconciled").empty(); }));

  // At rest (once the last node label and DaemonSet status are handled): no writes to the policy
  // or anything it owns.
  const auto before = rig::SettledVersions([&] { return Versions(); }, seconds(2), seconds(30));
  std::this_thread::sleep_for(seconds(4));
  EXPECT_EQ(rig::VersionChanges(before, Versions()), "") << "writes at rest";
}

TEST_F(GpuOperatorTest, TurningAnOperandOffRemovesItAndOnBringsItBack) {
  PatchSpec({{"dcgmExporter", {{"enabled", false}}}});
  EXPECT_TRUE(Eventually([&] { return DaemonSets().count("nvidia-dcgm-exporter") == 0 && Reached("ready"); }))
      << Diagnose();
  EXPECT_FALSE(client_->Get(kube::resources::Services(), kNamespace, "nvidia-dcgm-exporter").ok());
  PatchSpec({{"dcgmExporter", {{"enabled", true}}}});
  EXPECT_TRUE(Eventually([&] { return DaemonSets().count("nvidia-dcgm-exporter") == 1 && Reached("ready"); }))
      << Diagnose();
}

// The chart's upgradePolicy (autoUpgrade, one node at a time, 25% of the five GPU nodes, rounded
// up, unavailable at most): the engine replaces each node's driver pod in turn.
TEST_F(GpuOperatorTest, ANewDriverVersionRollsThroughTheNodesOneAtATime) {
  const auto keys = upgrade::KeysForDriver("gpu");
  // Each node's state and cordon, and how many are on their way.
  auto fleet = [&](std::string* seen) {
    int busy = 0, done = 0;
    auto nodes = client_->ListAll(kube::resources::Nodes(), "", {.label_selector = "nvidia.com/gpu.present=true"});
    if (!nodes.ok()) return std::pair{-1, -1};
    seen->clear();
    for (const auto& n : nodes->items) {
      const json t = n.Tree();
      const std::string state = t["metadata"]["labels"].value(keys.state_label, "");
      const bool cordoned = t["spec"].value("unschedulable", false);
      *seen += n.name() + "=" + state + (cordoned ? "(cordoned) " : " ");
      if (cordoned || (state != "" && state != "upgrade-done" && state != "upgrade-required")) ++busy;
      if (state == "upgrade-done" && !cordoned &&
          t["metadata"].value("annotations", json::object()).value("nvidia.com/gpu-driver-upgrade-enabled", "") == "true") {
        ++done;
      }
    }
    return std::pair{busy, done};
  };
  std::string seen;
  // Settled first: every GPU node is the engine's and upgrade-done.
  EXPECT_TRUE(Eventually([&] { return fleet(&seen) == std::pair{0, 5}; })) << seen;
  EXPECT_TRUE(Eventually([&] { return Status()["upgrade"].value("summary", "") == "5/5 upgraded"; })) << Diagnose();

  PatchSpec({{"driver", {{"version", "570.148.08"}}}});
  int most = 0;
  auto renewed = [&] {
    auto pods = client_->ListAll(kube::resources::Pods(), kNamespace,
                                 {.label_selector = "app.kubernetes.io/component=nvidia-driver"});
    if (!pods.ok() || pods->items.size() != 5) return false;
    for (const auto& p : pods->items) {
      if (p.Tree()["spec"]["containers"][0].value("image", "").find(":570.148.08-") == std::string::npos) return false;
    }
    return true;
  };
  // Sampled all along: never more than one node cordoned or under way.
  EXPECT_TRUE(Eventually([&] {
    const auto [busy, done] = fleet(&seen);
    most = std::max(most, busy);
    return done == 5 && renewed() && Reached("ready");
  })) << seen << "\n" << Diagnose();
  EXPECT_LE(most, 1) << "more nodes down at once than maxParallelUpgrades allows";
  EXPECT_GE(most, 1) << "no node was seen upgrading";
  EXPECT_TRUE(Eventually([&] { return Status()["upgrade"].value("summary", "") == "5/5 upgraded"; })) << Diagnose();
  // Each node's steps are Events on the Node.
  EXPECT_TRUE(Eventually([&] {
    auto list = client_->ListAll(kube::resources::Events(), "default", {});
    if (!list.ok()) return false;
    std::set<std::string> nodes;
    for (const auto& e : list->items) {
      const json t = e.Tree();
      // This suite's nodes only: other suites' upgrades leave Events of theirs in the namespace.
      const std::string node = t["involvedObject"].value("name", "");
      if (t.value("reason", "") == "DriverUpgrade" && t["involvedObject"].value("kind", "") == "Node" &&
          node.rfind("gpuop-", 0) == 0 &&
          t.value("message", "").find("uncordon-required -> upgrade-done") != std::string::npos) {
        nodes.insert(node);
      }
    }
    return nodes.size() == 5;
  }));
}

// Killed mid-upgrade (SIGKILL: nothing flushed, no lease released) and started again, the operator
// reads where each node was from the cluster and goes on: still one node at a time, and no
// node's driver pod replaced twice.
TEST_F(GpuOperatorTest, AnOperatorKilledMidUpgradeResumesWhereItWas) {
  const auto keys = upgrade::KeysForDriver("gpu");
  std::map<std::string, std::set<std::string>> pods_per_node;  // driver pod uids seen on each node
  std::string seen;
  auto sample = [&] {
    int busy = 0, done = 0;
    seen.clear();
    auto nodes = client_->ListAll(kube::resources::Nodes(), "", {.label_selector = "nvidia.com/gpu.present=true"});
    if (!nodes.ok()) return std::pair{-1, -1};
    for (const auto& n : nodes->items) {
      const json t = n.Tree();
      const std::string state = t["metadata"]["labels"].value(keys.state_label, "");
      const bool cordoned = t["spec"].value("unschedulable", false);
      seen += n.name() + "=" + state + (cordoned ? "(cordoned) " : " ");
      if (cordoned || (state != "" && state != "upgrade-done" && state != "upgrade-required")) ++busy;
      if (state == "upgrade-done" && !cordoned) ++done;
    }
    auto pods = client_->ListAll(kube::resources::Pods(), kNamespace,
                                 {.label_selector = "app.kubernetes.io/component=nvidia-driver"});
    if (pods.ok()) {
      for (const auto& p : pods->items) pods_per_node[p.Tree()["spec"].value("nodeName", "")].insert(p.meta().uid);
    }
    return std::pair{busy, done};
  };
  ASSERT_TRUE(Eventually([&] { return sample().second == 5; })) << seen;
  pods_per_node.clear();
  sample();
  PatchSpec({{"driver", {{"version", "570.158.01"}}}});
  int most = 0;
  // Once a node is on its way: kill, and start again.
  ASSERT_TRUE(Eventually([&] {
    const int busy = sample().first;
    most = std::max(most, busy);
    return busy > 0;
  })) << seen;
  operator_->Signal(SIGKILL);
  operator_->Wait(seconds(30));
  operator_ = rig::StartGpuOperator(kNamespace);
  ASSERT_TRUE(operator_->WaitForOutput("starting workers", seconds(60))) << operator_->Output();
  EXPECT_TRUE(Eventually([&] {
    const auto [busy, done] = sample();
    most = std::max(most, busy);
    if (done != 5) return false;
    auto pods = client_->ListAll(kube::resources::Pods(), kNamespace,
                                 {.label_selector = "app.kubernetes.io/component=nvidia-driver"});
    if (!pods.ok() || pods->items.size() != 5) return false;
    for (const auto& p : pods->items) {
      if (p.Tree()["spec"]["containers"][0].value("image", "").find(":570.158.01-") == std::string::npos) return false;
    }
    return Reached("ready");
  })) << seen << "\n" << Diagnose();
  EXPECT_LE(most, 1) << "more nodes down at once than maxParallelUpgrades allows";
  for (const auto& [node, uids] : pods_per_node) {
    EXPECT_LE(uids.size(), 2u) << node << "'s driver pod was replaced more than once";
  }
}

TEST_F(GpuOperatorTest, ANodeTakenOutLosesItsOperandsAndAUsersFalseSurvives) {
  auto label = [&](const std::string& node, const json& labels) {
    auto r = client_->Patch(kube::resources::Nodes(), "", node, kube::PatchType::kMerge,
                            json({{"metadata", {{"labels", labels}}}}).dump());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  };
  label("gpuop-ua-1", {{"nvidia.com/gpu.deploy.operands", "false"}});
  EXPECT_TRUE(Eventually([&] {
    auto l = NodeLabels("gpuop-ua-1");
    return l.count("nvidia.com/gpu.deploy.driver") == 0 && l.count("nvidia.com/gpu.deploy.device-plugin") == 0;
  }));
  EXPECT_TRUE(Eventually([&] {
    return DaemonSet("nvidia-device-plugin-daemonset")["status"].value("desiredNumberScheduled", 0) == 4 &&
           Reached("ready");
  })) << Diagnose();
  // Back in, with one operand switched off by hand: that one stays off.
  label("gpuop-ua-1", {{"nvidia.com/gpu.deploy.operands", nullptr}, {"nvidia.com/gpu.deploy.dcgm-exporter", "false"}});
  EXPECT_TRUE(Eventually([&] { return NodeLabels("gpuop-ua-1")["nvidia.com/gpu.deploy.driver"] == "true"; }));
  EXPECT_EQ(NodeLabels("gpuop-ua-1")["nvidia.com/gpu.deploy.dcgm-exporter"], "false");
  EXPECT_TRUE(Eventually([&] {
    return DaemonSet("nvidia-device-plugin-daemonset")["status"].value("desiredNumberScheduled", 0) == 5 &&
           Reached("ready");
  })) << Diagnose();
}

TEST_F(GpuOperatorTest, BadInputIsNamedInStatusAndEventAndAppliesNothing) {
  const json before = DaemonSet("nvidia-container-toolkit-daemonset");
  // A ConfigMap that does not exist.
  PatchSpec({{"devicePlugin", {{"config", {{"name", "time-slicing"}, {"default", "any"}}}}}});
  EXPECT_TRUE(Eventually([&] {
    return Reached("notReady") && Status()["conditions"][0].value("message", "").find(
                                      "spec.devicePlugin.config.name: ConfigMap gpu-operator/time-slicing does not exist") !=
                                      std::string::npos;
  })) << Diagnose();
  EXPECT_EQ(Status()["conditions"][1].value("reason", ""), "ReconcileFailed");
  EXPECT_TRUE(Eventually([&] { return !Events("ReconcileFailed").empty(); }));
  EXPECT_EQ(DaemonSet("nvidia-device-plugin-daemonset")["spec"]["template"]["spec"].value("shareProcessNamespace", false),
            false)
      << "nothing applied";
  // Once the ConfigMap exists, the plugin gets its config manager.
  ASSERT_TRUE(client_
                  ->Create(kube::resources::ConfigMaps(),
                           {{"apiVersion", "v1"},
                            {"kind", "ConfigMap"},
                            {"metadata", {{"name", "time-slicing"}, {"namespace", kNamespace}}},
                            {"data", {{"any", "version: v1\nsharing:\n  timeSlicing:\n    resources:\n    - name: nvidia.com/gpu\n      replicas: 4\n"}}}})
                  .ok());
  EXPECT_TRUE(Eventually([&] {
    return DaemonSet("nvidia-device-plugin-daemonset")["spec"]["template"]["spec"].value("shareProcessNamespace", false);
  })) << Diagnose();

  // An image with only part of repository/image/version.
  PatchSpec({{"toolkit", {{"version", nullptr}}}});
  EXPECT_TRUE(Eventually([&] {
    return Reached("notReady") &&
           Status()["conditions"][0].value("message", "").find("spec.toolkit.version is missing") != std::string::npos;
  })) << Diagnose();
  EXPECT_EQ(DaemonSet("nvidia-container-toolkit-daemonset")["spec"], before["spec"]) << "nothing applied";
  // A value the API server's schema refuses never reaches the operator.
  auto refused = client_->Patch(gpu::ClusterPolicies(), "", "cluster-policy", kube::PatchType::kMerge,
                                R"({"spec": {"sandboxWorkloads": {"defaultWorkload": "vm-gpu"}}})");
  EXPECT_FALSE(refused.ok());
  PatchSpec({{"toolkit", {{"version", "v1.14.6-ubuntu20.04"}}}});
  EXPECT_TRUE(Eventually([&] { return Reached("ready"); })) << Diagnose();

  // An image no runtime could pull is refused, as the network operator refuses one.
  const json toolkit = Policy()["spec"]["toolkit"];
  const json running = DaemonSet("nvidia-container-toolkit-daemonset");
  PatchSpec({{"toolkit", {{"repository", nullptr}, {"version", nullptr}, {"image", "Bad Image!!"}}}});
  EXPECT_TRUE(Eventually([&] {
    return Reached("notReady") && Status()["conditions"][0].value("message", "").find(
                                      "spec.toolkit: \"Bad Image!!\" is not an image reference") != std::string::npos;
  })) << Diagnose();
  EXPECT_EQ(DaemonSet("nvidia-container-toolkit-daemonset")["spec"], running["spec"]) << "nothing applied";
  PatchSpec({{"toolkit", toolkit}});
  EXPECT_TRUE(Eventually([&] { return Reached("ready"); })) << Diagnose();

  // A free-form field nested deeper than the operator walks: refused, the operands untouched,
  // and the policy reconciles again once the field is gone.
  std::string nested = "1";
  for (int i = 0; i < 1100; ++i) nested = "[" + nested + "]";
  auto deep = client_->Patch(gpu::ClusterPolicies(), "", "cluster-policy", kube::PatchType::kMerge,
                             R"({"spec": {"daemonsets": {"podSecurityContext": {"x": )" + nested + "}}}}");
  ASSERT_TRUE(deep.ok()) << deep.status().ToString();
  auto stored = [&] {
    auto p = client_->Get(gpu::ClusterPolicies(), "", "cluster-policy");
    return p.ok() ? p->StatusTree() : json::object();
  };
  EXPECT_TRUE(Eventually([&] {
    const json st = stored();
    return st.value("state", "") == "notReady" && st.contains("conditions") &&
           st["conditions"][0].value("message", "").find("levels deep; at most 512 are taken") != std::string::npos;
  })) << stored().dump();
  EXPECT_TRUE(Eventually([&] {
    for (const auto& e : Events("ReconcileFailed")) {
      if (e.value("message", "").find("levels deep") != std::string::npos) return true;
    }
    return false;
  })) << "no Warning Event names the refused spec";
  EXPECT_EQ(DaemonSet("nvidia-container-toolkit-daemonset")["spec"], running["spec"]) << "nothing applied";
  PatchSpec({{"daemonsets", {{"podSecurityContext", nullptr}}}});
  EXPECT_TRUE(Eventually([&] { return Reached("ready"); })) << Diagnose();
}

TEST_F(GpuOperatorTest, ASecondPolicyIsIgnoredAndSaysWhy) {
  ASSERT_TRUE(client_
                  ->Create(gpu::ClusterPolicies(), {{"apiVersion", "nvidia.com/v1"},
                                                    {"kind", "ClusterPolicy"},
                                                    {"metadata", {{"name", "second"}}},
                                                    // The sections upstream's CRD requires, as ours does.
                                                    {"spec", {{"driver", {{"enabled", false}}},
                                                              {"daemonsets", json::object()},
                                                              {"dcgm", json::object()},
                                                              {"dcgmExporter", json::object()},
                                                              {"devicePlugin", json::object()},
                                                              {"gfd", json::object()},
                                                              {"nodeStatusExporter", json::object()},
                                                              {"operator", json::object()},
                                                              {"toolkit", json::object()}}}})
                  .ok());
  EXPECT_TRUE(Eventually([&] { return Reached("ignored", "second"); })) << Status("second").dump();
  EXPECT_NE(Status("second")["conditions"][0].value("message", "").find("cluster-policy"), std::string::npos);
  EXPECT_TRUE(Reached("ready"));
  ASSERT_TRUE(client_->Delete(gpu::ClusterPolicies(), "", "second").ok());
}

TEST_F(GpuOperatorTest, DeletingThePolicyRemovesItsOperands) {
  ASSERT_TRUE(client_->Delete(gpu::ClusterPolicies(), "", "cluster-policy").ok());
  EXPECT_TRUE(Eventually([&] { return DaemonSets().empty(); })) << Diagnose();
  EXPECT_TRUE(Eventually([&] {
    return !client_->Get({"node.k8s.io", "v1", "runtimeclasses", "RuntimeClass", false}, "", "nvidia").ok();
  }));
  ASSERT_EQ(rig::RigEnvironment::Get().RigCommand("kubectl delete nodes -l " + kNfd + "pci-10de.present=true --wait"), 0);
  ASSERT_EQ(rig::RigEnvironment::Get().RigCommand("kubectl delete node gpuop-cpu-0 --wait"), 0);
}

}  // namespace
