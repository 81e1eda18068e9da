// The container runtime a node reports, by name: "containerd", "cri-o",
// "docker", from status.nodeInfo.containerRuntimeVersion ("containerd://1.7.2").
// Both operators configure host files by it. Pure; thread-safe.
#ifndef OPERATORS_COMMON_CONTAINER_RUNTIME_H_
#define OPERATORS_COMMON_CONTAINER_RUNTIME_H_

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace common {

// The runtime's name, or "" when the node reports none.
[[nodiscard]] std::string ContainerRuntimeName(const nlohmann::json& node);

}  // namespace common

#endif  // OPERATORS_COMMON_CONTAINER_RUNTIME_H_
