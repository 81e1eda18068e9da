// The driver upgrade engine against the real control plane: a driver
// DaemonSet (OnDelete) on six kwok nodes, workload pods behind a
// PodDisruptionBudget, one node cordoned by hand. Its template changes; passes
// run until every node is upgrade-done, and after every pass no more nodes are
// down than maxUnavailable allows and the budget holds.

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <thread>

#include <nlohmann/json.hpp>

#include "eventually.h"
#include "kube/event_recorder.h"
#include "kube/metrics.h"
#include "rig_environment.h"
#include "upgrade_pass.h"
#include "upgrade_policy.h"
#include "upgrade_reconciler.h"

namespace {

using nlohmann::json;
namespace r = kube::resources;

const kube::Resource kPdbs{"policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true};

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

json DriverDaemonSet(const std::string& ns, const std::string& image, const std::string& nodes = "driver") {
  return json::parse(R"({"apiVersion": "apps/v1", "kind": "DaemonSet",
    "metadata": {"name": "fake-ofed", "namespace": ")" + ns + R"(", "labels": {"app": "fake-ofed"}},
    "spec": {"selector": {"matchLabels": {"app": "fake-ofed"}}, "updateStrategy": {"type": "OnDelete"},
      "template": {"metadata": {"labels": {"app": "fake-ofed"}},
        "spec": {"nodeSelector": {"upgrade-engine": ")" + nodes + R"("},
                 "containers": [{"name": "driver", "image": ")" + image + R"("}]}}}})");
}

TEST(DriverUpgradeEngine, AFleetUpgradesWithinItsLimitsAndTheBudgetHolds) {
  auto& env = rig::RigEnvironment::Get();
  auto client = env.NewClient();
  ASSERT_EQ(env.RigCommand("nodes 6 --prefix upg --labels upgrade-engine=driver"), 0);
  const std::string ns = env.NewNamespace("upgrade-engine");
  const kube::ApplyOptions apply{"test", true, ""};
  ASSERT_TRUE(client->Apply(r::DaemonSets(), DriverDaemonSet(ns, "fake/ofed:1"), apply).ok());
  const json work = json::parse(R"({"apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "work", "namespace": ")" + ns + R"("},
    "spec": {"replicas": 6, "selector": {"matchLabels": {"app": "work"}},
      "template": {"metadata": {"labels": {"app": "work"}},
        "spec": {"nodeSelector": {"upgrade-engine": "driver"}, "containers": [{"name": "w", "image": "fake/work"}]}}}})");
  ASSERT_TRUE(client->Apply(r::Deployments(), work, apply).ok());
  const json pdb = json::parse(R"({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
    "metadata": {"name": "work", "namespace": ")" + ns + R"("},
    "spec": {"minAvailable": 5, "selector": {"matchLabels": {"app": "work"}}}})");
  ASSERT_TRUE(client->Apply(kPdbs, pdb, apply).ok());

  auto ready_pods = [&](const std::string& selector) {
    auto pods = client->ListAll(r::Pods(), ns, {.label_selector = selector});
    int ready = 0;
    if (!pods.ok()) return -1;
    for (const auto& p : pods->items) {
      const json t = p.Tree();
      if (t["metadata"].contains("deletionTimestamp")) continue;
      for (const auto& c : t["status"].value("conditions", json::array())) {
        if (c.value("type", "") == "Ready" && c.value("status", "") == "True") ++ready;
      }
    }
    return ready;
  };
  ASSERT_TRUE(rig::Eventually([&] { return ready_pods("app=fake-ofed") == 6 && ready_pods("app=work") == 6; }))
      << "driver pods ready: " << ready_pods("app=fake-ofed") << ", work pods ready: " << ready_pods("app=work");
  auto budget_healthy = [&] {
    auto p = client->Get(kPdbs, ns, "work");
    return p.ok() ? p->Tree()["status"].value("currentHealthy", 0) : 0;
  };
  ASSERT_TRUE(rig::Eventually([&] { return budget_healthy() == 6; }));
  // Cordoned by hand before the upgrade: it stays cordoned after it.
  ASSERT_TRUE(client->Patch(r::Nodes(), "", "upg-3", kube::PatchType::kMerge, R"({"spec": {"unschedulable": true}})").ok());

  auto policy = upgrade::ParseUpgradePolicy(
      json::parse(R"({"autoUpgrade": true, "maxParallelUpgrades": 2, "maxUnavailable": "34%",
                      "drain": {"enable": true, "podSelector": "app=work", "timeoutSeconds": 600}})"),
      upgrade::OfedDriverDefaults(), "spec.ofedDriver.upgradePolicy");
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  upgrade::UpgradePass pass(*client, nullptr, {upgrade::KeysForDriver("ofed"), upgrade::OfedDriverFlow(), ns, "app=fake-ofed", ""});

  // In sync: the nodes are marked done once, then a pass has nothing to do.
  auto first = pass.Run(*policy, Now());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->plan.steps.size(), 6u);
  EXPECT_TRUE(first->failures.empty()) << first->failures[0];
  auto rest = pass.Run(*policy, Now());
  ASSERT_TRUE(rest.ok());
  EXPECT_TRUE(rest->plan.steps.empty()) << rest->plan.steps.size() << " steps at rest";

  // The new driver: the DaemonSet controller records a second revision; the pods stay (OnDelete).
  ASSERT_TRUE(client->Apply(r::DaemonSets(), DriverDaemonSet(ns, "fake/ofed:2"), apply).ok());
  ASSERT_TRUE(rig::Eventually([&] {
    auto revs = client->ListAll(r::ControllerRevisions(), ns, {.label_selector = "app=fake-ofed"});
    return revs.ok() && revs->items.size() == 2;
  }));

  std::string last;
  int passes = 0;
  int max_down = 0;
  const bool converged = rig::Eventually(
      [&] {
        auto done = pass.Run(*policy, Now());
        if (!done.ok()) {
          last = done.status().ToString();
          return false;
        }
        ++passes;
        auto nodes = client->ListAll(r::Nodes(), "", {.label_selector = "upgrade-engine=driver"});
        if (!nodes.ok()) return false;
        int down = 0, finished = 0;
        last.clear();
        for (const auto& n : nodes->items) {
          const json t = n.Tree();
          const bool cordoned = t["spec"].value("unschedulable", false);
          const std::string state = t["metadata"]["labels"].value("nvidia.com/ofed-driver-upgrade-state", "");
          down += cordoned || state == "cordon-required";
          finished += state == "upgrade-done" && done->plan.steps.empty();
          last += " " + n.name() + "=" + state + (cordoned ? "(cordoned)" : "");
        }
        max_down = std::max(max_down, down);
        EXPECT_LE(down, 3) << "34% of 6 rounds up to 3, the node cordoned by hand among them:" << last;
        EXPECT_GE(budget_healthy(), 5) << "the PodDisruptionBudget held";
        for (const auto& f : done->failures) last += "\n  failed step: " + f;
        return finished == 6;
      },
      std::chrono::seconds(90));
  ASSERT_TRUE(converged) << "after " << passes << " passes:" << last;
  EXPECT_GE(max_down, 2) << "nodes upgraded side by side";

  // Every driver pod is the new one; only the node cordoned by hand is still cordoned.
  auto revs = client->ListAll(r::ControllerRevisions(), ns, {.label_selector = "app=fake-ofed"});
  ASSERT_TRUE(revs.ok());
  std::string newest;
  int64_t number = 0;
  for (const auto& rev : revs->items) {
    if (rev.Tree().value("revision", int64_t{0}) > number) {
      number = rev.Tree()["revision"];
      newest = rev.Tree()["metadata"]["labels"].value("controller-revision-hash", "");
    }
  }
  ASSERT_TRUE(rig::Eventually([&] { return ready_pods("app=fake-ofed") == 6; }));
  auto pods = client->ListAll(r::Pods(), ns, {.label_selector = "app=fake-ofed"});
  ASSERT_TRUE(pods.ok());
  for (const auto& p : pods->items) {
    EXPECT_EQ(p.Tree()["metadata"]["labels"].value("controller-revision-hash", ""), newest) << p.name();
  }
  for (int i = 0; i < 6; ++i) {
    auto n = client->Get(r::Nodes(), "", "upg-" + std::to_string(i));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n->Tree()["spec"].value("unschedulable", false), i == 3) << n->name();
    EXPECT_FALSE(n->Tree()["metadata"].value("annotations", json::object()).contains(
        "nvidia.com/ofed-driver-upgrade.node-initial-state.unschedulable"));
  }
  auto after = pass.Run(*policy, Now());
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->plan.steps.empty()) << "at rest again";

  // autoUpgrade off: the state labels go.
  ASSERT_TRUE(pass.Clear().ok());
  auto labelled = client->ListAll(r::Nodes(), "", {.label_selector = "nvidia.com/ofed-driver-upgrade-state"});
  ASSERT_TRUE(labelled.ok());
  EXPECT_TRUE(labelled->items.empty());
  ASSERT_TRUE(client->Patch(r::Nodes(), "", "upg-3", kube::PatchType::kMerge, R"({"spec": {"unschedulable": null}})").ok());
}

