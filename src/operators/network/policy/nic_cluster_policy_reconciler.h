// NicClusterPolicyReconciler: reconciles the NicClusterPolicy named
// nic-cluster-policy through its states, in upstream order, and reports the
// result in its status. A policy with another name gets `state: ignore` and a
// persisted reason. Every state runs on every pass (a failing one does not
// stop the others). The status is written only when it changes, and an
// Event marks each change of the global state. No polling: the owned
// objects' status changes bring the next pass. It also keeps every node's
// mofed.wait label, for the drivers of this policy and of NicNodePolicies,
// whether or not a NicClusterPolicy exists.
#ifndef OPERATORS_NETWORK_POLICY_NIC_CLUSTER_POLICY_RECONCILER_H_
#define OPERATORS_NETWORK_POLICY_NIC_CLUSTER_POLICY_RECONCILER_H_

#include <string>

#include "kube/controller.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/status_writer.h"
#include "node_views.h"
#include "state_syncer.h"

namespace network {

kube::Resource NicClusterPolicies();

class NicClusterPolicyReconciler : public kube::Reconciler {
 public:
  NicClusterPolicyReconciler(kube::Client& client, kube::EventRecorder& recorder, kube::Informer& policies,
                             kube::Informer& node_policies, NodeViews& views, const ManagedKinds& kinds,
                             OperandSettings settings);

  kube::Result<kube::ReconcileResult> Reconcile(const kube::ReconcileRequest& request, std::stop_token stop) override;

  static constexpr const char* kSingletonName = "nic-cluster-policy";
  static constexpr const char* kFieldManager = "network-operator";

 private:
  // Sets the mofed.wait label of each node that needs a change. `cluster_spec` is the
  // NicClusterPolicy's spec, null when there is none.
  kube::Status UpdateWaitLabels(const std::vector<NodeLabels>& nodes, const nlohmann::json& cluster_spec);

  kube::Client& client_;
  kube::StatusWriter status_;
  kube::Informer& policies_;
  kube::Informer& node_policies_;
  NodeViews& views_;
  StateSyncer syncer_;
  const OperandSettings settings_;
};

}  // namespace network

#endif  // OPERATORS_NETWORK_POLICY_NIC_CLUSTER_POLICY_RECONCILER_H_
