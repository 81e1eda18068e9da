// How the device plugin shares a GPU, read from its configuration file (the
// `version: v1` document GFD reads with --config-file): time-slicing or MPS,
// the replicas of the nvidia.com/gpu resource and whether it is renamed.
// GFD's gpu.replicas, gpu.sharing-strategy, mps.capable and the product's
// "-SHARED" suffix follow from it.
#ifndef DISCOVERY_GPU_GPU_SHARING_H_
#define DISCOVERY_GPU_GPU_SHARING_H_

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "kube/status.h"

namespace discovery {

struct GpuSharing {
  std::string strategy = "none";  // none, time-slicing or mps: the configured kind of sharing
  int replicas = 1;               // of nvidia.com/gpu; 1 when it is not replicated
  bool renamed = false;           // the shared resource has another name (no "-SHARED" suffix)
};

// The sharing a device plugin configuration sets; an unreadable one is named by its field.
kube::Result<GpuSharing> ParseGpuSharing(const nlohmann::json& config);

}  // namespace discovery

#endif  // DISCOVERY_GPU_GPU_SHARING_H_
