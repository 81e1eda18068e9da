// Readiness of an OnDelete DaemonSet (the driver), judged as upstream on its
// pods' revisions: the DaemonSet controller does not replace OnDelete pods,
// so a changed driver is ready only once every pod runs the newest revision
// and all of its containers are ready. The message says how many pods lag.
#ifndef OPERATORS_GPU_POLICY_DRIVER_READINESS_H_
#define OPERATORS_GPU_POLICY_DRIVER_READINESS_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/informer.h"
#include "readiness.h"

namespace gpu {

struct DriverPod {
  std::string name;
  std::string revision;  // its controller-revision-hash label
  bool ready = false;    // Running with every container ready
};

// `live` is the DaemonSet; `newest` the controller-revision-hash of its newest ControllerRevision
// (empty when none is known yet).
operators::Readiness OnDeleteReadiness(const nlohmann::json& live, const std::vector<DriverPod>& pods,
                                       const std::string& newest);

// OnDeleteReadiness of `live` from the informers of driver pods and their ControllerRevisions.
operators::Readiness DriverDaemonSetReadiness(const nlohmann::json& live, const kube::Informer& pods,
                                              const kube::Informer& revisions);

// The controller-revision-hash of the newest ControllerRevision owned by the DaemonSet `uid`;
// "" when none is known yet.
std::string NewestRevisionHash(const kube::Informer& revisions, const std::string& uid);

}  // namespace gpu

#endif  // OPERATORS_GPU_POLICY_DRIVER_READINESS_H_
