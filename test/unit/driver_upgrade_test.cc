// The driver upgrade engine's pure parts: upstream's keys and state names, the
// policy with each driver's defaults, and PlanUpgrade's passes, driven to the
// end over a simulated fleet whose availability is checked after every pass.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "node_facts.h"
#include "upgrade_keys.h"
#include "upgrade_plan.h"
#include "upgrade_policy.h"
#include "upgrade_state.h"
#include "upgrade_status.h"
#include "upgrade/ofed_upgrade_status.h"
#include "upgrade/ofed_upgrade_targets.h"

namespace {

using nlohmann::json;
using upgrade::Action;
using upgrade::NodeFacts;
using upgrade::UpgradeState;
using S = upgrade::UpgradeState;

TEST(DriverUpgradeKeys, AreUpstreamsNames) {
  const auto gpu = upgrade::KeysForDriver("gpu");
  EXPECT_EQ(gpu.state_label, "nvidia.com/gpu-driver-upgrade-state");
  EXPECT_EQ(gpu.skip_label, "nvidia.com/gpu-driver-upgrade.skip");
  EXPECT_EQ(gpu.drain_skip_label, "nvidia.com/gpu-driver-upgrade-drain.skip");
  EXPECT_EQ(gpu.safe_load_annotation, "nvidia.com/gpu-driver-upgrade.driver-wait-for-safe-load");
  EXPECT_EQ(gpu.initial_unschedulable_annotation, "nvidia.com/gpu-driver-upgrade.node-initial-state.unschedulable");
  EXPECT_EQ(gpu.wait_start_annotation, "nvidia.com/gpu-driver-upgrade-wait-for-pod-completion-start-time");
  EXPECT_EQ(gpu.validation_start_annotation, "nvidia.com/gpu-driver-upgrade-validation-start-time");
  EXPECT_EQ(gpu.requested_annotation, "nvidia.com/gpu-driver-upgrade-requested");
  const auto ofed = upgrade::KeysForDriver("ofed");
  EXPECT_EQ(ofed.state_label, "nvidia.com/ofed-driver-upgrade-state");
  EXPECT_EQ(ofed.skip_label, "nvidia.com/ofed-driver-upgrade.skip");
  EXPECT_EQ(ofed.failure_annotation, "nvidia.com/ofed-driver-upgrade-failure-reason");
}

TEST(DriverUpgradeState, NamesRoundTrip) {
  for (S s : {S::kUnknown, S::kUpgradeRequired, S::kCordonRequired, S::kWaitForJobsRequired, S::kPodDeletionRequired,
              S::kDrainRequired, S::kPodRestartRequired, S::kValidationRequired, S::kUncordonRequired, S::kUpgradeDone,
              S::kUpgradeFailed}) {
    EXPECT_EQ(upgrade::ParseState(upgrade::StateName(s)), s) << upgrade::StateName(s);
  }
  EXPECT_EQ(upgrade::StateName(S::kWaitForJobsRequired), "wait-for-jobs-required");
  EXPECT_EQ(upgrade::StateName(S::kUnknown), "");
  EXPECT_FALSE(upgrade::ParseState("half-done").has_value());
  EXPECT_FALSE(upgrade::InProgress(S::kUpgradeRequired));
  EXPECT_TRUE(upgrade::InProgress(S::kUpgradeFailed));
}

TEST(DriverUpgradePolicy, TakesEachDriversDefaults) {
  auto gpu = upgrade::ParseUpgradePolicy(json(), upgrade::GpuDriverDefaults(), "spec.driver.upgradePolicy");
  ASSERT_TRUE(gpu.ok()) << gpu.status().ToString();
  EXPECT_FALSE(gpu->auto_upgrade);
  EXPECT_EQ(gpu->max_parallel_upgrades, 1);
  EXPECT_EQ(gpu->max_unavailable, "25%");
  EXPECT_FALSE(gpu->drain.enable);
  EXPECT_EQ(gpu->drain.timeout_seconds, 300);
  EXPECT_EQ(gpu->pod_deletion.timeout_seconds, 300);
  EXPECT_EQ(gpu->wait_for_completion.timeout_seconds, 0);
  auto ofed = upgrade::ParseUpgradePolicy(json::object({{"autoUpgrade", true}}), upgrade::OfedDriverDefaults(),
                                          "spec.ofedDriver.upgradePolicy");
  ASSERT_TRUE(ofed.ok());
  EXPECT_TRUE(ofed->auto_upgrade);
  EXPECT_TRUE(ofed->drain.enable);
  EXPECT_EQ(ofed->max_unavailable, "");
  EXPECT_EQ(upgrade::ResolveMaxUnavailable(ofed->max_unavailable, 7), 7);
  // An NVIDIADriver upgrades itself unless it says otherwise; a ClusterPolicy only when it says so.
  auto nvidia_driver = upgrade::ParseUpgradePolicy(json(), upgrade::NvidiaDriverDefaults(), "spec.upgradePolicy");
  ASSERT_TRUE(nvidia_driver.ok());
  EXPECT_TRUE(nvidia_driver->auto_upgrade);
  EXPECT_EQ(nvidia_driver->max_unavailable, "25%");

  auto full = upgrade::ParseUpgradePolicy(
      json::parse(R"({"autoUpgrade": true, "maxParallelUpgrades": 0, "maxUnavailable": 2, "safeLoad": true,
        "waitForCompletion": {"podSelector": "app=train", "timeoutSeconds": 60},
        "podDeletion": {"force": true, "timeoutSeconds": 30, "deleteEmptyDir": true},
        "drain": {"enable": true, "force": true, "podSelector": "tier=batch", "timeoutSeconds": 90, "deleteEmptyDir": true}})"),
      upgrade::GpuDriverDefaults(), "spec.driver.upgradePolicy");
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  EXPECT_EQ(full->max_parallel_upgrades, 0);
  EXPECT_EQ(full->max_unavailable, "2");
  EXPECT_TRUE(full->safe_load);
  EXPECT_EQ(full->wait_for_completion.pod_selector, "app=train");
  EXPECT_EQ(full->wait_for_completion.timeout_seconds, 60);
  EXPECT_TRUE(full->pod_deletion.force);
  EXPECT_TRUE(full->pod_deletion.delete_empty_dir);
  EXPECT_EQ(full->drain.pod_selector, "tier=batch");
  EXPECT_EQ(full->drain.timeout_seconds, 90);
}

