// Taking over the driver pods of an upstream install without restarting
// them. Upstream runs one DaemonSet, nvidia-driver-daemonset, for every GPU
// node; this operator runs one per driver pool (OS, and kernel when
// precompiled). On switching:
//   1. before the pools' DaemonSets are applied, upstream's DaemonSet is
//      deleted with its pods orphaned (they keep running), and each orphaned
//      driver pod is relabelled into the pool of its node (the labels the
//      pool's DaemonSet selects on), so that DaemonSet adopts it instead of
//      starting a second driver there;
//   2. once the pool's DaemonSet exists and its revision is known, an adopted
//      pod that runs the pool's image is marked with that revision, so it
//      counts as current and is replaced only by a later driver change; one
//      running another image (upstream picks one node's OS for all) stays
//      behind, for the upgrade flow to replace.
// A pod's progress is kept in the cluster (a label on the pod, which the
// operator's cache of driver pods keeps), so a restarted operator resumes. Thread-compatible: called from the reconcile.
#ifndef OPERATORS_GPU_POLICY_DRIVER_HANDOVER_H_
#define OPERATORS_GPU_POLICY_DRIVER_HANDOVER_H_

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "driver_pools.h"
#include "kube/client.h"
#include "kube/informer.h"
#include "kube/status.h"
#include "gpu_labels.h"

namespace gpu {

// Upstream's single driver DaemonSet.
inline constexpr const char* kUpstreamDriverDaemonSet = "nvidia-driver-daemonset";

class DriverHandover {
 public:
  // `pods` and `revisions`: the driver pods and ControllerRevisions of `operand_namespace`.
  DriverHandover(kube::Client& client, const kube::Informer& pods, const kube::Informer& revisions,
                 std::string operand_namespace)
      : client_(client), pods_(pods), revisions_(revisions), namespace_(std::move(operand_namespace)) {}

  struct Released {
    std::string waiting;  // how many pods are still being handed over ("" when none)
    // Upstream's DaemonSet still owned pods: the pools' DaemonSets wait for the next pass, when
    // the pods are orphans they adopt, instead of starting drivers beside them.
    bool hold_daemonsets = false;
  };
  // Step 1, with the pools' DaemonSets as rendered.
  [[nodiscard]] kube::Result<Released> Release(const std::vector<const nlohmann::json*>& daemonsets,
                                               const std::vector<NodeLabels>& nodes);

  // Step 2, with a pool's DaemonSet as the API server returned it. Returns what is still pending.
  [[nodiscard]] kube::Result<std::string> Settle(const nlohmann::json& live);

 private:
  kube::Client& client_;
  const kube::Informer& pods_;
  const kube::Informer& revisions_;
  std::string namespace_;
};

// The DaemonSet among `daemonsets` whose nodeSelector `node_labels` satisfy, or nullptr.
const nlohmann::json* PoolDaemonSetFor(const std::vector<const nlohmann::json*>& daemonsets,
                                       const std::map<std::string, std::string>& node_labels);

}  // namespace gpu

#endif  // OPERATORS_GPU_POLICY_DRIVER_HANDOVER_H_
