// NvidiaDriverReconciler: brings every NVIDIADriver (nvidia.com/v1alpha1)
// to its driver DaemonSets, one per pool of the nodes it drives (per OS, and
// per kernel with precompiled drivers), and reports each in its status.
//
// Which driver drives which node is decided for all drivers at once
// (AssignDriverNodes) and written to each node as the owner label the
// DaemonSets select on, so a node never gets two drivers. A rejected driver
// (a node conflict, a second default) and a driver with a bad spec apply
// nothing and keep what they had. While a ClusterPolicy exists that deploys
// the driver itself (no spec.driver.useNvidiaDriverCRD), every NVIDIADriver
// is `disabled` and has no objects. As for the ClusterPolicy: objects and
// statuses are written only when they change, so drivers at rest cost no
// writes, and owned objects, driver pods and node labels bring the next pass.
#ifndef OPERATORS_GPU_NVIDIADRIVER_NVIDIA_DRIVER_RECONCILER_H_
#define OPERATORS_GPU_NVIDIADRIVER_NVIDIA_DRIVER_RECONCILER_H_

#include <map>
#include <string>
#include <vector>

#include "cluster_policy_reconciler.h"
#include "kube/controller.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/status_writer.h"
#include "nvidiadriver/nvidia_driver_status.h"
#include "owned_objects.h"

namespace gpu {

kube::Resource NvidiaDrivers();

class NvidiaDriverReconciler : public kube::Reconciler {
 public:
  struct Informers {
    kube::Informer& drivers;
    kube::Informer& policies;
    kube::Informer& nodes;             // labels only
    kube::Informer& driver_pods;       // app.kubernetes.io/component=nvidia-driver
    kube::Informer& driver_revisions;  // their ControllerRevisions
  };
  NvidiaDriverReconciler(kube::Client& client, kube::EventRecorder& recorder, Informers informers,
                         const operators::ManagedKinds& kinds, std::string operand_namespace, EnvLookup env);

  kube::Result<kube::ReconcileResult> Reconcile(const kube::ReconcileRequest& request, std::stop_token stop) override;

  static constexpr const char* kKey = "nvidia-drivers";  // every event maps to this one key
  static constexpr const char* kState = "state-driver";

 private:
  // Sets (or removes, for "") the owner label of each node in `owners` that differs.
  kube::Status LabelOwners(const std::map<std::string, std::string>& owners);
  // Renders and applies one accepted driver for `node_names`; `requeue` is set while a
  // ConfigMap it names is missing.
  DriverStatusInput ReconcileDriver(const kube::Object& driver, const std::vector<std::string>& node_names,
                                    const std::vector<NodeLabels>& gpu_nodes, const nlohmann::json& policy_spec,
                                    bool* requeue);
  kube::Status WriteStatus(const kube::Object& driver, const DriverStatusInput& input);

  kube::Client& client_;
  kube::StatusWriter status_;
  Informers informers_;
  operators::OwnedObjects objects_;
  const std::string namespace_;
  const EnvLookup env_;
};

}  // namespace gpu

#endif  // OPERATORS_GPU_NVIDIADRIVER_NVIDIA_DRIVER_RECONCILER_H_