TEST(DriverUpgradePolicy, BadValuesNameTheField) {
  const std::map<std::string, std::string> cases = {
      {R"({"maxUnavailable": "a quarter"})", "spec.driver.upgradePolicy.maxUnavailable: must be a node count"},
      {R"({"maxUnavailable": "25%%"})", "spec.driver.upgradePolicy.maxUnavailable"},
      {R"({"maxUnavailable": -1})", "spec.driver.upgradePolicy.maxUnavailable"},
      {R"({"maxParallelUpgrades": -2})", "spec.driver.upgradePolicy.maxParallelUpgrades: must be a whole number"},
      {R"({"autoUpgrade": "yes"})", "spec.driver.upgradePolicy.autoUpgrade: must be true or false"},
      {R"({"drain": {"timeoutSeconds": "5m"}})", "spec.driver.upgradePolicy.drain.timeoutSeconds"},
      {R"({"drain": true})", "spec.driver.upgradePolicy.drain: must be an object"},
      {R"({"waitForCompletion": {"podSelector": 3}})", "spec.driver.upgradePolicy.waitForCompletion.podSelector"},
  };
  for (const auto& [policy, message] : cases) {
    auto parsed = upgrade::ParseUpgradePolicy(json::parse(policy), upgrade::GpuDriverDefaults(),
                                              "spec.driver.upgradePolicy");
    ASSERT_FALSE(parsed.ok()) << policy;
    EXPECT_NE(parsed.status().message().find(message), std::string::npos) << policy << ": " << parsed.status().ToString();
  }
}

TEST(DriverUpgradePolicy, PercentagesRoundUp) {
  EXPECT_EQ(upgrade::ResolveMaxUnavailable("25%", 10), 3);
  EXPECT_EQ(upgrade::ResolveMaxUnavailable("25%", 1), 1);
  EXPECT_EQ(upgrade::ResolveMaxUnavailable("10%", 1000), 100);
  EXPECT_EQ(upgrade::ResolveMaxUnavailable("0%", 50), 0);
  EXPECT_EQ(upgrade::ResolveMaxUnavailable("100%", 20), 20);
  EXPECT_EQ(upgrade::ResolveMaxUnavailable("4", 20), 4);
}

