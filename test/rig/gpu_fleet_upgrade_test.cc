// A GPU driver upgrade across twenty nodes of two OSes under the GPU operator,
// with work on them: GPUs advertised as hack/gpu-advertise does, a Deployment
// using them behind a PodDisruptionBudget, a Job the upgrade's
// waitForCompletion waits for, a node cordoned by hand, a node whose new driver
// crash-loops (a stuck-* node: see the rig's kwok stages) and a node that goes
// NotReady mid-way. The fleet is sampled all along: never more nodes upgrading
// than maxParallelUpgrades, no node started while maxUnavailable is used up
// (cordoned and NotReady nodes counted), the budget never broken.

#include <signal.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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
namespace r = kube::resources;

const std::string kNamespace = "gpu-operator";
const std::string kWork = "gpu-work";
const std::string kChart = std::string(ACCELOPS_SOURCE_DIR) + "/deploy/gpu-operator/chart";
const kube::Resource kPdbs{"policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true};
const kube::Resource kJobs{"batch", "v1", "jobs", "Job", true};
constexpr int kNodes = 20;
constexpr int kMaxParallel = 4;
constexpr int kMaxUnavailable = 5;  // 25% of 20
const std::string kByHand = "fleet-r-7";  // cordoned before the upgrade
const std::string kJobNode = "fleet-u-0";
const std::string kStuck = "stuck-fleet-0";
const std::string kNewVersion = "575.57.08-crashes-on-stuck";

bool Eventually(const std::function<bool()>& done, milliseconds timeout = milliseconds(90000)) {
  return rig::Eventually(done, timeout);
}

bool InProgress(const std::string& state) {
  return state != "" && state != "upgrade-required" && state != "upgrade-done" && state != "upgrade-failed";
}

// One look at the fleet: each node's state, cordon and readiness, its driver pod's image.
struct NodeView {
  std::string state;
  bool cordoned = false;
  bool ready = true;
  std::string driver_image;
  std::string driver_uid;
};

class GpuFleetUpgradeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto& env = rig::RigEnvironment::Get();
    ASSERT_TRUE(rig::InstallGpuOperatorApi(kNamespace).ok());
    ASSERT_EQ(rig::AddGpuNodes("fleet-u", 11, "ubuntu", "22.04", "5.15.0-131-generic"), 0);
    ASSERT_EQ(rig::AddGpuNodes("stuck-fleet", 1, "ubuntu", "22.04", "5.15.0-131-generic"), 0);
    ASSERT_EQ(rig::AddGpuNodes("fleet-r", 8, "rhel", "9.4", "5.14.0-427.13.1.el9_4.x86_64"), 0);
    operator_ = rig::StartGpuOperator(kNamespace);
    ASSERT_TRUE(operator_->WaitForOutput("starting workers", seconds(30))) << operator_->Output();
    // The policy our chart makes of the air-gapped example, upgrading up to four nodes at once
    // and waiting for the batch Jobs.
    const std::string file = env.dir() + "/fleet-clusterpolicy.yaml";
    std::string out;
    ASSERT_EQ(env.RigCommand("helm template gpu-operator " + kChart + " --namespace " + kNamespace + " -f " +
                                 ACCELOPS_SOURCE_DIR + "/examples/gpu-operator/air-gapped-values.yaml" +
                                 " --set driver.upgradePolicy.maxParallelUpgrades=" + std::to_string(kMaxParallel) +
                                 " --set driver.upgradePolicy.waitForCompletion.podSelector=fleet-role=batch" +
                                 " --show-only templates/clusterpolicy.yaml > " + file + " 2>&1",
                             &out),
              0)
        << out;
    ASSERT_TRUE(env.ApplyPath(file).ok());
  }
  // Leaves the operand namespace as the next suite expects it: the policy, its DaemonSets and
  // their pods gone (the garbage collector removes them after the policy, in the background).
  static void TearDownTestSuite() {
    auto& env = rig::RigEnvironment::Get();
    auto client = env.NewClient();
    EXPECT_EQ(env.RigCommand("kubectl delete namespace " + kWork + " --wait=false"), 0);
    EXPECT_EQ(env.RigCommand("kubectl delete clusterpolicies --all --wait"), 0);
    std::string left;
    EXPECT_TRUE(rig::Eventually([&] {
      auto sets = client->ListAll(r::DaemonSets(), kNamespace, {});
      left = sets.ok() ? std::to_string(sets->items.size()) + " DaemonSets" : sets.status().ToString();
      return sets.ok() && sets->items.empty();
    })) << left << " left in " << kNamespace;
    if (operator_) {
      EXPECT_EQ(operator_->Terminate(seconds(30)), 0) << operator_->Output();
    }
    operator_.reset();
    EXPECT_EQ(env.RigCommand("kubectl delete nodes -l feature.node.kubernetes.io/pci-10de.present=true --wait"), 0);
    EXPECT_TRUE(rig::Eventually([&] {
      auto pods = client->ListAll(r::Pods(), kNamespace, {});
      left = pods.ok() ? std::to_string(pods->items.size()) + " pods" : pods.status().ToString();
      return pods.ok() && pods->items.empty();
    })) << left << " left in " << kNamespace;
  }
  void SetUp() override { client_ = rig::RigEnvironment::Get().NewClient(); }

  std::map<std::string, NodeView> Fleet() {
    const auto keys = upgrade::KeysForDriver("gpu");
    std::map<std::string, NodeView> out;
    auto nodes = client_->ListAll(r::Nodes(), "", {.label_selector = "nvidia.com/gpu.present=true"});
    if (!nodes.ok()) return out;
    for (const auto& n : nodes->items) {
      const json t = n.Tree();
      NodeView& v = out[n.name()];
      v.state = t["metadata"]["labels"].value(keys.state_label, "");
      v.cordoned = t["spec"].value("unschedulable", false);
      for (const auto& c : t["status"].value("conditions", json::array())) {
        if (c.value("type", "") == "Ready") v.ready = c.value("status", "") == "True";
      }
    }
    auto pods = client_->ListAll(r::Pods(), kNamespace, {.label_selector = "app.kubernetes.io/component=nvidia-driver"});
    if (pods.ok()) {
      for (const auto& p : pods->items) {
        const json t = p.Tree();
        if (t["metadata"].contains("deletionTimestamp")) continue;
        auto it = out.find(t["spec"].value("nodeName", ""));
        if (it == out.end()) continue;
        it->second.driver_image = t["spec"]["containers"][0].value("image", "");
        it->second.driver_uid = p.meta().uid;
      }
    }
    return out;
  }
  static std::string Describe(const std::map<std::string, NodeView>& fleet) {
    std::string out;
    for (const auto& [name, v] : fleet) {
      out += name + "=" + (v.state.empty() ? "-" : v.state) + (v.cordoned ? "(cordoned)" : "") +
             (v.ready ? "" : "(NotReady)") + " ";
    }
    return out;
  }
  static bool Renewed(const NodeView& v) { return v.driver_image.find(":" + kNewVersion + "-") != std::string::npos; }

  json Policy() {
    auto p = client_->Get(gpu::ClusterPolicies(), "", "cluster-policy");
    return p.ok() ? p->Tree() : json::object();
  }
  int ReadyPods(const std::string& ns, const std::string& selector) {
    auto pods = client_->ListAll(r::Pods(), ns, {.label_selector = selector});
    if (!pods.ok()) return -1;
    int ready = 0;
    for (const auto& p : pods->items) {
      for (const auto& c : p.Tree()["status"].value("conditions", json::array())) {
        if (c.value("type", "") == "Ready" && c.value("status", "") == "True") ++ready;
      }
    }
    return ready;
  }
  void Apply(const kube::Resource& res, const std::string& object) {
    auto a = client_->Apply(res, json::parse(object), {"fleet-test", true, ""});
    ASSERT_TRUE(a.ok()) << a.status().ToString();
  }
  void PatchStatus(const kube::Resource& res, const std::string& ns, const std::string& name, const json& status) {
    auto p = client_->Patch(res, ns, name, kube::PatchType::kMerge, json({{"status", status}}).dump(), "status");
    ASSERT_TRUE(p.ok()) << name << ": " << p.status().ToString();
  }
  std::string OperatorLog() {
    const std::string log = operator_->Output();
    return "operator log tail:\n" + log.substr(log.size() > 4000 ? log.size() - 4000 : 0);
  }

  static inline std::unique_ptr<rig::ChildProcess> operator_;
  std::shared_ptr<kube::Client> client_;
};

