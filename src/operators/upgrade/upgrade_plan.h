// The upgrade engine's decisions: given what the cluster shows of each node of
// one driver (its state label, cordon, readiness, driver pod, the pods still
// to wait for or evict, the clocks kept in annotations) and the policy, which
// node moves to which state and what must be done to it. A pure function of
// its inputs, so an operator restarted mid-upgrade decides as before; the
// executor carries the steps out and writes the new state labels.
#ifndef OPERATORS_UPGRADE_UPGRADE_PLAN_H_
#define OPERATORS_UPGRADE_UPGRADE_PLAN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "upgrade_policy.h"
#include "upgrade_state.h"

namespace upgrade {

// What differs in the flow between drivers.
struct DriverFlow {
  bool pod_deletion = false;             // GPU: delete the pods using GPUs before draining
  bool validation = false;               // GPU: wait for the validator pod on the node
  int64_t validation_timeout_seconds = 600;
  int restart_limit = 10;                // a new driver pod restarted more often than this failed
};
DriverFlow GpuDriverFlow();
DriverFlow OfedDriverFlow();

struct DriverPodFacts {
  bool exists = false;
  bool in_sync = false;      // its revision is its DaemonSet's newest
  bool terminating = false;
  bool ready = false;        // Running with every container Ready
  int restarts = 0;          // the most restarts of any of its containers
};

struct NodeFacts {
  std::string name;
  UpgradeState state = UpgradeState::kUnknown;
  bool unschedulable = false;
  bool ready = true;                       // the Node's Ready condition
  bool skip = false;                       // the skip label
  bool safe_load = false;                  // the safe-load annotation
  bool requested = false;                  // the upgrade-requested annotation
  bool initially_unschedulable = false;    // the annotation recorded before cordoning
  std::string failure_reason;              // upgrade-failed: why, from the annotation
  DriverPodFacts pod;
  std::optional<int64_t> wait_started;        // epoch seconds, from the annotations
  std::optional<int64_t> eviction_started;
  std::optional<int64_t> validation_started;
  int pods_to_wait_for = 0;   // running or pending pods matched by waitForCompletion
  int pods_to_delete = 0;     // pods still using the driver (pod deletion)
  int pods_to_drain = 0;      // pods the drain still has to evict
  // A pod the pod deletion or the drain has to remove but may not (no controller and force off,
  // or emptyDir and deleteEmptyDir off): why. Upstream's drain helper refuses those too.
  std::string removal_refused;
  bool validator_ready = false;
};

enum class Action {
  kRecordInitiallyUnschedulable,  // annotate: cordoned before the upgrade
  kCordon,
  kStartWaitClock,
  kStartEvictionClock,
  kDeleteDriverUsers,             // evict the pods using the driver (pod deletion), PDBs holding
  kEvict,                         // evict the drain's pods, PDBs holding
  kDeleteDriverPod,               // the OnDelete DaemonSet recreates it from the new template
  kRemoveSafeLoad,
  kStartValidationClock,
  kUncordon,
  kClearAnnotations,              // the upgrade's clocks, requested and initial-state annotations
};

struct NodeStep {
  std::string node;
  UpgradeState from = UpgradeState::kUnknown;
  UpgradeState to = UpgradeState::kUnknown;
  std::vector<Action> actions;
  std::string reason;  // why, for the Event (and the failure message of kUpgradeFailed)
};

struct FleetCounts {
  int64_t total = 0;
  int64_t pending = 0;       // upgrade-required
  int64_t in_progress = 0;
  int64_t done = 0;
  int64_t failed = 0;
  int64_t unavailable = 0;   // cordoned, NotReady, or about to be cordoned
  int64_t max_unavailable = 0;
};

struct UpgradePlan {
  FleetCounts counts;        // before the steps
  int64_t slots = 0;         // nodes that may start upgrading in this pass
  std::vector<NodeStep> steps;  // only nodes with something to do; none at rest
};

// One pass over the driver's nodes at `now` (epoch seconds). Each node moves at most one state.
UpgradePlan PlanUpgrade(const std::vector<NodeFacts>& nodes, const UpgradePolicy& policy, const DriverFlow& flow,
                        int64_t now);

}  // namespace upgrade

#endif  // OPERATORS_UPGRADE_UPGRADE_PLAN_H_