upgrade::UpgradePolicy Policy(const std::string& text) {
  auto p = upgrade::ParseUpgradePolicy(json::parse(text), upgrade::GpuDriverDefaults(), "upgradePolicy");
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return *p;
}

NodeFacts Node(const std::string& name, S state, bool in_sync = true) {
  NodeFacts n;
  n.name = name;
  n.state = state;
  n.pod = {true, in_sync, false, true, 0};
  return n;
}

std::optional<upgrade::NodeStep> StepOf(const upgrade::UpgradePlan& plan, const std::string& node) {
  for (const auto& s : plan.steps) {
    if (s.node == node) return s;
  }
  return std::nullopt;
}

bool Has(const std::optional<upgrade::NodeStep>& step, Action a) {
  return step && std::find(step->actions.begin(), step->actions.end(), a) != step->actions.end();
}

TEST(DriverUpgradePlan, AFleetAtRestHasNothingToDo) {
  std::vector<NodeFacts> nodes;
  for (int i = 0; i < 5; ++i) nodes.push_back(Node("n" + std::to_string(i), S::kUpgradeDone));
  const auto plan = upgrade::PlanUpgrade(nodes, Policy("{}"), upgrade::GpuDriverFlow(), 1000);
  EXPECT_TRUE(plan.steps.empty());
  EXPECT_EQ(plan.counts.done, 5);
  // Unlabelled nodes in sync are marked done, once.
  nodes[0].state = S::kUnknown;
  const auto first = upgrade::PlanUpgrade(nodes, Policy("{}"), upgrade::GpuDriverFlow(), 1000);
  ASSERT_EQ(first.steps.size(), 1u);
  EXPECT_EQ(first.steps[0].to, S::kUpgradeDone);
}

TEST(DriverUpgradePlan, SlotsFollowParallelismAndAvailability) {
  std::vector<NodeFacts> nodes;
  for (int i = 0; i < 10; ++i) nodes.push_back(Node("n" + std::to_string(i), S::kUpgradeRequired, false));
  // maxParallelUpgrades 5, maxUnavailable 25% of 10 = 3: three start.
  auto plan = upgrade::PlanUpgrade(nodes, Policy(R"({"maxParallelUpgrades": 5})"), upgrade::GpuDriverFlow(), 0);
  EXPECT_EQ(plan.counts.max_unavailable, 3);
  EXPECT_EQ(plan.slots, 3);
  EXPECT_EQ(plan.steps.size(), 3u);
  // One NotReady and one in progress (cordoned): one slot left.
  nodes[8].ready = false;
  nodes[9].state = S::kDrainRequired;
  nodes[9].unschedulable = true;
  nodes[9].pods_to_drain = 1;
  nodes[9].eviction_started = 0;
  plan = upgrade::PlanUpgrade(nodes, Policy(R"({"maxParallelUpgrades": 5})"), upgrade::GpuDriverFlow(), 1);
  EXPECT_EQ(plan.counts.unavailable, 2);
  EXPECT_EQ(plan.slots, 1);
  EXPECT_EQ(StepOf(plan, "n0")->to, S::kCordonRequired);
  EXPECT_FALSE(StepOf(plan, "n1"));
  // maxParallelUpgrades 0 is no limit but maxUnavailable's.
  plan = upgrade::PlanUpgrade(nodes, Policy(R"({"maxParallelUpgrades": 0, "maxUnavailable": "100%"})"),
                              upgrade::GpuDriverFlow(), 1);
  EXPECT_EQ(plan.slots, 8);
  // A node cordoned by hand goes without a slot, and first; skipped nodes never go.
  nodes[5].unschedulable = true;
  nodes[0].skip = true;
  plan = upgrade::PlanUpgrade(nodes, Policy(R"({"maxUnavailable": 2})"), upgrade::GpuDriverFlow(), 1);
  EXPECT_EQ(plan.slots, 0);
  ASSERT_TRUE(StepOf(plan, "n5"));
  EXPECT_EQ(StepOf(plan, "n5")->to, S::kCordonRequired);
  EXPECT_FALSE(StepOf(plan, "n0"));
}

