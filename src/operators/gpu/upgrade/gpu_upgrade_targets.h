// The GPU operator's drivers as the upgrade engine sees them: the
// ClusterPolicy's driver (spec.driver.upgradePolicy) on every node that runs
// one of its pods, or, with spec.driver.useNvidiaDriverCRD, each
// NVIDIADriver's (its spec.upgradePolicy) on the nodes the owner label gives
// it. Without a ClusterPolicy, with its driver off or with sandbox workloads
// on, the state labels go. Reads the informers' caches; thread-safe as they.
#ifndef OPERATORS_GPU_UPGRADE_GPU_UPGRADE_TARGETS_H_
#define OPERATORS_GPU_UPGRADE_GPU_UPGRADE_TARGETS_H_

#include <string>
#include <vector>

#include "kube/informer.h"
#include "upgrade_reconciler.h"

namespace gpu {

// The fleet of GPU driver nodes in `operand_namespace`; `node_selector` narrows it (an NVIDIADriver's nodes).
upgrade::DriverFleet GpuDriverFleet(const std::string& operand_namespace, const std::string& node_selector);

std::vector<upgrade::UpgradeTarget> GpuUpgradeTargets(const kube::Informer& policies, const kube::Informer& drivers,
                                                      const std::string& operand_namespace);

}  // namespace gpu

#endif  // OPERATORS_GPU_UPGRADE_GPU_UPGRADE_TARGETS_H_
