#include "wait_labels.h"

namespace network {

std::map<std::string, std::optional<std::string>> WaitLabelChanges(
    const std::vector<NodeLabels>& nodes, const std::vector<DriverPod>& driver_pods,
    const std::function<bool(const NodeLabels&)>& driver_configured, const std::string& label) {
  std::map<std::string, bool> pod_ready;  // node -> its driver pod is ready
  for (const auto& p : driver_pods) {
    if (p.node.empty()) continue;  // not scheduled yet
    auto [it, fresh] = pod_ready.try_emplace(p.node, p.ready);
    if (!fresh) it->second = it->second && p.ready;  // two pods during a rollout: both must be ready
  }
  std::map<std::string, std::optional<std::string>> changes;
  for (const auto& n : nodes) {
    auto nic = n.labels.find(kNicLabel);
    const bool is_nic = nic != n.labels.end() && nic->second == "true";
    auto current = n.labels.find(label);
    std::optional<std::string> want;
    auto pod = pod_ready.find(n.name);
    if (is_nic && driver_configured(n)) {
      want = pod != pod_ready.end() && pod->second ? "false" : "true";
    } else if (pod != pod_ready.end()) {
      want = "true";  // a leftover driver is still being removed, also from a node that lost its NIC label
    } else if (is_nic) {
      want = "false";
    }
    const bool same = want ? (current != n.labels.end() && current->second == *want) : current == n.labels.end();
    if (!same) changes[n.name] = want;
  }
  return changes;
}

}  // namespace network