TEST(DriverUpgradePlan, AnOutOfDateNodeRemembersItWasCordoned) {
  NodeFacts n = Node("a", S::kUpgradeDone, false);
  n.unschedulable = true;
  auto plan = upgrade::PlanUpgrade({n}, Policy("{}"), upgrade::GpuDriverFlow(), 0);
  ASSERT_EQ(plan.steps.size(), 1u);
  EXPECT_EQ(plan.steps[0].to, S::kUpgradeRequired);
  EXPECT_TRUE(Has(plan.steps[0], Action::kRecordInitiallyUnschedulable));
  // Safe load and a request also start an upgrade of a pod in sync.
  NodeFacts safe = Node("b", S::kUpgradeDone);
  safe.safe_load = true;
  NodeFacts requested = Node("c", S::kUnknown);
  requested.requested = true;
  plan = upgrade::PlanUpgrade({safe, requested}, Policy("{}"), upgrade::GpuDriverFlow(), 0);
  EXPECT_EQ(StepOf(plan, "b")->to, S::kUpgradeRequired);
  EXPECT_EQ(StepOf(plan, "c")->to, S::kUpgradeRequired);
}

TEST(DriverUpgradePlan, TimeoutsAndFailures) {
  const auto flow = upgrade::GpuDriverFlow();
  // Waiting for workloads: the clock starts, then the timeout moves on.
  NodeFacts w = Node("w", S::kWaitForJobsRequired);
  w.unschedulable = true;
  w.pods_to_wait_for = 2;
  const auto wait = Policy(R"({"waitForCompletion": {"podSelector": "app=train", "timeoutSeconds": 60}})");
  EXPECT_TRUE(Has(StepOf(upgrade::PlanUpgrade({w}, wait, flow, 100), "w"), Action::kStartWaitClock));
  w.wait_started = 100;
  EXPECT_FALSE(StepOf(upgrade::PlanUpgrade({w}, wait, flow, 159), "w"));
  EXPECT_EQ(StepOf(upgrade::PlanUpgrade({w}, wait, flow, 160), "w")->to, S::kPodDeletionRequired);
  // Timeout 0 waits for ever.
  const auto forever = Policy(R"({"waitForCompletion": {"podSelector": "app=train"}})");
  EXPECT_FALSE(StepOf(upgrade::PlanUpgrade({w}, forever, flow, 1000000), "w"));

  // Pod deletion that times out drains when drain is on, fails when it is off.
  NodeFacts d = Node("d", S::kPodDeletionRequired);
  d.pods_to_delete = 1;
  d.eviction_started = 0;
  auto step = StepOf(upgrade::PlanUpgrade({d}, Policy("{}"), flow, 300), "d");
  EXPECT_EQ(step->to, S::kUpgradeFailed);
  EXPECT_NE(step->reason.find("1 pods using the driver still there after 300 s"), std::string::npos) << step->reason;
  EXPECT_EQ(StepOf(upgrade::PlanUpgrade({d}, Policy(R"({"drain": {"enable": true}})"), flow, 300), "d")->to,
            S::kDrainRequired);
  EXPECT_TRUE(Has(StepOf(upgrade::PlanUpgrade({d}, Policy("{}"), flow, 299), "d"), Action::kDeleteDriverUsers));

  // A drain blocked (by a PodDisruptionBudget) retries the evictions until its timeout.
  NodeFacts r = Node("r", S::kDrainRequired);
  r.pods_to_drain = 3;
  r.eviction_started = 10;
  const auto drain = Policy(R"({"drain": {"enable": true, "timeoutSeconds": 90}})");
  EXPECT_TRUE(Has(StepOf(upgrade::PlanUpgrade({r}, drain, flow, 50), "r"), Action::kEvict));
  step = StepOf(upgrade::PlanUpgrade({r}, drain, flow, 100), "r");
  EXPECT_EQ(step->to, S::kUpgradeFailed);
  EXPECT_NE(step->reason.find("drain timed out after 90 s with 3 pods left"), std::string::npos) << step->reason;

  // A pod the pod deletion may not take (no controller, force off): the drain tries when it is on,
  // the node fails when it is off; a drain that may not take a pod fails the node.
  NodeFacts u = Node("u", S::kPodDeletionRequired);
  u.pods_to_delete = 1;
  u.removal_refused = "pod ml/solo has no controller to recreate it and force is off";
  step = StepOf(upgrade::PlanUpgrade({u}, Policy("{}"), flow, 0), "u");
  EXPECT_EQ(step->to, S::kUpgradeFailed);
  EXPECT_NE(step->reason.find("pod ml/solo has no controller"), std::string::npos) << step->reason;
  EXPECT_EQ(StepOf(upgrade::PlanUpgrade({u}, Policy(R"({"drain": {"enable": true}})"), flow, 0), "u")->to,
            S::kDrainRequired);
  u.state = S::kDrainRequired;
  u.pods_to_drain = 1;
  step = StepOf(upgrade::PlanUpgrade({u}, Policy(R"({"drain": {"enable": true}})"), flow, 0), "u");
  EXPECT_EQ(step->to, S::kUpgradeFailed);
  EXPECT_NE(step->reason.find("the drain cannot go on: pod ml/solo"), std::string::npos) << step->reason;
  EXPECT_FALSE(Has(step, Action::kEvict)) << "nothing is evicted from a node whose drain cannot finish";

  // A new driver pod that keeps restarting fails the node; fixed by hand, the node finishes.
  NodeFacts p = Node("p", S::kPodRestartRequired);
  p.unschedulable = true;
  p.pod.ready = false;
  p.pod.restarts = 11;
  step = StepOf(upgrade::PlanUpgrade({p}, Policy("{}"), flow, 0), "p");
  EXPECT_EQ(step->to, S::kUpgradeFailed);
  EXPECT_NE(step->reason.find("restarted 11 times"), std::string::npos);
  p.state = S::kUpgradeFailed;
  EXPECT_FALSE(StepOf(upgrade::PlanUpgrade({p}, Policy("{}"), flow, 0), "p"));
  p.pod.ready = true;
  EXPECT_EQ(StepOf(upgrade::PlanUpgrade({p}, Policy("{}"), flow, 0), "p")->to, S::kUncordonRequired);

  // The validator gets 600 s.
  NodeFacts v = Node("v", S::kValidationRequired);
  v.validation_started = 0;
  EXPECT_FALSE(StepOf(upgrade::PlanUpgrade({v}, Policy("{}"), flow, 599), "v"));
  EXPECT_EQ(StepOf(upgrade::PlanUpgrade({v}, Policy("{}"), flow, 600), "v")->to, S::kUpgradeFailed);
  // OFED has no validation and no pod deletion.
  NodeFacts o = Node("o", S::kPodRestartRequired);
  EXPECT_EQ(StepOf(upgrade::PlanUpgrade({o}, Policy("{}"), upgrade::OfedDriverFlow(), 0), "o")->to,
            S::kUncordonRequired);
  NodeFacts ow = Node("ow", S::kWaitForJobsRequired);
  EXPECT_EQ(StepOf(upgrade::PlanUpgrade({ow}, Policy("{}"), upgrade::OfedDriverFlow(), 0), "ow")->to,
            S::kDrainRequired);
}

