#include "nic_cluster_policy_reconciler.h"

#include <ctime>

#include "kube/log.h"
#include "kube/time_format.h"
#include "wait_labels.h"

namespace network {
kube::Resource NicClusterPolicies() {
  return {"mellanox.com", "v1alpha1", "nicclusterpolicies", "NicClusterPolicy", false};
}

NicClusterPolicyReconciler::NicClusterPolicyReconciler(kube::Client& client, kube::EventRecorder& recorder,
                                                       kube::Informer& policies, kube::Informer& nodes,
                                                       kube::Informer& driver_pods, const ManagedKinds& kinds,
                                                       std::string operand_namespace)
    : client_(client),
      recorder_(recorder),
      policies_(policies),
      nodes_(nodes),
      driver_pods_(driver_pods),
      syncer_(client, kinds, kFieldManager),
      namespace_(std::move(operand_namespace)) {}

kube::Status NicClusterPolicyReconciler::WriteStatus(const kube::Object& policy, const nlohmann::json& current,
                                                     const nlohmann::json& desired) {
  if (current == desired) return kube::Status::Ok();
  nlohmann::json body = {{"apiVersion", "mellanox.com/v1alpha1"},
                         {"kind", "NicClusterPolicy"},
                         {"metadata", {{"name", policy.name()}}},
                         {"status", desired}};
  auto applied = client_.Apply(NicClusterPolicies(), body, {kFieldManager, true, "status"});
  if (!applied.ok()) return applied.status().WithContext("writing NicClusterPolicy status");
  const std::string before = current.is_object() ? current.value("state", "") : "";
  const std::string after = desired.value("state", "");
  if (before != after) {
    auto ref = kube::ObjectReference::To(policy, "mellanox.com/v1alpha1", "NicClusterPolicy");
    std::string message = "state " + after;
    for (const auto& s : desired.value("appliedStates", nlohmann::json::array())) {
      if (s.value("state", "") == "error" || s.value("state", "") == "notReady") {
        message += "; " + s.value("name", "") + ": " + s.value("state", "") +
                   (s.contains("message") ? " (" + s.value("message", "") + ")" : "");
      }
    }
    if (after == "error") recorder_.Warning(ref, "StateError", message);
    else recorder_.Normal(ref, after == "ready" ? "Ready" : "StateChanged", message);
    kube::log::Info("NicClusterPolicy state changed", {{"from", before}, {"to", after}});
  }
  return kube::Status::Ok();
}

kube::Status NicClusterPolicyReconciler::UpdateWaitLabels(const std::vector<NodeLabels>& nodes, bool driver_configured) {
  std::vector<DriverPod> pods;
  for (const auto& p : driver_pods_.store().List()) {
    nlohmann::json t = p->Tree();
    DriverPod pod{t.value("spec", nlohmann::json::object()).value("nodeName", ""), false};
    for (const auto& c : t.value("status", nlohmann::json::object()).value("containerStatuses", nlohmann::json::array())) {
      if (c.value("name", "") == "mofed-container") pod.ready = c.value("ready", false);
    }
    pods.push_back(pod);
  }
  for (const auto& [node, value] : WaitLabelChanges(nodes, pods, driver_configured)) {
    nlohmann::json patch = {{"metadata", {{"labels", {{kMofedWaitLabel, value ? nlohmann::json(*value) : nlohmann::json()}}}}}};
    auto r = client_.Patch(kube::resources::Nodes(), "", node, kube::PatchType::kMerge, patch.dump());
    if (!r.ok() && !kube::IsNotFound(r.status())) return r.status().WithContext("labelling node " + node);
    kube::log::Info("node driver-wait label", {{"node", node}, {"value", value ? *value : "(removed)"}});
  }
  return kube::Status::Ok();
}

kube::Result<kube::ReconcileResult> NicClusterPolicyReconciler::Reconcile(const kube::ReconcileRequest& request,
                                                                          std::stop_token) {
  kube::ObjectPtr policy = policies_.store().Get(request.name);
  if (!policy || policy->meta().deleting) return kube::ReconcileResult{};  // operands go with their owner
  const nlohmann::json tree = policy->Tree();
  const nlohmann::json current = tree.value("status", nlohmann::json::object());

  if (policy->name() != kSingletonName) {
    nlohmann::json ignored = {{"state", "ignore"},
                              {"reason", "Unsupported NicClusterPolicy instance " + policy->name() +
                                             ". Only instance with name nic-cluster-policy is supported"}};
    KUBE_RETURN_IF_ERROR(WriteStatus(*policy, current, ignored));
    return kube::ReconcileResult{};
  }

  const nlohmann::json spec = tree.value("spec", nlohmann::json::object());
  std::vector<NodeLabels> nodes;
  for (const auto& n : nodes_.store().List()) {
    nlohmann::json t = n->Tree();
    nodes.push_back({n->name(), n->Labels(), t.value("spec", nlohmann::json::object()).value("taints", nlohmann::json::array())});
  }
  std::vector<StateReport> reports;
  for (const auto& state : NicClusterPolicyStates()) {
    reports.push_back(syncer_.Sync(state, *policy, spec, namespace_, nodes));
    if (reports.back().state == SyncState::kError) {
      kube::log::Warn("state failed", {{"state", state.name}, {"error", reports.back().message}});
    }
  }
  KUBE_RETURN_IF_ERROR(UpdateWaitLabels(nodes, spec.contains("ofedDriver") && spec["ofedDriver"].is_object()));
  nlohmann::json desired = BuildPolicyStatus(reports, policy->meta().generation, current, kube::RfcTimeNow());
  KUBE_RETURN_IF_ERROR(WriteStatus(*policy, current, desired));
  return kube::ReconcileResult{};
}

}  // namespace network
