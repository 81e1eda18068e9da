#include "labels/node_label_reconciler.h"

#include "cluster_policy_reconciler.h"
#include "cluster_policy_spec.h"
#include "kube/log.h"
#include "kube/metadata_patch.h"
#include "labels/gpu_node_labels.h"

namespace gpu {

kube::Result<kube::ReconcileResult> NodeLabelReconciler::Reconcile(const kube::ReconcileRequest& request,
                                                                   std::stop_token) {
  const kube::ObjectPtr node = nodes_.store().Get(request.name);
  const kube::ObjectPtr policy = EffectivePolicy(policies_);
  if (!node || node->meta().deleting) return kube::ReconcileResult{};
  // Without a ClusterPolicy, NVIDIADrivers alone still need the GPU nodes found.
  if (!policy && drivers_.store().size() == 0) return kube::ReconcileResult{};
  // A policy refused for its depth changes no label (its own reconcile reports it).
  if (policy && !policy->CheckNesting().ok()) return kube::ReconcileResult{};
  const nlohmann::json spec = policy ? policy->Tree().value("spec", nlohmann::json::object()) : nlohmann::json::object();
  const LabelPlan plan = PlanGpuNodeLabels(node->Labels(), LabelSettingsFrom(spec));
  for (const auto& w : plan.warnings) kube::log::Warn("GPU node labels", {{"node", node->name()}, {"warning", w}});
  if (plan.changes.empty()) return kube::ReconcileResult{};
  // Fails on a node changed since it was read.
  auto r = client_.Patch(kube::resources::Nodes(), "", node->name(), kube::PatchType::kMerge,
                         kube::MetadataPatch(*node, plan.changes));
  if (!r.ok() && !kube::IsNotFound(r.status())) return r.status().WithContext("labelling node " + node->name());
  kube::log::Info("GPU node labelled", {{"node", node->name()}, {"workload", plan.workload},
                                         {"changes", std::to_string(plan.changes.size())}});
  return kube::ReconcileResult{};
}

}  // namespace gpu
