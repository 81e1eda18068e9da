#include "node_policy_conflicts.h"

namespace network {

const std::vector<std::string>& NodePolicySections() {
  static const std::vector<std::string> sections = {"ofedDriver", "rdmaSharedDevicePlugin", "sriovDevicePlugin"};
  return sections;
}

bool SelectorMatches(const std::map<std::string, std::string>& selector,
                     const std::map<std::string, std::string>& labels) {
  for (const auto& [key, value] : selector) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

std::string NodePolicyConflict(const NodePolicyView& policy, const std::vector<NodePolicyView>& others,
                               const nlohmann::json& cluster_spec, const std::vector<NodeLabels>& nodes) {
  auto has = [](const nlohmann::json& spec, const std::string& section) {
    return spec.is_object() && spec.contains(section) && spec[section].is_object();
  };
  for (const auto& section : NodePolicySections()) {
    if (has(policy.spec, section) && has(cluster_spec, section)) {
      return "spec." + section + " is also set in the NicClusterPolicy; a component is configured either there or "
             "in NicNodePolicies, not both";
    }
  }
  for (const auto& other : others) {
    if (other.name == policy.name) continue;
    for (const auto& node : nodes) {
      if (SelectorMatches(policy.node_selector, node.labels) && SelectorMatches(other.node_selector, node.labels)) {
        return "nodeSelector overlaps NicNodePolicy " + other.name + " on node " + node.name +
               "; each node may be selected by one NicNodePolicy";
      }
    }
  }
  return "";
}

}  // namespace network