// A drain a PodDisruptionBudget blocks past its timeout fails the node, with why in its annotation;
// turning autoUpgrade off then takes the labels and annotations away and uncordons what the engine
// cordoned, while a node cordoned by hand before the upgrade stays cordoned.
TEST(DriverUpgradeEngine, ABlockedDrainFailsTheNodeAndStoppingUncordonsOnlyWhatTheEngineCordoned) {
  auto& env = rig::RigEnvironment::Get();
  auto client = env.NewClient();
  ASSERT_EQ(env.RigCommand("nodes 2 --prefix upgoff --labels upgrade-engine=off"), 0);
  const std::string ns = env.NewNamespace("upgrade-off");
  const kube::ApplyOptions apply{"test", true, ""};
  ASSERT_TRUE(client->Apply(r::DaemonSets(), DriverDaemonSet(ns, "fake/ofed:1", "off"), apply).ok());
  // One workload pod on the first node, which its budget never lets go (a bare pod: the drain
  // takes it only with force).
  const json work = json::parse(R"({"apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "pinned", "namespace": ")" + ns + R"(", "labels": {"app": "pinned"}},
    "spec": {"nodeName": "upgoff-0", "containers": [{"name": "w", "image": "fake/work"}]}})");
  ASSERT_TRUE(client->Apply(r::Pods(), work, apply).ok());
  const json pdb = json::parse(R"({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
    "metadata": {"name": "pinned", "namespace": ")" + ns + R"("},
    "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "pinned"}}}})");
  ASSERT_TRUE(client->Apply(kPdbs, pdb, apply).ok());
  ASSERT_TRUE(rig::Eventually([&] {
    auto p = client->Get(kPdbs, ns, "pinned");
    auto pods = client->ListAll(r::Pods(), ns, {.label_selector = "app=fake-ofed"});
    return p.ok() && p->Tree()["status"].value("currentHealthy", 0) == 1 && pods.ok() && pods->items.size() == 2;
  }));
  ASSERT_TRUE(client->Patch(r::Nodes(), "", "upgoff-1", kube::PatchType::kMerge, R"({"spec": {"unschedulable": true}})").ok());

  auto policy = upgrade::ParseUpgradePolicy(
      json::parse(R"({"autoUpgrade": true, "maxParallelUpgrades": 0,
                      "drain": {"enable": true, "force": true, "podSelector": "app=pinned", "timeoutSeconds": 1}})"),
      upgrade::OfedDriverDefaults(), "spec.ofedDriver.upgradePolicy");
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  const auto keys = upgrade::KeysForDriver("ofed");
  upgrade::UpgradePass pass(*client, nullptr,
                            {keys, upgrade::OfedDriverFlow(), ns, "app=fake-ofed", "", "upgrade-engine=off"});
  ASSERT_TRUE(pass.Run(*policy, Now()).ok());
  ASSERT_TRUE(client->Apply(r::DaemonSets(), DriverDaemonSet(ns, "fake/ofed:2", "off"), apply).ok());
  ASSERT_TRUE(rig::Eventually([&] {
    auto revs = client->ListAll(r::ControllerRevisions(), ns, {.label_selector = "app=fake-ofed"});
    return revs.ok() && revs->items.size() == 2;
  }));
  auto node = [&](const std::string& name) {
    auto n = client->Get(r::Nodes(), "", name);
    return n.ok() ? n->Tree() : json::object();
  };
  auto state = [&](const std::string& name) {
    return node(name)["metadata"].value("labels", json::object()).value(keys.state_label, "");
  };
  // upgoff-1 (cordoned by hand) upgrades; upgoff-0's drain is refused until its timeout fails it.
  std::string last;
  ASSERT_TRUE(rig::Eventually([&] {
    auto run = pass.Run(*policy, Now());
    if (!run.ok()) return false;
    last = "upgoff-0=" + state("upgoff-0") + " upgoff-1=" + state("upgoff-1");
    return state("upgoff-0") == "upgrade-failed" && state("upgoff-1") == "upgrade-done";
  }, std::chrono::seconds(60))) << last;
  const json failed = node("upgoff-0");
  EXPECT_TRUE(failed["spec"].value("unschedulable", false)) << "a failed node stays cordoned for a person to look at";
  EXPECT_EQ(failed["metadata"]["annotations"].value(keys.failure_annotation, "").rfind("the drain timed out after 1 s", 0), 0u)
      << failed["metadata"].dump();
  auto facts = pass.ReadFleet(*policy);
  ASSERT_TRUE(facts.ok());
  bool seen = false;
  for (const auto& f : *facts) {
    if (f.name == "upgoff-0") seen = f.failure_reason.rfind("the drain timed out", 0) == 0;
  }
  EXPECT_TRUE(seen) << "the reason is read back for the status";

  ASSERT_TRUE(pass.Clear().ok());
  for (const char* name : {"upgoff-0", "upgoff-1"}) {
    const json n = node(name);
    EXPECT_EQ(n["metadata"].value("labels", json::object()).count(keys.state_label), 0u) << name;
    EXPECT_EQ(n["metadata"].value("annotations", json::object()).count(keys.failure_annotation), 0u) << name;
  }
  EXPECT_FALSE(node("upgoff-0")["spec"].value("unschedulable", false)) << "the engine's cordon is undone";
  EXPECT_TRUE(node("upgoff-1")["spec"].value("unschedulable", false)) << "the cordon by hand stays";
  ASSERT_TRUE(client->Patch(r::Nodes(), "", "upgoff-1", kube::PatchType::kMerge, R"({"spec": {"unschedulable": null}})").ok());
}

