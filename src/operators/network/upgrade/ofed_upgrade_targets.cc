#include "upgrade/ofed_upgrade_targets.h"

#include <nlohmann/json.hpp>

#include "network_labels.h"
#include "nic_cluster_policy_reconciler.h"
#include "nic_node_policy_reconciler.h"
#include "node_policy_conflicts.h"

namespace network {
namespace {

using nlohmann::json;

upgrade::UpgradeTarget Target(std::string owner, const std::string& ds_owner, const std::string& node_selector,
                              const json& spec, const std::string& field, const std::string& operand_namespace) {
  upgrade::DriverFleet fleet{upgrade::KeysForDriver("ofed"), upgrade::OfedDriverFlow(), operand_namespace,
                             std::string(kOfedDriverPodLabel) + ",ds-owner=" + ds_owner, "", node_selector, ""};
  return upgrade::MakeUpgradeTarget(
      std::move(owner), std::move(fleet),
      upgrade::ParseUpgradePolicyIn(spec, "/ofedDriver/upgradePolicy", upgrade::OfedDriverDefaults(), field));
}

bool RunsOfed(const json& spec) { return spec.is_object() && spec.contains("ofedDriver") && spec["ofedDriver"].is_object(); }

}  // namespace

std::string LabelSelectorOf(const std::map<std::string, std::string>& selector) {
  std::string out;
  for (const auto& [key, value] : selector) out += (out.empty() ? "" : ",") + key + "=" + value;
  return out;
}

std::vector<upgrade::UpgradeTarget> OfedUpgradeTargets(const kube::Informer& cluster_policies,
                                                       const kube::Informer& node_policies, NodeViews& views,
                                                       const std::string& operand_namespace) {
  std::vector<upgrade::UpgradeTarget> out;
  const std::string field = "spec.ofedDriver.upgradePolicy";
  const kube::ObjectPtr policy = cluster_policies.store().Get(NicClusterPolicyReconciler::kSingletonName);
  const bool active = policy && !policy->meta().deleting && policy->CheckNesting().ok();
  const json cluster_spec = active ? policy->Tree().value("spec", json::object()) : json();
  if (RunsOfed(cluster_spec)) {
    out.push_back(Target("NicClusterPolicy/" + policy->name(), "NicClusterPolicy", "", cluster_spec, field,
                         operand_namespace));
    return out;
  }
  const std::vector<NodePolicyView> all = ActiveNodePolicies(node_policies);
  const std::vector<NodeLabels> nodes = views.Nodes();
  for (const auto& p : all) {
    if (!RunsOfed(p.spec) || !NodePolicyConflict(p, all, cluster_spec, nodes).empty()) continue;
    out.push_back(Target("NicNodePolicy/" + p.name, "nnp-" + p.name, LabelSelectorOf(p.node_selector), p.spec, field,
                         operand_namespace));
  }
  if (out.empty()) {
    // No policy runs the driver: what an earlier one left on the nodes goes.
    upgrade::UpgradeTarget gone = Target("none", "none", "", json(), field, operand_namespace);
    gone.policy.auto_upgrade = false;
    out.push_back(std::move(gone));
  }
  return out;
}

}  // namespace network
