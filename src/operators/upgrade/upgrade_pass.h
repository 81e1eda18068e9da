// UpgradePass: one pass of a driver's upgrade against the cluster. It reads
// the driver's DaemonSets (their newest ControllerRevision), driver pods and
// Nodes, and for the nodes waiting, deleting or draining the pods on them;
// plans with PlanUpgrade; and carries each step out: pods deleted or evicted
// through the Eviction API (a PodDisruptionBudget that refuses is retried on
// the next pass), the out-of-date driver pod deleted, then one merge patch of
// the Node (cordon, state label, clocks) guarded by the resourceVersion read.
// Everything it knows is in the cluster, so a pass after a restart continues
// where the last one stopped. Not thread-safe: one pass at a time per driver.
#ifndef OPERATORS_UPGRADE_UPGRADE_PASS_H_
#define OPERATORS_UPGRADE_UPGRADE_PASS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "kube/client.h"
#include "upgrade_keys.h"
#include "upgrade_plan.h"
#include "upgrade_policy.h"

namespace upgrade {

// Where a driver's pods are and how its flow goes.
struct DriverFleet {
  UpgradeKeys keys;
  DriverFlow flow;
  std::string namespace_;            // of the driver DaemonSets and pods
  std::string driver_pod_selector;   // label selector of the driver pods
  std::string validator_selector;    // label selector of the validator pods (GPU); empty: none
};

struct PassResult {
  UpgradePlan plan;
  std::vector<std::string> failures;  // steps that could not be carried out, "node: why"; retried next pass
};

class UpgradePass {
 public:
  UpgradePass(kube::Client& client, DriverFleet fleet);

  // Reads, plans at `now` (epoch seconds) and carries the steps out. An error only when the fleet
  // cannot be read; a step that fails is reported in `failures` and the others go on.
  [[nodiscard]] kube::Result<PassResult> Run(const UpgradePolicy& policy, int64_t now);

  // Reads the fleet as PlanUpgrade sees it (for status and tests).
  [[nodiscard]] kube::Result<std::vector<NodeFacts>> ReadFleet(const UpgradePolicy& policy);

  // Removes the state label (and the upgrade's annotations) from every node that has one: what
  // turning autoUpgrade off does.
  [[nodiscard]] kube::Status Clear();

 private:
  kube::Status Carry(const NodeStep& step, const UpgradePolicy& policy, int64_t now);

  kube::Client& client_;
  DriverFleet fleet_;
};

}  // namespace upgrade

#endif  // OPERATORS_UPGRADE_UPGRADE_PASS_H_
