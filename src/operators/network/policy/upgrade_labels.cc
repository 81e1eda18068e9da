#include "upgrade_labels.h"

namespace network {

std::map<std::string, std::optional<std::string>> UpgradeLabelChanges(
    const std::vector<NodeLabels>& nodes, const std::vector<DriverPod>& driver_pods,
    const std::function<bool(const NodeLabels&)>& auto_upgrade) {
  std::map<std::string, bool> settled;  // node -> its driver pods are current and ready
  for (const auto& p : driver_pods) {
    if (p.node.empty()) continue;
    auto [it, fresh] = settled.try_emplace(p.node, p.ready && p.current);
    if (!fresh) it->second = it->second && p.ready && p.current;
  }
  std::map<std::string, std::optional<std::string>> changes;
  for (const auto& n : nodes) {
    const bool labelled = n.labels.contains(kOfedUpgradeStateLabel);
    if (!auto_upgrade(n)) {
      if (labelled) changes[n.name] = std::nullopt;
      continue;
    }
    auto pod = settled.find(n.name);
    if (!labelled && pod != settled.end() && pod->second) changes[n.name] = kUpgradeDone;
  }
  return changes;
}

}  // namespace network
