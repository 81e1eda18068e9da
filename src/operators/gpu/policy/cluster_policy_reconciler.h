// ClusterPolicyReconciler: brings the effective ClusterPolicy's states, in
// upstream order, to their objects and reports the result in its status.
//
// The effective policy is the oldest (then the lexically first name); every
// other one gets `state: ignored`, persisted, naming the effective one. A
// pass renders every enabled state before applying any, so a bad spec (a
// contradiction, a partial image, a ConfigMap that does not exist) applies
// nothing and says why in the status and an Event. Objects are applied only
// when their revision changed, the status only when it differs: a policy at
// rest costs no writes. No polling: owned objects, driver pods and node
// labels bring the next pass.
#ifndef OPERATORS_GPU_POLICY_CLUSTER_POLICY_RECONCILER_H_
#define OPERATORS_GPU_POLICY_CLUSTER_POLICY_RECONCILER_H_

#include <map>
#include <string>
#include <vector>

#include "images/image_reference.h"
#include "kube/controller.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/status_writer.h"
#include "owned_objects.h"
#include "readiness.h"
#include "state_renderer.h"
#include "gpu_labels.h"

namespace gpu {

kube::Resource ClusterPolicies();

// The kinds the states create.
std::vector<kube::Resource> ClusterPolicyStateResources(bool service_monitors);

// The effective ClusterPolicy among `policies` (the oldest, not being deleted), or null.
kube::ObjectPtr EffectivePolicy(const kube::Informer& policies);

// The GPU nodes (nvidia.com/gpu.present=true) and whether any node has NFD labels.
struct ClusterNodes {
  std::vector<NodeLabels> gpu;
  bool nfd = false;
};
ClusterNodes ReadNodes(const kube::Informer& nodes);

class ClusterPolicyReconciler : public kube::Reconciler {
 public:
  struct Informers {
    kube::Informer& policies;
    kube::Informer& nodes;          // labels only
    kube::Informer& driver_pods;    // app.kubernetes.io/component=nvidia-driver
    kube::Informer& driver_revisions;  // their ControllerRevisions
  };
  ClusterPolicyReconciler(kube::Client& client, kube::EventRecorder& recorder, Informers informers,
                          const operators::ManagedKinds& kinds, std::string operand_namespace, EnvLookup env,
                          bool service_monitors);

  kube::Result<kube::ReconcileResult> Reconcile(const kube::ReconcileRequest& request, std::stop_token stop) override;

  static constexpr const char* kKey = "cluster-policy";  // every event maps to this one key
  static constexpr const char* kFieldManager = "gpu-operator";

 private:
  kube::Status WriteStatus(const kube::Object& policy, const nlohmann::json& desired);

  kube::Client& client_;
  kube::StatusWriter status_;
  Informers informers_;
  operators::OwnedObjects objects_;
  const std::string namespace_;
  const EnvLookup env_;
  const bool service_monitors_;
};

}  // namespace gpu

#endif  // OPERATORS_GPU_POLICY_CLUSTER_POLICY_RECONCILER_H_
