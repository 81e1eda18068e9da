#include "upgrade/gpu_upgrade_status.h"

#include "gpu_labels.h"
#include "node_facts.h"
#include "upgrade_status.h"

namespace gpu {

nlohmann::json GpuUpgradeStatus(const nlohmann::json& upgrade_policy, const upgrade::DriverDefaults& defaults,
                                const std::string& field, const kube::Informer& nodes, const std::string& owner) {
  auto policy = upgrade::ParseUpgradePolicy(upgrade_policy, defaults, field);
  if (!policy.ok()) return {{"error", policy.status().message()}, {"summary", "upgradePolicy refused"}};
  if (!policy->auto_upgrade) return nullptr;
  const upgrade::UpgradeKeys keys = upgrade::KeysForDriver("gpu");
  std::vector<upgrade::NodeFacts> facts;
  for (const auto& node : nodes.store().List()) {
    if (!owner.empty()) {
      const auto labels = node->Labels();
      auto it = labels.find(kDriverOwnerLabel);
      if (it == labels.end() || it->second != owner) continue;
    }
    facts.push_back(upgrade::NodeFactsOf(node->Tree(), keys));
  }
  return upgrade::UpgradeStatus(facts);
}

void KeepUpgradeAnnotations(kube::FieldMask& mask) {
  mask.Keep({"metadata", "annotations", upgrade::KeysForDriver("gpu").failure_annotation});
}

}  // namespace gpu
