// The `upgrade` part of the status of a ClusterPolicy or an NVIDIADriver:
// what its upgradePolicy says (refused, or autoUpgrade off: nothing), and the
// counts of its driver's nodes by upgrade state from the operator's node cache
// (which keeps the state label and the failure annotation). Thread-safe as the
// informer is.
#ifndef OPERATORS_GPU_UPGRADE_GPU_UPGRADE_STATUS_H_
#define OPERATORS_GPU_UPGRADE_GPU_UPGRADE_STATUS_H_

#include <string>

#include <nlohmann/json.hpp>

#include "kube/field_mask.h"
#include "kube/informer.h"
#include "upgrade_policy.h"

namespace gpu {

// Null when the status has no upgrade part (autoUpgrade off); {error, summary} when the policy is
// refused. The upgradePolicy is the one at JSON `pointer` of `tree`; `owner`: only nodes with that
// NVIDIADriver owner label; empty: every node.
nlohmann::json GpuUpgradeStatus(const nlohmann::json& tree, const std::string& pointer,
                                const upgrade::DriverDefaults& defaults, const std::string& field,
                                const kube::Informer& nodes, const std::string& owner);

// Adds to a node cache's mask what GpuUpgradeStatus reads beyond the labels.
void KeepUpgradeAnnotations(kube::FieldMask& mask);

}  // namespace gpu

#endif  // OPERATORS_GPU_UPGRADE_GPU_UPGRADE_STATUS_H_
