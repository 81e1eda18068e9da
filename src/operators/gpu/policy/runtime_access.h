// How operands reach the node's container runtime and the GPUs.
//
// The toolkit configures the runtime through host paths the user may move
// (k3s, RKE2: CONTAINERD_CONFIG and CONTAINERD_SOCKET in toolkit.env): each
// host path's directory is mounted and the container told the file's path
// inside the mount, as upstream does; with the NRI plugin only the runtime's
// NRI socket is mounted. Operands that use every GPU get the `nvidia` runtime
// class, or, with the NRI plugin, ask for the management device by
// annotation. Stateless.
#ifndef OPERATORS_GPU_POLICY_RUNTIME_ACCESS_H_
#define OPERATORS_GPU_POLICY_RUNTIME_ACCESS_H_

#include <string>

#include <nlohmann/json.hpp>

#include "state_renderer.h"

namespace gpu {

// The toolkit DaemonSet's runtime variables, mounts and volumes for the nodes' runtime.
void ToolkitRuntimeMounts(const RenderInputs& in, nlohmann::json& daemonset);

// `container` of `daemonset` (its main one when empty) gets every GPU: the runtime class
// the template sets is dropped where no handler serves it (the NRI plugin, CRI-O without CDI),
// and the NRI plugin is asked for the management device instead.
void ManagementDeviceAccess(const RenderInputs& in, const std::string& container, nlohmann::json& daemonset);

}  // namespace gpu

#endif  // OPERATORS_GPU_POLICY_RUNTIME_ACCESS_H_
