#include "upgrade_status.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace upgrade {

nlohmann::json UpgradeStatus(const std::vector<NodeFacts>& nodes) {
  int64_t total = 0, pending = 0, in_progress = 0, done = 0, failed = 0;
  std::vector<const NodeFacts*> failures;
  for (const auto& n : nodes) {
    if (n.state == UpgradeState::kUnknown) continue;
    ++total;
    switch (n.state) {
      case UpgradeState::kUpgradeRequired: ++pending; break;
      case UpgradeState::kUpgradeDone: ++done; break;
      case UpgradeState::kUpgradeFailed:
        ++failed;
        failures.push_back(&n);
        break;
      default: ++in_progress; break;
    }
  }
  std::sort(failures.begin(), failures.end(), [](const NodeFacts* a, const NodeFacts* b) { return a->name < b->name; });
  nlohmann::json failed_nodes = nlohmann::json::array();
  for (const NodeFacts* n : failures) {
    failed_nodes.push_back({{"name", n->name}, {"reason", n->failure_reason.empty() ? "unknown" : n->failure_reason}});
  }
  std::string summary = total == 0 ? "no nodes" : std::to_string(done) + "/" + std::to_string(total) + " upgraded";
  if (pending > 0) summary += ", " + std::to_string(pending) + " pending";
  if (in_progress > 0) summary += ", " + std::to_string(in_progress) + " upgrading";
  if (failed > 0) summary += ", " + std::to_string(failed) + " failed";
  nlohmann::json out = {{"total", total},   {"pending", pending}, {"inProgress", in_progress},
                        {"done", done},     {"failed", failed},   {"summary", summary}};
  if (!failed_nodes.empty()) out["failedNodes"] = std::move(failed_nodes);
  return out;
}

nlohmann::json UpgradeStatusOf(const kube::Result<UpgradePolicy>& policy,
                               const std::function<std::vector<NodeFacts>()>& nodes) {
  if (!policy.ok()) return {{"error", policy.status().message()}, {"summary", "upgradePolicy refused"}};
  if (!policy->auto_upgrade) return nullptr;
  return UpgradeStatus(nodes());
}

}  // namespace upgrade
