// The `upgrade` part of a NicClusterPolicy's or NicNodePolicy's status: what
// its spec.ofedDriver.upgradePolicy says (refused, or autoUpgrade off:
// nothing), and the counts of its nodes by OFED upgrade state from the node
// cache (the state label and the failure annotation). Pure; thread-safe.
#ifndef OPERATORS_NETWORK_UPGRADE_OFED_UPGRADE_STATUS_H_
#define OPERATORS_NETWORK_UPGRADE_OFED_UPGRADE_STATUS_H_

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/field_mask.h"
#include "ofed_pools.h"

namespace network {

// Null when `spec` runs no OFED driver or its autoUpgrade is off. `node_selector`: the policy's
// nodes (empty: every node).
nlohmann::json OfedUpgradeStatus(const nlohmann::json& spec, const std::vector<NodeLabels>& nodes,
                                 const std::map<std::string, std::string>& node_selector);

// Adds to the node cache's mask what OfedUpgradeStatus reads beyond the labels.
void KeepOfedUpgradeAnnotations(kube::FieldMask& mask);

}  // namespace network

#endif  // OPERATORS_NETWORK_UPGRADE_OFED_UPGRADE_STATUS_H_