// A fleet the test plays the cluster for: each pass's steps are carried out (cordon, pods evicted,
// the old driver pod replaced by one in sync, the validator Ready), and after every pass no more
// nodes are down than maxUnavailable allows or upgrading than maxParallelUpgrades.
struct Fleet {
  std::vector<NodeFacts> nodes;
  std::map<std::string, bool> cordoned_by_hand;

  void Apply(const upgrade::UpgradePlan& plan, int64_t now) {
    for (const auto& step : plan.steps) {
      NodeFacts& n = *std::find_if(nodes.begin(), nodes.end(), [&](const NodeFacts& f) { return f.name == step.node; });
      for (Action a : step.actions) {
        switch (a) {
          case Action::kRecordInitiallyUnschedulable: n.initially_unschedulable = true; break;
          case Action::kCordon: n.unschedulable = true; break;
          case Action::kStartWaitClock: n.wait_started = now; break;
          case Action::kStartEvictionClock: n.eviction_started = now; break;
          case Action::kDeleteDriverUsers: n.pods_to_delete = 0; break;
          case Action::kEvict: n.pods_to_drain = std::max(0, n.pods_to_drain - 1); break;  // a PDB lets one go at a time
          case Action::kDeleteDriverPod: n.pod = {true, true, false, true, 0}; break;
          case Action::kRemoveSafeLoad: n.safe_load = false; break;
          case Action::kStartValidationClock: n.validation_started = now; n.validator_ready = true; break;
          case Action::kUncordon: n.unschedulable = false; break;
          case Action::kClearAnnotations:
            n.wait_started.reset();
            n.eviction_started.reset();
            n.validation_started.reset();
            n.requested = false;
            if (step.to == S::kUpgradeDone) n.initially_unschedulable = false;
            break;
        }
      }
      n.state = step.to;
    }
  }
};

