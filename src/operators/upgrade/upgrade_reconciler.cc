#include "upgrade_reconciler.h"

#include "kube/log.h"
#include "kube/metrics.h"

namespace upgrade {

UpgradeTarget MakeUpgradeTarget(std::string owner, DriverFleet fleet, const kube::Result<UpgradePolicy>& policy) {
  UpgradeTarget t{std::move(owner), std::move(fleet), kube::Status::Ok(), {}};
  if (policy.ok()) t.policy = *policy;
  else t.policy_error = policy.status();
  return t;
}

namespace {

kube::metrics::Series& Gauge(const std::string& name, const std::string& help) {
  return kube::metrics::Default().Gauge(name, help).With({});
}

}  // namespace

UpgradeReconciler::UpgradeReconciler(kube::Client& client, kube::EventRecorder& recorder, UpgradeTargets targets,
                                     UpgradeReconcilerOptions options)
    : client_(client), recorder_(recorder), targets_(std::move(targets)), options_(std::move(options)) {}

kube::Result<kube::ReconcileResult> UpgradeReconciler::Reconcile(const kube::ReconcileRequest&, std::stop_token) {
  const std::string& p = options_.metrics_prefix;
  static const std::string kNodes = "Nodes whose driver upgrade is ";
  kube::metrics::Series& pending = Gauge(p + "nodes_upgrades_pending", kNodes + "waiting for a slot");
  kube::metrics::Series& in_progress = Gauge(p + "nodes_upgrades_in_progress", kNodes + "under way");
  kube::metrics::Series& done = Gauge(p + "nodes_upgrades_done", kNodes + "done");
  kube::metrics::Series& failed = Gauge(p + "nodes_upgrades_failed", kNodes + "failed");
  kube::metrics::Series& available =
      Gauge(p + "nodes_upgrades_available", "Nodes that may start upgrading now (free slots)");
  kube::metrics::Series& enabled = Gauge(p + "driver_auto_upgrade_enabled", "1 when any driver has autoUpgrade");

  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  FleetCounts sum;
  int64_t slots = 0;
  bool any_enabled = false;
  std::string first_error;
  for (const UpgradeTarget& target : targets_()) {
    UpgradePass pass(client_, &recorder_, target.fleet);
    if (!target.policy_error.ok()) {
      kube::log::Warn("driver upgrade policy refused", {{"owner", target.owner}, {"error", target.policy_error.message()}});
      continue;
    }
    if (!target.policy.auto_upgrade) {
      if (kube::Status s = pass.Clear(); !s.ok() && first_error.empty()) first_error = target.owner + ": " + s.ToString();
      continue;
    }
    any_enabled = true;
    auto result = pass.Run(target.policy, now);
    if (!result.ok()) {
      if (first_error.empty()) first_error = target.owner + ": " + result.status().ToString();
      continue;
    }
    for (const auto& failure : result->failures) {
      kube::log::Warn("driver upgrade step failed", {{"owner", target.owner}, {"error", failure}});
    }
    for (const auto& step : result->plan.steps) {
      if (step.to == step.from) continue;
      kube::log::Info("driver upgrade", {{"owner", target.owner},
                                         {"node", step.node},
                                         {"from", std::string(StateName(step.from))},
                                         {"to", std::string(StateName(step.to))},
                                         {"reason", step.reason}});
    }
    const FleetCounts& c = result->plan.counts;
    sum.total += c.total;
    sum.pending += c.pending;
    sum.in_progress += c.in_progress - c.failed;  // upstream counts failed nodes as in progress
    sum.done += c.done;
    sum.failed += c.failed;
    slots += result->plan.slots;
    if (!result->failures.empty() && first_error.empty()) first_error = target.owner + ": " + result->failures.front();
  }
  pending.Set(static_cast<double>(sum.pending));
  in_progress.Set(static_cast<double>(sum.in_progress));
  done.Set(static_cast<double>(sum.done));
  failed.Set(static_cast<double>(sum.failed));
  available.Set(static_cast<double>(slots));
  enabled.Set(any_enabled ? 1 : 0);

  // A step that could not be carried out is retried with the controller's backoff.
  if (!first_error.empty()) return kube::Status(kube::Code::kConflict, first_error);
  kube::ReconcileResult next;
  next.requeue_after = sum.pending + sum.in_progress > 0 ? options_.busy_requeue : options_.resync;
  return next;
}

}  // namespace upgrade