TEST_F(GpuFleetUpgradeTest, TheFleetSettlesWithGpuWorkOnIt) {
  std::string seen;
  EXPECT_TRUE(Eventually([&] {
    const auto fleet = Fleet();
    seen = Describe(fleet);
    int done = 0;
    for (const auto& [name, v] : fleet) done += v.state == "upgrade-done" && !v.driver_image.empty() ? 1 : 0;
    return fleet.size() == kNodes && done == kNodes;
  })) << seen;
  // Each node's GPUs, once its device plugin runs.
  EXPECT_TRUE(Eventually([&] {
    return ReadyPods(kNamespace, "app=nvidia-device-plugin-daemonset") == kNodes;
  }));
  std::string out;
  ASSERT_EQ(rig::Shell(std::string(ACCELOPS_SOURCE_DIR) + "/hack/gpu-advertise " +
                           rig::RigEnvironment::Get().kubeconfig() + " " + kNamespace + " 8",
                       &out),
            0)
      << out;

  ASSERT_TRUE(client_->Create(r::Namespaces(), {{"apiVersion", "v1"}, {"kind", "Namespace"},
                                                {"metadata", {{"name", kWork}}}}).ok());
  Apply(r::Deployments(), R"({"apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "train", "namespace": "gpu-work"},
    "spec": {"replicas": 12, "selector": {"matchLabels": {"app": "train"}},
      "template": {"metadata": {"labels": {"app": "train"}},
        "spec": {"containers": [{"name": "train", "image": "example/train:1",
                                 "resources": {"limits": {"nvidia.com/gpu": "1"}}}]}}}})");
  Apply(kPdbs, R"({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
    "metadata": {"name": "train", "namespace": "gpu-work"},
    "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "train"}}}})");
  Apply(kJobs, R"({"apiVersion": "batch/v1", "kind": "Job",
    "metadata": {"name": "batch", "namespace": "gpu-work"},
    "spec": {"backoffLimit": 0, "template": {"metadata": {"labels": {"fleet-role": "batch"}},
      "spec": {"restartPolicy": "Never", "nodeSelector": {"kubernetes.io/hostname": "fleet-u-0"},
               "containers": [{"name": "batch", "image": "example/batch:1",
                               "resources": {"limits": {"nvidia.com/gpu": "1"}}}]}}}})");
  EXPECT_TRUE(Eventually([&] {
    return ReadyPods(kWork, "app=train") == 12 && ReadyPods(kWork, "fleet-role=batch") == 1;
  })) << "train pods ready: " << ReadyPods(kWork, "app=train");
  EXPECT_TRUE(Eventually([&] {
    auto p = client_->Get(kPdbs, kWork, "train");
    return p.ok() && p->Tree()["status"].value("currentHealthy", 0) == 12;
  }));
  EXPECT_TRUE(Eventually([&] { return Policy()["status"]["upgrade"].value("summary", "") == "20/20 upgraded"; }))
      << Policy()["status"].dump();
}

