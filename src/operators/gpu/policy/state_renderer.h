// Rendering one ClusterPolicy state: the spec turned into the template
// context (images resolved in upstream's precedence, behind the one registry
// override), the state's templates rendered (the driver once per pool), and
// the settings common to every operand applied to what came out: update
// strategy, priority class, tolerations, pod security context, pull
// secrets, the user's env, args and resources on the main container, host
// networking, and `spec.daemonsets` labels and annotations.
#ifndef OPERATORS_GPU_POLICY_STATE_RENDERER_H_
#define OPERATORS_GPU_POLICY_STATE_RENDERER_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "driver_pools.h"
#include "gpu_states.h"
#include "images/image_reference.h"
#include "kube/status.h"

namespace gpu {

struct RenderInputs {
  const nlohmann::json& spec;  // the ClusterPolicy's spec
  std::string namespace_;      // the operator's (and operands') namespace
  EnvLookup env;               // the operator's environment (image fallbacks)
  std::vector<NodeLabels> gpu_nodes;  // nodes with nvidia.com/gpu.present=true
  bool service_monitors = false;      // the ServiceMonitor kind exists
};

struct RenderedState {
  std::vector<nlohmann::json> objects;
  std::string pending;             // non-empty: the state cannot be ready, and why
};

// The objects of an enabled state. InvalidArgument names the spec field at fault.
kube::Result<RenderedState> RenderClusterPolicyState(const GpuState& state, const RenderInputs& in);

// What one driver pool's objects are called: its DaemonSet, the ServiceAccount and RBAC its pods
// use, and the startup probe's ConfigMap (which pools may share).
struct PoolNames {
  std::string daemonset;
  std::string resources;
  std::string probe_config;
};

// The objects of one driver pool as the driver state renders them (ServiceAccount, RBAC,
// startup-probe ConfigMap, DaemonSet), from `in.spec.driver`; with `vgpu_host_manager`, the vGPU
// manager's from `in.spec.vgpuManager`. The NVIDIADriver reconciler renders its pools this way.
kube::Result<std::vector<nlohmann::json>> RenderDriverPool(const RenderInputs& in, const DriverPool& pool,
                                                           const PoolNames& names, bool vgpu_host_manager);

// The registry override (spec.global.imageRegistry) applied to an image.
std::string OverrideRegistry(const nlohmann::json& spec, const std::string& image);

}  // namespace gpu

#endif  // OPERATORS_GPU_POLICY_STATE_RENDERER_H_
