// NicNodePolicyReconciler: runs the OFED driver, RDMA shared device plugin
// and SR-IOV device plugin states for the nodes a NicNodePolicy selects.
// Its objects carry the policy's name and its nodeSelector, so several node
// policies live side by side. A conflict (a section also in the
// NicClusterPolicy, or a node selected by two node policies) gives
// `state: error` with the reason and applies nothing; what was applied before
// stays untouched until the conflict is resolved. Status has the
// NicClusterPolicy's shape: appliedStates, state, conditions, observedGeneration.
#ifndef OPERATORS_NETWORK_POLICY_NIC_NODE_POLICY_RECONCILER_H_
#define OPERATORS_NETWORK_POLICY_NIC_NODE_POLICY_RECONCILER_H_

#include <string>

#include "kube/controller.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/status_writer.h"
#include "node_policy_conflicts.h"
#include "node_views.h"
#include "state_syncer.h"

namespace network {

kube::Resource NicNodePolicies();

// The name, nodeSelector and spec of a NicNodePolicy.
NodePolicyView NodePolicyViewOf(const kube::Object& policy);
// Those of every cached NicNodePolicy that is not being deleted.
std::vector<NodePolicyView> ActiveNodePolicies(const kube::Informer& node_policies);

class NicNodePolicyReconciler : public kube::Reconciler {
 public:
  NicNodePolicyReconciler(kube::Client& client, kube::EventRecorder& recorder, kube::Informer& node_policies,
                          kube::Informer& cluster_policies, NodeViews& views, const ManagedKinds& kinds,
                          OperandSettings settings);

  kube::Result<kube::ReconcileResult> Reconcile(const kube::ReconcileRequest& request, std::stop_token stop) override;

 private:
  kube::StatusWriter status_;
  kube::Informer& node_policies_;
  kube::Informer& cluster_policies_;
  NodeViews& views_;
  StateSyncer syncer_;
  const OperandSettings settings_;
};

}  // namespace network

#endif  // OPERATORS_NETWORK_POLICY_NIC_NODE_POLICY_RECONCILER_H_