TEST_F(GpuFleetUpgradeTest, ANewDriverRollsThroughWithinTheLimitsAndItsFaultsStayContained) {
  ASSERT_TRUE(client_->Patch(r::Nodes(), "", kByHand, kube::PatchType::kMerge, R"({"spec": {"unschedulable": true}})")
                  .ok());
  std::map<std::string, std::set<std::string>> driver_pods;  // node -> driver pod uids seen
  std::set<std::string> upgrading;                           // in progress at the last look
  std::vector<std::string> broken;                           // the limits, where they did not hold
  int most_upgrading = 0;
  std::string seen;
  // One sample: the limits checked against the last one.
  auto sample = [&] {
    const auto fleet = Fleet();
    seen = Describe(fleet);
    std::set<std::string> now;
    int unavailable = 0;
    for (const auto& [name, v] : fleet) {
      if (!v.driver_uid.empty()) driver_pods[name].insert(v.driver_uid);
      // A node cordoned by hand costs no slot (as upstream): it goes whenever it is its turn.
      if (InProgress(v.state) && name != kByHand) now.insert(name);
      if (v.cordoned || !v.ready || v.state == "cordon-required") ++unavailable;
    }
    most_upgrading = std::max<int>(most_upgrading, static_cast<int>(now.size()));
    if (now.size() > kMaxParallel) broken.push_back("more than maxParallelUpgrades: " + seen);
    for (const auto& name : now) {
      if (!upgrading.count(name) && unavailable > kMaxUnavailable) {
        broken.push_back(name + " started with " + std::to_string(unavailable) + " nodes unavailable: " + seen);
      }
    }
    upgrading = now;
    auto pdb = client_->Get(kPdbs, kWork, "train");
    if (pdb.ok()) {
      const json s = pdb->Tree()["status"];
      if (s.value("currentHealthy", 0) < s.value("desiredHealthy", 0)) {
        broken.push_back("the budget was broken: " + s.dump());
      }
    }
    return fleet;
  };
  sample();
  auto changed = client_->Patch(gpu::ClusterPolicies(), "", "cluster-policy", kube::PatchType::kMerge,
                                json({{"spec", {{"driver", {{"version", kNewVersion}}}}}}).dump());
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();

  // The Job holds its node in wait-for-jobs while others finish. Then a finished node with no
  // train pod (a NotReady node's pods count against the budget) goes NotReady. The operator is
  // stopped around that fault, so that what its next pass reads is what the sample shows (a pass
  // in flight could plan from the node as it was a moment before).
  std::string down;
  auto train_pods_on = [&](const std::string& node) {
    auto pods = client_->ListAll(r::Pods(), kWork, {.label_selector = "app=train", .field_selector = "spec.nodeName=" + node});
    return pods.ok() ? static_cast<int>(pods->items.size()) : -1;
  };
  ASSERT_TRUE(Eventually([&] {
    const auto fleet = sample();
    if (fleet.count(kJobNode) == 0 || fleet.at(kJobNode).state != "wait-for-jobs-required") return false;
    for (const auto& [name, v] : fleet) {
      if (name != kByHand && v.state == "upgrade-done" && Renewed(v) && train_pods_on(name) == 0) down = name;
    }
    return !down.empty();
  }, milliseconds(180000))) << seen << "\n" << OperatorLog();
  operator_->Signal(SIGKILL);
  operator_->Wait(seconds(30));
  ASSERT_TRUE(client_->Patch(r::Nodes(), "", down, kube::PatchType::kMerge,
                             R"({"metadata": {"labels": {"rig.kwok/down": "true"}}})").ok());
  auto node = client_->Get(r::Nodes(), "", down);
  ASSERT_TRUE(node.ok());
  json conditions = node->Tree()["status"]["conditions"];
  for (auto& c : conditions) {
    if (c.value("type", "") == "Ready") {
      c["status"] = "False";
      c["reason"] = "KubeletNotReady";
      c["message"] = "the test took the node down";
    }
  }
  PatchStatus(r::Nodes(), "", down, {{"conditions", conditions}});
  sample();
  operator_ = rig::StartGpuOperator(kNamespace);
  ASSERT_TRUE(operator_->WaitForOutput("starting workers", seconds(60))) << operator_->Output();
  // Two more nodes start while it is down (each within what is left of maxUnavailable); then it
  // comes back.
  std::set<std::string> before = upgrading, started;
  EXPECT_TRUE(Eventually([&] {
    const auto fleet = sample();
    for (const auto& name : upgrading) {
      if (!before.count(name)) started.insert(name);
    }
    const bool all_on_their_way = std::all_of(fleet.begin(), fleet.end(), [](const auto& e) {
      return e.second.state != "upgrade-required";
    });
    return started.size() >= 2 || all_on_their_way;
  }, milliseconds(180000))) << seen << "\n" << OperatorLog();
  EXPECT_FALSE(Fleet()[down].ready) << "the node came back by itself";
  ASSERT_TRUE(client_->Patch(r::Nodes(), "", down, kube::PatchType::kMerge,
                             R"({"metadata": {"labels": {"rig.kwok/down": null}}})").ok());

  // Everything else comes to rest: renewed and done, but the node whose new driver crash-loops,
  // which fails and stays cordoned. The Job's node still waits.
  EXPECT_TRUE(Eventually([&] {
    const auto fleet = sample();
    if (fleet.size() != kNodes) return false;
    for (const auto& [name, v] : fleet) {
      if (name == kJobNode) {
        if (v.state != "wait-for-jobs-required") return false;
      } else if (name == kStuck) {
        if (v.state != "upgrade-failed" || !v.cordoned) return false;
      } else if (v.state != "upgrade-done" || !Renewed(v) || v.cordoned != (name == kByHand)) {
        return false;
      }
    }
    return true;
  }, milliseconds(300000))) << seen << "\n" << OperatorLog();
  // The policy's status follows the nodes on its next reconcile.
  json failed;
  EXPECT_TRUE(Eventually([&] {
    failed = Policy()["status"]["upgrade"];
    return failed.value("failed", 0) == 1;
  })) << failed.dump();
  ASSERT_EQ(failed.value("failedNodes", json::array()).size(), 1u) << failed.dump();
  EXPECT_EQ(failed["failedNodes"][0].value("name", ""), kStuck);
  EXPECT_NE(failed["failedNodes"][0].value("reason", "").find("restarted 11 times"), std::string::npos)
      << failed.dump();
  EXPECT_TRUE(Eventually([&] {
    auto events = client_->ListAll(r::Events(), "default", {.field_selector = "involvedObject.name=" + kStuck});
    if (!events.ok()) return false;
    for (const auto& e : events->items) {
      if (e.Tree().value("reason", "") == "DriverUpgradeFailed" && e.Tree().value("type", "") == "Warning") return true;
    }
    return false;
  })) << "no Warning Event on the failed node";

  // The Job finishes and its node goes on.
  auto job_pods = client_->ListAll(r::Pods(), kWork, {.label_selector = "fleet-role=batch"});
  ASSERT_TRUE(job_pods.ok());
  ASSERT_EQ(job_pods->items.size(), 1u);
  json finished = job_pods->items[0].Tree()["status"];
  finished["phase"] = "Succeeded";
  for (auto& c : finished["conditions"]) {
    if (c.value("type", "") == "Ready" || c.value("type", "") == "ContainersReady") c["status"] = "False";
  }
  for (auto& c : finished["containerStatuses"]) {
    c["ready"] = false;
    c["started"] = false;
    c["state"] = {{"terminated", {{"exitCode", 0}, {"reason", "Completed"}, {"finishedAt", c["state"]["running"]["startedAt"]},
                                  {"startedAt", c["state"]["running"]["startedAt"]}}}};
  }
  PatchStatus(r::Pods(), kWork, job_pods->items[0].name(), finished);

  // The crash-looping pod fixed by hand (Ready, in sync): its node finishes too.
  auto stuck_pods = client_->ListAll(r::Pods(), kNamespace, {.label_selector = "app.kubernetes.io/component=nvidia-driver",
                                                             .field_selector = "spec.nodeName=" + kStuck});
  ASSERT_TRUE(stuck_pods.ok());
  ASSERT_EQ(stuck_pods->items.size(), 1u);
  json fixed = stuck_pods->items[0].Tree()["status"];
  for (auto& c : fixed["conditions"]) c["status"] = "True";
  for (auto& c : fixed["containerStatuses"]) {
    c["ready"] = true;
    c["started"] = true;
    c["state"] = {{"running", {{"startedAt", c["lastState"]["terminated"]["finishedAt"]}}}};
  }
  PatchStatus(r::Pods(), kNamespace, stuck_pods->items[0].name(), fixed);

  EXPECT_TRUE(Eventually([&] {
    const auto fleet = sample();
    if (fleet.size() != kNodes) return false;
    for (const auto& [name, v] : fleet) {
      if (v.state != "upgrade-done" || !Renewed(v) || v.cordoned != (name == kByHand) || !v.ready) return false;
    }
    return Policy()["status"]["upgrade"].value("summary", "") == "20/20 upgraded";
  }, milliseconds(180000))) << seen << "\n" << Policy()["status"].dump() << "\n" << OperatorLog();

  for (const auto& b : broken) ADD_FAILURE() << b;
  EXPECT_GE(most_upgrading, 2) << "the upgrade never ran nodes in parallel";
  for (const auto& [name, uids] : driver_pods) {
    EXPECT_EQ(uids.size(), 2u) << name << ": its driver pod should be replaced exactly once";
  }
  EXPECT_TRUE(Eventually([&] { return ReadyPods(kWork, "app=train") == 12; }));
  auto job = client_->Get(kJobs, kWork, "batch");
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->Tree()["status"].value("succeeded", 0), 1) << "the Job ran to its end, not evicted";
}

}  // namespace
