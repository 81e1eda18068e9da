// NicClusterPolicyReconciler: reconciles the NicClusterPolicy named
// nic-cluster-policy through its states, in upstream order, and reports the
// result in its status. A policy with another name gets `state: ignore` and a
// persisted reason. Every state runs on every pass (a failing one does not
// stop the others). The status is written only when it changes, and an
// Event marks each change of the global state. No polling: the owned
// objects' status changes bring the next pass.
#ifndef OPERATORS_NETWORK_POLICY_NIC_CLUSTER_POLICY_RECONCILER_H_
#define OPERATORS_NETWORK_POLICY_NIC_CLUSTER_POLICY_RECONCILER_H_

#include <string>

#include "kube/controller.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "state_syncer.h"

namespace network {

kube::Resource NicClusterPolicies();

class NicClusterPolicyReconciler : public kube::Reconciler {
 public:
  NicClusterPolicyReconciler(kube::Client& client, kube::EventRecorder& recorder, kube::Informer& policies,
                             kube::Informer& nodes, kube::Informer& driver_pods, const ManagedKinds& kinds,
                             std::string operand_namespace);

  kube::Result<kube::ReconcileResult> Reconcile(const kube::ReconcileRequest& request, std::stop_token stop) override;

  static constexpr const char* kSingletonName = "nic-cluster-policy";
  static constexpr const char* kFieldManager = "network-operator";

 private:
  // Sets the mofed.wait label of each node that needs a change.
  kube::Status UpdateWaitLabels(const std::vector<NodeLabels>& nodes, bool driver_configured);
  kube::Status WriteStatus(const kube::Object& policy, const nlohmann::json& current, const nlohmann::json& desired);

  kube::Client& client_;
  kube::EventRecorder& recorder_;
  kube::Informer& policies_;
  kube::Informer& nodes_;
  kube::Informer& driver_pods_;
  StateSyncer syncer_;
  const std::string namespace_;
};

}  // namespace network

#endif  // OPERATORS_NETWORK_POLICY_NIC_CLUSTER_POLICY_RECONCILER_H_