TEST(DriverUpgradePlan, TwentyNodesConvergeWithinTheLimits) {
  Fleet fleet;
  for (int i = 0; i < 20; ++i) {
    NodeFacts n = Node("gpu-" + std::to_string(100 + i), S::kUpgradeDone, false);
    n.pods_to_delete = 1;
    n.pods_to_drain = 2;
    n.pods_to_wait_for = i % 3 == 0 ? 1 : 0;
    fleet.nodes.push_back(n);
  }
  fleet.nodes[7].unschedulable = true;  // cordoned by hand before the upgrade
  const auto policy = Policy(
      R"({"autoUpgrade": true, "maxParallelUpgrades": 4, "maxUnavailable": "15%",
          "waitForCompletion": {"podSelector": "app=train", "timeoutSeconds": 30}, "drain": {"enable": true}})");
  int64_t now = 0;
  int passes = 0;
  for (; passes < 500; ++passes, now += 10) {
    const auto plan = upgrade::PlanUpgrade(fleet.nodes, policy, upgrade::GpuDriverFlow(), now);
    if (plan.steps.empty()) break;
    fleet.Apply(plan, now);
    int64_t down = 0, upgrading = 0;
    for (const auto& n : fleet.nodes) {
      down += n.unschedulable || n.state == S::kCordonRequired;
      upgrading += upgrade::InProgress(n.state);
    }
    // 15% of 20 = 3 down at most, the node cordoned by hand among them.
    ASSERT_LE(down, 3) << "pass " << passes;
    ASSERT_LE(upgrading, 4) << "pass " << passes;
  }
  ASSERT_LT(passes, 500);
  for (const auto& n : fleet.nodes) {
    EXPECT_EQ(n.state, S::kUpgradeDone) << n.name;
    EXPECT_TRUE(n.pod.in_sync) << n.name;
    EXPECT_EQ(n.unschedulable, n.name == "gpu-107") << n.name;
  }
  // At rest afterwards: nothing more to do.
  EXPECT_TRUE(upgrade::PlanUpgrade(fleet.nodes, policy, upgrade::GpuDriverFlow(), now).steps.empty());
}

}  // namespace

namespace {

TEST(DriverUpgradeFacts, ReadTheNodeAndItsDriverPod) {
  const auto keys = upgrade::KeysForDriver("gpu");
  const json node = json::parse(R"({
    "metadata": {"name": "gpu-1",
      "labels": {"nvidia.com/gpu-driver-upgrade-state": "drain-required", "nvidia.com/gpu-driver-upgrade.skip": "true"},
      "annotations": {"nvidia.com/gpu-driver-upgrade.node-initial-state.unschedulable": "true",
                      "nvidia.com/gpu-driver-upgrade-eviction-start-time": "1700000000",
                      "nvidia.com/gpu-driver-upgrade-wait-for-pod-completion-start-time": "soon",
                      "nvidia.com/gpu-driver-upgrade.driver-wait-for-safe-load": ""}},
    "spec": {"unschedulable": true},
    "status": {"conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}]}})");
  const NodeFacts n = upgrade::NodeFactsOf(node, keys);
  EXPECT_EQ(n.name, "gpu-1");
  EXPECT_EQ(n.state, S::kDrainRequired);
  EXPECT_TRUE(n.skip);
  EXPECT_TRUE(n.unschedulable);
  EXPECT_TRUE(n.ready);
  EXPECT_TRUE(n.safe_load);
  EXPECT_TRUE(n.initially_unschedulable);
  EXPECT_EQ(n.eviction_started, 1700000000);
  EXPECT_FALSE(n.wait_started.has_value()) << "a clock that is not a number is no clock";
  EXPECT_FALSE(n.requested);

  const NodeFacts bare = upgrade::NodeFactsOf(json::parse(R"({"metadata": {"name": "b",
      "labels": {"nvidia.com/gpu-driver-upgrade-state": "half-way"}}})"), keys);
  EXPECT_EQ(bare.state, S::kUnknown);
  EXPECT_FALSE(bare.ready) << "no Ready condition is not Ready";

  const json pod = json::parse(R"({"metadata": {"labels": {"controller-revision-hash": "abc"}},
    "status": {"phase": "Running", "initContainerStatuses": [{"restartCount": 12, "ready": true}],
               "containerStatuses": [{"ready": true, "restartCount": 1}, {"ready": false, "restartCount": 0}]}})");
  auto p = upgrade::DriverPodFactsOf(pod, "abc");
  EXPECT_TRUE(p.exists);
  EXPECT_TRUE(p.in_sync);
  EXPECT_FALSE(p.ready) << "one container is not Ready";
  EXPECT_EQ(p.restarts, 12);
  EXPECT_FALSE(upgrade::DriverPodFactsOf(pod, "def").in_sync);
  EXPECT_FALSE(upgrade::DriverPodFactsOf(json(), "abc").exists);
}

