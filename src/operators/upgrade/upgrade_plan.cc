#include "upgrade_plan.h"

#include <algorithm>

namespace upgrade {
namespace {

using S = UpgradeState;

bool Elapsed(const std::optional<int64_t>& started, int64_t timeout_seconds, int64_t now) {
  return timeout_seconds > 0 && started && now - *started >= timeout_seconds;
}

// Where a node goes once its driver pod is back and Ready, and the validator (if any) agrees.
NodeStep Finish(const NodeFacts& n, NodeStep step) {
  if (n.initially_unschedulable) {
    step.to = S::kUpgradeDone;
    step.actions.push_back(Action::kClearAnnotations);
  } else {
    step.to = S::kUncordonRequired;
  }
  return step;
}

NodeStep Decide(const NodeFacts& n, const UpgradePolicy& policy, const DriverFlow& flow, int64_t now) {
  NodeStep step{n.name, n.state, n.state, {}, ""};
  auto go = [&](S to, std::string reason = "") {
    step.to = to;
    if (!reason.empty()) step.reason = std::move(reason);
    return step;
  };
  switch (n.state) {
    case S::kUnknown:
    case S::kUpgradeDone: {
      if (!n.pod.exists) return step;
      if (!n.pod.in_sync || n.safe_load || n.requested) {
        if (n.unschedulable && !n.initially_unschedulable) step.actions.push_back(Action::kRecordInitiallyUnschedulable);
        return go(S::kUpgradeRequired, !n.pod.in_sync ? "the driver pod is behind its DaemonSet"
                                       : n.safe_load  ? "the new driver waits for a safe load"
                                                      : "an upgrade was requested");
      }
      return n.state == S::kUnknown ? go(S::kUpgradeDone) : step;
    }
    case S::kUpgradeRequired:
      return step;  // started by PlanUpgrade when a slot is free
    case S::kCordonRequired:
      if (!n.unschedulable) step.actions.push_back(Action::kCordon);
      return go(S::kWaitForJobsRequired);
    case S::kWaitForJobsRequired: {
      const S next = flow.pod_deletion ? S::kPodDeletionRequired : S::kDrainRequired;
      if (policy.wait_for_completion.pod_selector.empty() || n.pods_to_wait_for == 0) return go(next);
      if (!n.wait_started) {
        step.actions.push_back(Action::kStartWaitClock);
        return step;
      }
      if (Elapsed(n.wait_started, policy.wait_for_completion.timeout_seconds, now)) {
        return go(next, "stopped waiting for " + std::to_string(n.pods_to_wait_for) + " workload pods after " +
                            std::to_string(policy.wait_for_completion.timeout_seconds) + " s");
      }
      return step;
    }
    case S::kPodDeletionRequired: {
      if (!flow.pod_deletion) return go(S::kDrainRequired);
      if (!n.removal_refused.empty()) {
        if (n.eviction_started) step.actions.push_back(Action::kClearAnnotations);
        const std::string why = "the pod deletion cannot go on: " + n.removal_refused;
        return policy.drain.enable ? go(S::kDrainRequired, why + "; draining") : go(S::kUpgradeFailed, why);
      }
      if (n.pods_to_delete == 0) {
        step.actions.push_back(Action::kClearAnnotations);
        return go(S::kPodRestartRequired);
      }
      if (!n.eviction_started) {
        step.actions = {Action::kStartEvictionClock, Action::kDeleteDriverUsers};
        return step;
      }
      if (Elapsed(n.eviction_started, policy.pod_deletion.timeout_seconds, now)) {
        const std::string why = std::to_string(n.pods_to_delete) + " pods using the driver still there after " +
                                std::to_string(policy.pod_deletion.timeout_seconds) + " s";
        step.actions.push_back(Action::kClearAnnotations);
        return policy.drain.enable ? go(S::kDrainRequired, why + "; draining") : go(S::kUpgradeFailed, why);
      }
      step.actions.push_back(Action::kDeleteDriverUsers);
      return step;
    }
    case S::kDrainRequired: {
      if (!policy.drain.enable || n.pods_to_drain == 0) {
        if (n.eviction_started) step.actions.push_back(Action::kClearAnnotations);
        return go(S::kPodRestartRequired);
      }
      if (!n.removal_refused.empty()) return go(S::kUpgradeFailed, "the drain cannot go on: " + n.removal_refused);
      if (!n.eviction_started) {
        step.actions = {Action::kStartEvictionClock, Action::kEvict};
        return step;
      }
      if (Elapsed(n.eviction_started, policy.drain.timeout_seconds, now)) {
        return go(S::kUpgradeFailed, "the drain timed out after " + std::to_string(policy.drain.timeout_seconds) +
                                         " s with " + std::to_string(n.pods_to_drain) + " pods left");
      }
      step.actions.push_back(Action::kEvict);  // evictions a PodDisruptionBudget refused are retried
      return step;
    }
    case S::kPodRestartRequired: {
      if (!n.pod.exists) return step;  // the DaemonSet is creating the new one
      if (!n.pod.in_sync) {
        if (!n.pod.terminating) step.actions.push_back(Action::kDeleteDriverPod);
        return step;
      }
      if (n.safe_load) step.actions.push_back(Action::kRemoveSafeLoad);
      if (n.pod.ready) {
        if (flow.validation) return go(S::kValidationRequired);
        return Finish(n, step);
      }
      if (n.pod.restarts > flow.restart_limit) {
        return go(S::kUpgradeFailed, "the new driver pod restarted " + std::to_string(n.pod.restarts) +
                                         " times without becoming Ready");
      }
      return step;
    }
    case S::kValidationRequired: {
      if (n.validator_ready) return Finish(n, step);
      if (!n.validation_started) {
        step.actions.push_back(Action::kStartValidationClock);
        return step;
      }
      if (Elapsed(n.validation_started, flow.validation_timeout_seconds, now)) {
        return go(S::kUpgradeFailed,
                  "the validator pod was not Ready after " + std::to_string(flow.validation_timeout_seconds) + " s");
      }
      return step;
    }
    case S::kUncordonRequired:
      if (n.unschedulable && !n.initially_unschedulable) step.actions.push_back(Action::kUncordon);
      step.actions.push_back(Action::kClearAnnotations);
      return go(S::kUpgradeDone);
    case S::kUpgradeFailed:
      // Re-checked every pass: a driver pod fixed by hand (in sync and Ready) ends the upgrade.
      if (n.pod.exists && n.pod.in_sync && n.pod.ready) return Finish(n, step);
      return step;
  }
  return step;
}

bool Unavailable(const NodeFacts& n) { return n.unschedulable || !n.ready || n.state == S::kCordonRequired; }

}  // namespace

DriverFlow GpuDriverFlow() { return {true, true, 600, 10}; }
DriverFlow OfedDriverFlow() { return {false, false, 600, 10}; }

UpgradePlan PlanUpgrade(const std::vector<NodeFacts>& nodes, const UpgradePolicy& policy, const DriverFlow& flow,
                        int64_t now) {
  UpgradePlan plan;
  FleetCounts& c = plan.counts;
  c.total = static_cast<int64_t>(nodes.size());
  for (const auto& n : nodes) {
    if (n.state == S::kUpgradeRequired) ++c.pending;
    if (n.state == S::kUpgradeDone) ++c.done;
    if (n.state == S::kUpgradeFailed) ++c.failed;
    if (InProgress(n.state)) ++c.in_progress;
    if (Unavailable(n)) ++c.unavailable;
  }
  c.max_unavailable = ResolveMaxUnavailable(policy.max_unavailable, c.total);

  // Upstream's arithmetic: the parallel limit less what is in progress, capped by what
  // maxUnavailable leaves once the nodes already down are counted.
  int64_t slots = policy.max_parallel_upgrades == 0 ? c.pending : policy.max_parallel_upgrades - c.in_progress;
  slots = std::min(slots, c.max_unavailable - c.unavailable);
  plan.slots = std::max<int64_t>(slots, 0);

  std::vector<const NodeFacts*> waiting;
  for (const auto& n : nodes) {
    if (n.state == S::kUpgradeRequired) {
      if (!n.skip) waiting.push_back(&n);
      continue;
    }
    NodeStep step = Decide(n, policy, flow, now);
    if (step.to != step.from || !step.actions.empty()) plan.steps.push_back(std::move(step));
  }
  // Nodes cordoned already cost no availability and go first; then by name, so passes agree.
  std::stable_sort(waiting.begin(), waiting.end(), [](const NodeFacts* a, const NodeFacts* b) {
    if (a->unschedulable != b->unschedulable) return a->unschedulable;
    return a->name < b->name;
  });
  int64_t left = plan.slots;
  for (const NodeFacts* n : waiting) {
    if (!n->unschedulable) {
      if (left <= 0) continue;
      --left;
    }
    plan.steps.push_back({n->name, S::kUpgradeRequired, S::kCordonRequired, {}, "an upgrade slot is free"});
  }
  return plan;
}

}  // namespace upgrade
