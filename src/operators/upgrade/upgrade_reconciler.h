// UpgradeReconciler: the upgrade engine as one operator's controller. Each
// pass asks the operator for its drivers to upgrade now (fleet and policy,
// read from its caches), runs one UpgradePass for each whose policy has
// autoUpgrade, clears the state labels of the others, and sets the gauges of
// nodes per state, summed over the drivers. It runs again soon while any node
// is on its way, since the clocks of waits and timeouts pass without an
// event, and every `resync` as a safety net. Thread-safe as a kube::Reconciler
// run by a controller with one worker.
#ifndef OPERATORS_UPGRADE_UPGRADE_RECONCILER_H_
#define OPERATORS_UPGRADE_UPGRADE_RECONCILER_H_

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "kube/client.h"
#include "kube/controller.h"
#include "kube/event_recorder.h"
#include "upgrade_pass.h"
#include "upgrade_policy.h"

namespace upgrade {

// One driver as its operator describes it for a pass.
struct UpgradeTarget {
  std::string owner;        // "ClusterPolicy/cluster-policy", for the log
  DriverFleet fleet;
  kube::Status policy_error;  // not ok: the upgradePolicy does not read; nothing is done to the nodes
  UpgradePolicy policy;       // autoUpgrade off (or the driver gone): the state labels are removed
};

// A target of `owner`'s driver: its policy, or the error that refused it.
UpgradeTarget MakeUpgradeTarget(std::string owner, DriverFleet fleet, const kube::Result<UpgradePolicy>& policy);

using UpgradeTargets = std::function<std::vector<UpgradeTarget>()>;

struct UpgradeReconcilerOptions {
  // Of the gauges: "<prefix>nodes_upgrades_{pending,in_progress,done,failed,available}" and
  // "<prefix>driver_auto_upgrade_enabled" ("gpu_operator_" gives upstream's names).
  std::string metrics_prefix;
  std::chrono::milliseconds busy_requeue{std::chrono::seconds(10)};  // while nodes are on their way
  std::chrono::milliseconds resync{std::chrono::minutes(2)};
};

class UpgradeReconciler : public kube::Reconciler {
 public:
  // Every request is queued under this one key: a pass covers every driver.
  static constexpr const char* kKey = "driver-upgrade";

  UpgradeReconciler(kube::Client& client, kube::EventRecorder& recorder, UpgradeTargets targets,
                    UpgradeReconcilerOptions options);

  kube::Result<kube::ReconcileResult> Reconcile(const kube::ReconcileRequest& request, std::stop_token stop) override;

 private:
  kube::Client& client_;
  kube::EventRecorder& recorder_;
  UpgradeTargets targets_;
  UpgradeReconcilerOptions options_;
};

}  // namespace upgrade

#endif  // OPERATORS_UPGRADE_UPGRADE_RECONCILER_H_
