#include "nic_cluster_policy_reconciler.h"

#include "kube/log.h"
#include "kube/time_format.h"
#include "nic_node_policy_reconciler.h"
#include "node_policy_conflicts.h"
#include "policy_status_writer.h"
#include "upgrade/ofed_upgrade_status.h"
#include "wait_labels.h"

namespace network {
kube::Resource NicClusterPolicies() {
  return {"mellanox.com", "v1alpha1", "nicclusterpolicies", "NicClusterPolicy", false};
}

NicClusterPolicyReconciler::NicClusterPolicyReconciler(kube::Client& client, kube::EventRecorder& recorder,
                                                       kube::Informer& policies, kube::Informer& node_policies,
                                                       NodeViews& views, const ManagedKinds& kinds,
                                                       OperandSettings settings)
    : client_(client),
      status_(client, recorder, kFieldManager),
      policies_(policies),
      node_policies_(node_policies),
      views_(views),
      syncer_(client, kinds, kFieldManager),
      settings_(std::move(settings)) {}

kube::Status NicClusterPolicyReconciler::UpdateWaitLabels(const std::vector<NodeLabels>& nodes,
                                                          const nlohmann::json& cluster_spec) {
  const bool cluster_driver = cluster_spec.is_object() && cluster_spec.contains("ofedDriver") &&
                              cluster_spec["ofedDriver"].is_object();
  // Node policies that run the driver, and are in force (not in conflict).
  const std::vector<NodePolicyView> node_policies = ActiveNodePolicies(node_policies_);
  std::vector<const NodePolicyView*> node_drivers;
  for (const auto& p : node_policies) {
    if (p.spec.contains("ofedDriver") && NodePolicyConflict(p, node_policies, cluster_spec, nodes).empty()) {
      node_drivers.push_back(&p);
    }
  }
  // The spec of the policy that runs the driver on a node, or null.
  auto driver_spec = [&](const NodeLabels& n) -> const nlohmann::json* {
    if (cluster_driver) return &cluster_spec;
    for (const auto* p : node_drivers) {
      if (SelectorMatches(p->node_selector, n.labels)) return &p->spec;
    }
    return nullptr;
  };
  auto configured = [&](const NodeLabels& n) { return driver_spec(n) != nullptr; };
  const std::vector<DriverPod> pods = views_.DriverPods();
  std::map<std::string, nlohmann::json> labels;  // node -> label changes (null removes)
  auto add = [&labels](const char* label, const std::map<std::string, std::optional<std::string>>& changes) {
    for (const auto& [node, value] : changes) labels[node][label] = value ? nlohmann::json(*value) : nlohmann::json();
  };
  add(kMofedWaitLabel, WaitLabelChanges(nodes, pods, configured));
  const bool nic_configuration = cluster_spec.is_object() && cluster_spec.contains("nicConfigurationOperator") &&
                                 cluster_spec["nicConfigurationOperator"].is_object();
  if (!nic_configuration) {
    add(kNicConfigurationWaitLabel,
        WaitLabelChanges(nodes, {}, [](const NodeLabels&) { return false; }, kNicConfigurationWaitLabel));
  }
  for (const auto& [node, changes] : labels) {
    nlohmann::json patch = {{"metadata", {{"labels", changes}}}};
    auto r = client_.Patch(kube::resources::Nodes(), "", node, kube::PatchType::kMerge, patch.dump());
    if (!r.ok() && !kube::IsNotFound(r.status())) return r.status().WithContext("labelling node " + node);
    for (const auto& [key, value] : changes.items()) {
      kube::log::Info("node label", {{"node", node}, {"label", key}, {"value", value.is_null() ? "(removed)" : value.get<std::string>()}});
    }
  }
  return kube::Status::Ok();
}

kube::Result<kube::ReconcileResult> NicClusterPolicyReconciler::Reconcile(const kube::ReconcileRequest& request,
                                                                          std::stop_token) {
  const std::vector<NodeLabels> nodes = views_.Nodes();
  // One read of the cache per object: the informer may add the policy between two reads.
  kube::ObjectPtr requested = policies_.store().Get(request.name);
  const kube::ObjectPtr policy = request.name == kSingletonName ? requested : policies_.store().Get(kSingletonName);
  const bool active = policy && !policy->meta().deleting;
  if (active) {
    if (kube::Status deep = policy->CheckNesting(); !deep.ok()) {
      // Refused before it is walked: nothing is applied, relabelled or removed, so what runs keeps running.
      kube::log::Warn("NicClusterPolicy refused", {{"name", policy->name()}, {"error", deep.message()}});
      const nlohmann::json current = policy->StatusTree();
      nlohmann::json desired = current;
      desired["state"] = "error";
      desired["reason"] = "spec refused: " + deep.message();
      KUBE_RETURN_IF_ERROR(status_.Write(NicClusterPolicies(), *policy, desired, PolicyStatusEvent).status());
      return kube::ReconcileResult{};
    }
  }
  const nlohmann::json spec = active ? policy->Tree().value("spec", nlohmann::json::object()) : nlohmann::json();
  KUBE_RETURN_IF_ERROR(UpdateWaitLabels(nodes, spec));

  if (!requested || requested->meta().deleting) return kube::ReconcileResult{};  // operands go with their owner
  const nlohmann::json current = requested->StatusTree();
  if (requested->name() != kSingletonName) {
    nlohmann::json ignored = {{"state", "ignore"},
                              {"reason", "Unsupported NicClusterPolicy instance " + requested->name() +
                                             ". Only instance with name nic-cluster-policy is supported"}};
    KUBE_RETURN_IF_ERROR(status_.Write(NicClusterPolicies(), *requested, ignored, PolicyStatusEvent).status());
    return kube::ReconcileResult{};
  }

  const nlohmann::json mirrored = MirroredSpec(spec, settings_);
  std::vector<StateReport> reports;
  for (const auto& state : NicClusterPolicyStates()) {
    reports.push_back(syncer_.Sync(state, {*policy, "NicClusterPolicy", "", {}}, mirrored, settings_, nodes));
    if (reports.back().state == SyncState::kIgnore && !state.listed_when_unset) {
      reports.pop_back();
      continue;
    }
    if (reports.back().state == SyncState::kError) {
      kube::log::Warn("state failed", {{"state", state.name}, {"error", reports.back().message}});
    }
  }
  nlohmann::json desired = BuildPolicyStatus(reports, policy->meta().generation, current, kube::RfcTimeNow());
  if (nlohmann::json upgrade = OfedUpgradeStatus(spec, nodes, {}); !upgrade.is_null()) desired["upgrade"] = upgrade;
  KUBE_RETURN_IF_ERROR(status_.Write(NicClusterPolicies(), *policy, desired, PolicyStatusEvent).status());
  return kube::ReconcileResult{};
}

}  // namespace network
