// The `nvidia.com/ofed-driver-upgrade-state` node label where it is settled
// without upgrading anything: with the policy's `upgradePolicy.autoUpgrade`,
// a node whose driver pod runs its DaemonSet's current template and is ready,
// and that has no state yet, is `upgrade-done` (as upstream's upgrade engine
// marks it on its first pass); without autoUpgrade the label is removed.
// Nodes in any other state are left as they are. Pure: which nodes need which
// change.
#ifndef OPERATORS_NETWORK_POLICY_UPGRADE_LABELS_H_
#define OPERATORS_NETWORK_POLICY_UPGRADE_LABELS_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ofed_pools.h"
#include "wait_labels.h"
#include "network_labels.h"

namespace network {

inline constexpr const char* kUpgradeDone = "upgrade-done";

// Node name -> the label value it must get (nullopt: remove it); only nodes that need a change.
// `auto_upgrade` says whether the policy running the driver on a node has autoUpgrade set.
std::map<std::string, std::optional<std::string>> UpgradeLabelChanges(
    const std::vector<NodeLabels>& nodes, const std::vector<DriverPod>& driver_pods,
    const std::function<bool(const NodeLabels&)>& auto_upgrade);

}  // namespace network

#endif  // OPERATORS_NETWORK_POLICY_UPGRADE_LABELS_H_
