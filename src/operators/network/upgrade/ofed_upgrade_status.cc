#include "upgrade/ofed_upgrade_status.h"

#include "node_policy_conflicts.h"
#include "upgrade_keys.h"
#include "upgrade_policy.h"
#include "upgrade_status.h"

namespace network {

nlohmann::json OfedUpgradeStatus(const nlohmann::json& spec, const std::vector<NodeLabels>& nodes,
                                 const std::map<std::string, std::string>& node_selector) {
  if (!spec.is_object() || !spec.contains("ofedDriver") || !spec["ofedDriver"].is_object()) return nullptr;
  auto policy = upgrade::ParseUpgradePolicyIn(spec, "/ofedDriver/upgradePolicy", upgrade::OfedDriverDefaults(),
                                              "spec.ofedDriver.upgradePolicy");
  return upgrade::UpgradeStatusOf(policy, [&] {
    const upgrade::UpgradeKeys keys = upgrade::KeysForDriver("ofed");
    std::vector<upgrade::NodeFacts> facts;
    for (const auto& n : nodes) {
      if (!SelectorMatches(node_selector, n.labels)) continue;
      upgrade::NodeFacts f;
      f.name = n.name;
      auto state = n.labels.find(keys.state_label);
      if (state != n.labels.end()) f.state = upgrade::ParseState(state->second).value_or(upgrade::UpgradeState::kUnknown);
      auto why = n.annotations.find(keys.failure_annotation);
      if (why != n.annotations.end()) f.failure_reason = why->second;
      facts.push_back(std::move(f));
    }
    return facts;
  });
}

void KeepOfedUpgradeAnnotations(kube::FieldMask& mask) {
  mask.Keep({"metadata", "annotations", upgrade::KeysForDriver("ofed").failure_annotation});
}

}  // namespace network