// The value of an unlabelled gauge in the process's metrics exposition; -1 when absent.
double GaugeValue(const std::string& name) {
  const std::string text = kube::metrics::Default().Render();
  const std::string line = "\n" + name + " ";
  const size_t at = text.find(line);
  return at == std::string::npos ? -1 : std::stod(text.substr(at + line.size()));
}

// The engine as a controller: each reconcile sets upstream's gauges of nodes per state (here with
// the GPU operator's prefix, which gives upstream's names), and a policy without autoUpgrade
// clears the labels and turns the enabled gauge off.
TEST(DriverUpgradeEngine, TheControllerCountsTheNodesInItsGauges) {
  auto& env = rig::RigEnvironment::Get();
  auto client = env.NewClient();
  ASSERT_EQ(env.RigCommand("nodes 3 --prefix upggauge --labels upgrade-engine=gauge"), 0);
  const std::string ns = env.NewNamespace("upgrade-gauge");
  const kube::ApplyOptions apply{"test", true, ""};
  ASSERT_TRUE(client->Apply(r::DaemonSets(), DriverDaemonSet(ns, "fake/ofed:1", "gauge"), apply).ok());
  ASSERT_TRUE(rig::Eventually([&] {
    auto pods = client->ListAll(r::Pods(), ns, {.label_selector = "app=fake-ofed"});
    return pods.ok() && pods->items.size() == 3;
  }));
  const auto keys = upgrade::KeysForDriver("ofed");
  auto policy = upgrade::ParseUpgradePolicy(json::parse(R"({"autoUpgrade": true, "maxParallelUpgrades": 1})"),
                                            upgrade::OfedDriverDefaults(), "spec.ofedDriver.upgradePolicy");
  ASSERT_TRUE(policy.ok());
  upgrade::UpgradeTarget target = upgrade::MakeUpgradeTarget(
      "test/gauges", {keys, upgrade::OfedDriverFlow(), ns, "app=fake-ofed", "", "upgrade-engine=gauge", ""}, policy);
  kube::EventRecorder recorder(*client, "upgrade-gauge-test", "default");
  upgrade::UpgradeReconciler reconciler(*client, recorder, [&] { return std::vector<upgrade::UpgradeTarget>{target}; },
                                        {.metrics_prefix = "gpu_operator_"});
  auto reconcile = [&] {
    auto r = reconciler.Reconcile(kube::ReconcileRequest::FromKey(upgrade::UpgradeReconciler::kKey), {});
    return r.ok();
  };
  ASSERT_TRUE(rig::Eventually([&] { return reconcile() && GaugeValue("gpu_operator_nodes_upgrades_done") == 3; }));
  EXPECT_EQ(GaugeValue("gpu_operator_driver_auto_upgrade_enabled"), 1);

  ASSERT_TRUE(client->Apply(r::DaemonSets(), DriverDaemonSet(ns, "fake/ofed:2", "gauge"), apply).ok());
  // One node at a time: the others wait for a slot while it is on its way.
  bool seen_waiting = false;
  ASSERT_TRUE(rig::Eventually([&] {
    if (!reconcile()) return false;
    if (GaugeValue("gpu_operator_nodes_upgrades_pending") == 2 && GaugeValue("gpu_operator_nodes_upgrades_in_progress") == 1 &&
        GaugeValue("gpu_operator_nodes_upgrades_available") == 0) {
      seen_waiting = true;
    }
    auto pods = client->ListAll(r::Pods(), ns, {.label_selector = "app=fake-ofed"});
    if (!pods.ok() || pods->items.size() != 3) return false;
    for (const auto& p : pods->items) {
      if (p.Tree()["spec"]["containers"][0].value("image", "") != "fake/ofed:2") return false;
    }
    return GaugeValue("gpu_operator_nodes_upgrades_done") == 3 && GaugeValue("gpu_operator_nodes_upgrades_in_progress") == 0;
  })) << "pending " << GaugeValue("gpu_operator_nodes_upgrades_pending") << ", in progress "
      << GaugeValue("gpu_operator_nodes_upgrades_in_progress") << ", done " << GaugeValue("gpu_operator_nodes_upgrades_done");
  EXPECT_TRUE(seen_waiting) << "two nodes were never seen waiting for the one slot";
  EXPECT_EQ(GaugeValue("gpu_operator_nodes_upgrades_failed"), 0);

  target.policy.auto_upgrade = false;
  ASSERT_TRUE(reconcile());
  EXPECT_EQ(GaugeValue("gpu_operator_driver_auto_upgrade_enabled"), 0);
  EXPECT_EQ(GaugeValue("gpu_operator_nodes_upgrades_done"), 0);
  auto nodes = client->ListAll(r::Nodes(), "", {.label_selector = "upgrade-engine=gauge"});
  ASSERT_TRUE(nodes.ok());
  for (const auto& n : nodes->items) EXPECT_EQ(n.Labels().count(keys.state_label), 0u) << n.name();
}

}  // namespace