TEST(DriverUpgradeFacts, WhichPodsThePodDeletionAndTheDrainTake) {
  const auto keys = upgrade::KeysForDriver("gpu");
  const json gpu = json::parse(R"({"metadata": {"name": "train"}, "status": {"phase": "Running"},
    "spec": {"containers": [{"name": "c", "resources": {"limits": {"nvidia.com/gpu": "1"}}}]}})");
  const json mig = json::parse(R"({"metadata": {"name": "m"}, "status": {"phase": "Pending"},
    "spec": {"containers": [{"name": "c", "resources": {"requests": {"nvidia.com/mig-1g.10gb": "1"}}}]}})");
  const json cpu = json::parse(R"({"metadata": {"name": "web"}, "status": {"phase": "Running"},
    "spec": {"containers": [{"name": "c", "resources": {"limits": {"cpu": "1"}}}]}})");
  json finished = gpu;
  finished["status"]["phase"] = "Succeeded";
  json leaving = gpu;
  leaving["metadata"]["deletionTimestamp"] = "2026-12-03T10:00:00Z";
  EXPECT_TRUE(upgrade::UsesGpus(gpu));
  EXPECT_TRUE(upgrade::UsesGpus(mig));
  EXPECT_FALSE(upgrade::UsesGpus(cpu));
  EXPECT_FALSE(upgrade::UsesGpus(finished));
  EXPECT_FALSE(upgrade::UsesGpus(leaving));

  json daemon = cpu;
  daemon["metadata"]["ownerReferences"] = {{{"kind", "DaemonSet"}, {"name", "x"}, {"controller", true}}};
  json skipped = cpu;
  skipped["metadata"]["labels"] = {{"nvidia.com/gpu-driver-upgrade-drain.skip", "true"}};
  json mirror = cpu;
  mirror["metadata"]["annotations"] = {{"kubernetes.io/config.mirror", "abc"}};
  EXPECT_TRUE(upgrade::Drainable(cpu, keys));
  EXPECT_TRUE(upgrade::Drainable(gpu, keys));
  EXPECT_FALSE(upgrade::Drainable(daemon, keys));
  EXPECT_FALSE(upgrade::Drainable(skipped, keys));
  EXPECT_FALSE(upgrade::Drainable(mirror, keys));
  EXPECT_FALSE(upgrade::Drainable(finished, keys));
  EXPECT_FALSE(upgrade::Removable(daemon)) << "its DaemonSet would put it back";
  EXPECT_TRUE(upgrade::Removable(skipped)) << "the skip label is the drain's, not the pod deletion's";

  // What force and deleteEmptyDir allow, as upstream's drain helper has it.
  json managed = gpu;
  managed["metadata"]["namespace"] = "ml";
  managed["metadata"]["ownerReferences"] = {{{"kind", "ReplicaSet"}, {"name", "train-1"}, {"controller", true}}};
  json solo = managed;
  solo["metadata"].erase("ownerReferences");
  json scratch = managed;
  scratch["spec"]["volumes"] = {{{"name", "tmp"}, {"emptyDir", json::object()}}};
  const upgrade::RemovalRules strict{};
  EXPECT_EQ(upgrade::RemovalRefused(managed, strict), "");
  EXPECT_EQ(upgrade::RemovalRefused(solo, strict), "pod ml/train has no controller to recreate it and force is off");
  EXPECT_EQ(upgrade::RemovalRefused(solo, {.force = true}), "");
  EXPECT_EQ(upgrade::RemovalRefused(scratch, strict),
            "pod ml/train keeps data in an emptyDir volume and deleteEmptyDir is off");
  EXPECT_EQ(upgrade::RemovalRefused(scratch, {.delete_empty_dir = true}), "");
}

