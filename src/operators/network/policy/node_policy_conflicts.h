// NicNodePolicy conflicts: what keeps a node policy from applying anything.
// A component (ofedDriver, rdmaSharedDevicePlugin, sriovDevicePlugin) is
// configured in one place only, the NicClusterPolicy or node policies; and no
// node may be selected by two node policies. Checked against the nodes' labels
// on every pass, since relabelling a node can create an overlap. Pure.
#ifndef OPERATORS_NETWORK_POLICY_NODE_POLICY_CONFLICTS_H_
#define OPERATORS_NETWORK_POLICY_NODE_POLICY_CONFLICTS_H_

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ofed_pools.h"

namespace network {

// The sections a node policy may hold, in the order they are checked.
const std::vector<std::string>& NodePolicySections();

struct NodePolicyView {
  std::string name;
  std::map<std::string, std::string> node_selector;  // empty: every node
  nlohmann::json spec;
};

// Every label of `selector` is on the node with the same value.
bool SelectorMatches(const std::map<std::string, std::string>& selector,
                     const std::map<std::string, std::string>& labels);

// The reason `policy` may not apply, or "" when it may. `cluster_spec` is the
// NicClusterPolicy's spec (null when there is none); `others` the node policies (`policy` among them is skipped).
std::string NodePolicyConflict(const NodePolicyView& policy, const std::vector<NodePolicyView>& others,
                               const nlohmann::json& cluster_spec, const std::vector<NodeLabels>& nodes);

}  // namespace network

#endif  // OPERATORS_NETWORK_POLICY_NODE_POLICY_CONFLICTS_H_
