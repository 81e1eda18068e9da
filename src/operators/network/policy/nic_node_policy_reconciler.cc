#include "nic_node_policy_reconciler.h"

#include "kube/log.h"
#include "kube/time_format.h"
#include "nic_cluster_policy_reconciler.h"
#include "policy_status_writer.h"
#include "upgrade/ofed_upgrade_status.h"

namespace network {

kube::Resource NicNodePolicies() { return {"mellanox.com", "v1alpha1", "nicnodepolicies", "NicNodePolicy", false}; }

NodePolicyView NodePolicyViewOf(const kube::Object& policy) {
  NodePolicyView view{policy.name(), {}, policy.Tree().value("spec", nlohmann::json::object())};
  const nlohmann::json selector = view.spec.value("nodeSelector", nlohmann::json::object());
  for (const auto& [key, value] : selector.items()) {
    if (value.is_string()) view.node_selector[key] = value.get<std::string>();
  }
  return view;
}

std::vector<NodePolicyView> ActiveNodePolicies(const kube::Informer& node_policies) {
  std::vector<NodePolicyView> out;
  for (const auto& p : node_policies.store().List()) {
    // A policy refused for its depth selects nothing (its own reconcile reports it).
    if (!p->meta().deleting && p->CheckNesting().ok()) out.push_back(NodePolicyViewOf(*p));
  }
  return out;
}

NicNodePolicyReconciler::NicNodePolicyReconciler(kube::Client& client, kube::EventRecorder& recorder,
                                                 kube::Informer& node_policies, kube::Informer& cluster_policies,
                                                 NodeViews& views, const ManagedKinds& kinds,
                                                 OperandSettings settings)
    : status_(client, recorder, NicClusterPolicyReconciler::kFieldManager),
      node_policies_(node_policies),
      cluster_policies_(cluster_policies),
      views_(views),
      syncer_(client, kinds, NicClusterPolicyReconciler::kFieldManager),
      settings_(std::move(settings)) {}

kube::Result<kube::ReconcileResult> NicNodePolicyReconciler::Reconcile(const kube::ReconcileRequest& request,
                                                                       std::stop_token) {
  kube::ObjectPtr policy = node_policies_.store().Get(request.name);
  if (!policy || policy->meta().deleting) return kube::ReconcileResult{};  // operands go with their owner
  const nlohmann::json current = policy->StatusTree();
  kube::ObjectPtr cluster = cluster_policies_.store().Get(NicClusterPolicyReconciler::kSingletonName);
  const bool cluster_active = cluster && !cluster->meta().deleting;
  std::string refused;
  if (kube::Status deep = policy->CheckNesting(); !deep.ok()) {
    refused = "spec refused: " + deep.message();
  } else if (kube::Status cluster_deep = cluster_active ? cluster->CheckNesting() : kube::Status::Ok();
             !cluster_deep.ok()) {
    refused = "the NicClusterPolicy cannot be read to check for overlaps: " + cluster_deep.message();
  }
  if (!refused.empty()) {
    // Fail closed: nothing is applied or removed while either policy cannot be read.
    kube::log::Warn("NicNodePolicy not applied", {{"name", policy->name()}, {"reason", refused}});
    nlohmann::json desired = BuildBlockedStatus(refused, policy->meta().generation, current, kube::RfcTimeNow());
    KUBE_RETURN_IF_ERROR(status_.Write(NicNodePolicies(), *policy, desired, PolicyStatusEvent).status());
    return kube::ReconcileResult{};
  }
  const NodePolicyView view = NodePolicyViewOf(*policy);

  const std::vector<NodeLabels> nodes = views_.Nodes();
  const std::vector<NodePolicyView> others = ActiveNodePolicies(node_policies_);  // itself is skipped in the check
  const nlohmann::json cluster_spec =
      cluster_active ? cluster->Tree().value("spec", nlohmann::json::object()) : nlohmann::json();

  const std::string conflict = NodePolicyConflict(view, others, cluster_spec, nodes);
  if (!conflict.empty()) {
    kube::log::Warn("NicNodePolicy not applied", {{"name", policy->name()}, {"reason", conflict}});
    nlohmann::json desired = BuildBlockedStatus(conflict, policy->meta().generation, current, kube::RfcTimeNow());
    KUBE_RETURN_IF_ERROR(status_.Write(NicNodePolicies(), *policy, desired, PolicyStatusEvent).status());
    return kube::ReconcileResult{};
  }

  // Only the selected nodes exist for this policy's states.
  std::vector<NodeLabels> selected;
  for (const auto& n : nodes) {
    if (SelectorMatches(view.node_selector, n.labels)) selected.push_back(n);
  }
  const nlohmann::json mirrored = MirroredSpec(view.spec, settings_);
  std::vector<StateReport> reports;
  for (const auto& state : NicNodePolicyStates()) {
    reports.push_back(syncer_.Sync(state, {*policy, "NicNodePolicy", policy->name(), view.node_selector}, mirrored,
                                   settings_, selected));
  }
  nlohmann::json desired = BuildPolicyStatus(reports, policy->meta().generation, current, kube::RfcTimeNow());
  if (nlohmann::json upgrade = OfedUpgradeStatus(view.spec, selected, {}); !upgrade.is_null()) desired["upgrade"] = upgrade;
  KUBE_RETURN_IF_ERROR(status_.Write(NicNodePolicies(), *policy, desired, PolicyStatusEvent).status());
  return kube::ReconcileResult{};
}

}  // namespace network
