// A driver's upgradePolicy (NicClusterPolicy.spec.ofedDriver, ClusterPolicy.
// spec.driver, NVIDIADriver.spec), read with upstream's fields and defaults.
// The defaults that differ between drivers come from DriverDefaults. Plain
// value types; thread-compatible.
#ifndef OPERATORS_UPGRADE_UPGRADE_POLICY_H_
#define OPERATORS_UPGRADE_UPGRADE_POLICY_H_

#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "kube/status.h"

namespace upgrade {

struct WaitForCompletion {
  std::string pod_selector;      // empty: nothing to wait for
  int64_t timeout_seconds = 0;   // 0: wait as long as it takes
};

struct PodDeletion {
  bool force = false;            // delete pods no controller would recreate
  int64_t timeout_seconds = 300;
  bool delete_empty_dir = false; // delete pods with emptyDir volumes (their data goes)
};

struct Drain {
  bool enable = false;
  bool force = false;
  std::string pod_selector;      // only pods matching it; empty: every pod
  int64_t timeout_seconds = 300;
  bool delete_empty_dir = false;
};

struct UpgradePolicy {
  bool auto_upgrade = false;
  int64_t max_parallel_upgrades = 1;  // 0: no limit
  // A count ("3" or 3) or a percentage of the driver's nodes ("25%", rounded up); empty: every node.
  std::string max_unavailable;
  bool safe_load = false;             // OFED: the new driver loads only once the node is evacuated
  WaitForCompletion wait_for_completion;
  PodDeletion pod_deletion;
  Drain drain;
};

// What differs between drivers when a field is absent.
struct DriverDefaults {
  std::string max_unavailable;  // GPU "25%", OFED "" (every node)
  bool drain_enable = false;    // GPU false, OFED true
  bool auto_upgrade = false;    // an NVIDIADriver's upgrades are automatic unless it says otherwise
};
DriverDefaults GpuDriverDefaults();
DriverDefaults NvidiaDriverDefaults();
DriverDefaults OfedDriverDefaults();

// Reads `policy` (the upgradePolicy object; null or absent fields take the defaults). A field of
// the wrong type or a maxUnavailable that is neither a count nor a percentage is an
// InvalidArgument naming the field under `field` ("spec.driver.upgradePolicy").
[[nodiscard]] kube::Result<UpgradePolicy> ParseUpgradePolicy(const nlohmann::json& policy, const DriverDefaults& defaults,
                                                             const std::string& field);

// The upgradePolicy at JSON `pointer` ("/driver/upgradePolicy") of `spec`, read as above; absent
// (or `spec` no object) it takes the defaults.
[[nodiscard]] kube::Result<UpgradePolicy> ParseUpgradePolicyIn(const nlohmann::json& spec, const std::string& pointer,
                                                               const DriverDefaults& defaults, const std::string& field);

// maxUnavailable as a node count for a fleet of `total` nodes: a percentage rounds up; empty is
// `total`. The value must have passed ParseUpgradePolicy.
int64_t ResolveMaxUnavailable(const std::string& max_unavailable, int64_t total);

}  // namespace upgrade

#endif  // OPERATORS_UPGRADE_UPGRADE_POLICY_H_