TEST(DriverUpgradeStatus, CountsTheNodesWithAStateAndNamesTheFailedOnes) {
  auto node = [](std::string name, S state, std::string why = "") {
    NodeFacts n;
    n.name = std::move(name);
    n.state = state;
    n.failure_reason = std::move(why);
    return n;
  };
  const json status = upgrade::UpgradeStatus({node("a", S::kUpgradeDone), node("b", S::kUpgradeDone),
                                              node("c", S::kUpgradeRequired), node("d", S::kDrainRequired),
                                              node("f", S::kUpgradeFailed), node("e", S::kUpgradeFailed, "the drain timed out"),
                                              node("new", S::kUnknown)});
  EXPECT_EQ(status, json::parse(R"({"total": 6, "pending": 1, "inProgress": 1, "done": 2, "failed": 2,
    "failedNodes": [{"name": "e", "reason": "the drain timed out"}, {"name": "f", "reason": "unknown"}],
    "summary": "2/6 upgraded, 1 pending, 1 upgrading, 2 failed"})"));
  EXPECT_EQ(upgrade::UpgradeStatus({node("a", S::kUpgradeDone)})["summary"], "1/1 upgraded");
  EXPECT_EQ(upgrade::UpgradeStatus({})["summary"], "no nodes");
}

TEST(OfedUpgradeStatus, OnlyWithAutoUpgradeOverThePolicysNodes) {
  const auto keys = upgrade::KeysForDriver("ofed");
  std::vector<network::NodeLabels> nodes(3);
  nodes[0].name = "rack-a-1";
  nodes[0].labels = {{"rack", "a"}, {keys.state_label, "upgrade-failed"}};
  nodes[0].annotations = {{keys.failure_annotation, "the new driver pod restarted 11 times without becoming Ready"}};
  nodes[1].name = "rack-a-2";
  nodes[1].labels = {{"rack", "a"}, {keys.state_label, "upgrade-done"}};
  nodes[2].name = "rack-b-1";
  nodes[2].labels = {{"rack", "b"}, {keys.state_label, "cordon-required"}};
  const json on = {{"ofedDriver", {{"upgradePolicy", {{"autoUpgrade", true}}}}}};
  const json rack_a = network::OfedUpgradeStatus(on, nodes, {{"rack", "a"}});
  EXPECT_EQ(rack_a["summary"], "1/2 upgraded, 1 failed");
  EXPECT_EQ(rack_a["failedNodes"][0]["reason"], "the new driver pod restarted 11 times without becoming Ready");
  EXPECT_EQ(network::OfedUpgradeStatus(on, nodes, {})["inProgress"], 1);
  // Off, or no driver: no upgrade part. A policy that does not read says why.
  EXPECT_TRUE(network::OfedUpgradeStatus({{"ofedDriver", json::object()}}, nodes, {}).is_null());
  EXPECT_TRUE(network::OfedUpgradeStatus(json::object(), nodes, {}).is_null());
  const json bad = network::OfedUpgradeStatus(
      {{"ofedDriver", {{"upgradePolicy", {{"autoUpgrade", true}, {"maxUnavailable", "lots"}}}}}}, nodes, {});
  EXPECT_EQ(bad["summary"], "upgradePolicy refused");
  EXPECT_NE(bad.value("error", "").find("spec.ofedDriver.upgradePolicy.maxUnavailable"), std::string::npos) << bad;
  EXPECT_EQ(network::LabelSelectorOf({{"rack", "a"}, {"zone", "1"}}), "rack=a,zone=1");
  EXPECT_EQ(network::LabelSelectorOf({}), "");
}

TEST(DriverUpgradeFacts, TheFailureReasonIsReadBack) {
  const auto keys = upgrade::KeysForDriver("gpu");
  const NodeFacts n = upgrade::NodeFactsOf(
      {{"metadata", {{"name", "g"}, {"labels", {{keys.state_label, "upgrade-failed"}}},
                     {"annotations", {{keys.failure_annotation, "the validator pod was not Ready after 600 s"}}}}}},
      keys);
  EXPECT_EQ(n.state, S::kUpgradeFailed);
  EXPECT_EQ(n.failure_reason, "the validator pod was not Ready after 600 s");
}

}  // namespace
