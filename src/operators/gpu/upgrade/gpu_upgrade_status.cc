#include "upgrade/gpu_upgrade_status.h"

#include "gpu_labels.h"
#include "node_facts.h"
#include "upgrade_status.h"

namespace gpu {

nlohmann::json GpuUpgradeStatus(const nlohmann::json& tree, const std::string& pointer,
                                const upgrade::DriverDefaults& defaults, const std::string& field,
                                const kube::Informer& nodes, const std::string& owner) {
  return upgrade::UpgradeStatusOf(upgrade::ParseUpgradePolicyIn(tree, pointer, defaults, field), [&] {
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
    return facts;
  });
}

void KeepUpgradeAnnotations(kube::FieldMask& mask) {
  mask.Keep({"metadata", "annotations", upgrade::KeysForDriver("gpu").failure_annotation});
}

}  // namespace gpu
