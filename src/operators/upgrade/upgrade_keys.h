// The node labels and annotations one driver's upgrade is kept in, named as
// upstream's upgrade library names them ("nvidia.com/<driver>-driver-upgrade-
// state" and its companions), so tools and runbooks written for upstream keep
// working. A plain value type; thread-compatible.
#ifndef OPERATORS_UPGRADE_UPGRADE_KEYS_H_
#define OPERATORS_UPGRADE_UPGRADE_KEYS_H_

#include <string>
#include <vector>

namespace upgrade {

struct UpgradeKeys {
  std::string driver;                 // "gpu" or "ofed"
  std::string state_label;            // node label: the node's upgrade state
  std::string skip_label;             // node label "true": leave the node out
  std::string drain_skip_label;       // pod label "true": never evicted by the drain
  std::string safe_load_annotation;   // node: the new driver pod waits for a safe load
  std::string initial_unschedulable_annotation;  // node: cordoned before the upgrade, stays so
  std::string wait_start_annotation;  // node: when waiting for workloads began (epoch seconds)
  std::string validation_start_annotation;  // node: when validation began (epoch seconds)
  // node: when the current pod deletion or drain began (epoch seconds). Ours: upstream keeps that
  // clock in memory, so a restarted operator would start it again.
  std::string eviction_start_annotation;
  std::string requested_annotation;   // node "true": upgrade even when the pod is in sync
  // node: why the upgrade failed, kept while the node is upgrade-failed. Ours, for the policy's
  // status after a restart.
  std::string failure_annotation;

  // The annotations an upgrade leaves on a node on its way (its clocks, the request, the failure
  // reason), which it removes once the node is through; the initial-state one is not among them.
  std::vector<std::string> ProgressAnnotations() const {
    return {wait_start_annotation, eviction_start_annotation, validation_start_annotation, requested_annotation,
            failure_annotation};
  }
};

// The keys of `driver` ("gpu", "ofed").
UpgradeKeys KeysForDriver(const std::string& driver);

}  // namespace upgrade

#endif  // OPERATORS_UPGRADE_UPGRADE_KEYS_H_
