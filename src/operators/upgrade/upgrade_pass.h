// UpgradePass: one pass of a driver's upgrade against the cluster. It reads
// the driver's DaemonSets (their newest ControllerRevision), driver pods and
// Nodes, and for the nodes waiting, deleting or draining the pods on them;
// plans with PlanUpgrade; and carries each step out: the pod deletion's and
// the drain's pods evicted through the Eviction API (a PodDisruptionBudget
// that refuses is retried on the next pass, as upstream's drain helper does),
// the out-of-date driver pod deleted, then one merge patch of
// the Node (cordon, state label, clocks) guarded by the resourceVersion read.
// Everything it knows is in the cluster, so a pass after a restart continues
// where the last one stopped. Each change of a node's state is an Event on the
// Node (a failure a Warning). Not thread-safe: one pass at a time per driver.
#ifndef OPERATORS_UPGRADE_UPGRADE_PASS_H_
#define OPERATORS_UPGRADE_UPGRADE_PASS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kube/client.h"
#include "kube/event_recorder.h"
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
  // Label selector of the driver's nodes (an NVIDIADriver's owner label); empty: every node that
  // runs one of the driver pods.
  std::string node_selector;
  // Node annotation set to "true" on the driver's nodes while the engine is in charge (GPU: it
  // tells the driver pod's manager not to evict or drain on its own); empty: none.
  std::string enabled_annotation;
};

struct PassResult {
  UpgradePlan plan;
  std::vector<std::string> failures;  // steps that could not be carried out, "node: why"; retried next pass
};

class UpgradePass {
 public:
  // `recorder` may be null (no Events).
  UpgradePass(kube::Client& client, kube::EventRecorder* recorder, DriverFleet fleet);

  // Reads, plans at `now` (epoch seconds) and carries the steps out. An error only when the fleet
  // cannot be read; a step that fails is reported in `failures` and the others go on.
  [[nodiscard]] kube::Result<PassResult> Run(const UpgradePolicy& policy, int64_t now);

  // Reads the fleet as PlanUpgrade sees it (for status and tests).
  [[nodiscard]] kube::Result<std::vector<NodeFacts>> ReadFleet(const UpgradePolicy& policy);

  // Removes the state label (and the upgrade's annotations) from every node that has one, and
  // uncordons the nodes it cordoned mid-way: what turning autoUpgrade off does.
  [[nodiscard]] kube::Status Clear();

 private:
  struct Fleet {
    std::vector<NodeFacts> facts;
    std::map<std::string, kube::Object> nodes;  // as read, for the guarded patches
    std::vector<std::string> unmarked;          // nodes without the enabled annotation
  };
  kube::Result<Fleet> Read(const UpgradePolicy& policy);
  kube::Status Carry(const NodeStep& step, const kube::Object& node, const UpgradePolicy& policy, int64_t now);

  // Evicts the pods on `node` that `selector` selects and `take` takes, until one is refused (a
  // PodDisruptionBudget): that one and the rest wait for the next pass.
  kube::Status EvictFrom(const std::string& node, const std::string& selector,
                         const std::function<bool(const nlohmann::json&)>& take);
  void Tell(const kube::Object& node, const NodeStep& step, const kube::Status& carried);

  kube::Client& client_;
  kube::EventRecorder* recorder_;
  DriverFleet fleet_;
};

}  // namespace upgrade

#endif  // OPERATORS_UPGRADE_UPGRADE_PASS_H_
