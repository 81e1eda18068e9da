// Reading an NVIDIADriver spec (nvidia.com/v1alpha1): the checks for
// settings that contradict each other, the ConfigMaps it names, the names of
// what it creates, and the spec its pools are rendered from, which is the
// ClusterPolicy's (global registry, validator, host paths) with the
// NVIDIADriver's driver, GDS/GDRCopy and scheduling settings put where the
// ClusterPolicy keeps them, so one renderer serves both resources.
#ifndef OPERATORS_GPU_NVIDIADRIVER_NVIDIA_DRIVER_SPEC_H_
#define OPERATORS_GPU_NVIDIADRIVER_NVIDIA_DRIVER_SPEC_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster_policy_spec.h"
#include "kube/status.h"

namespace gpu {

// spec.driverType: gpu (default), vgpu or vgpu-host-manager.
std::string DriverType(const nlohmann::json& spec);

// InvalidArgument naming the field for: an unknown driverType or kernelModuleType, precompiled
// drivers with GDS, GDRCopy or a digest.
kube::Status ValidateNvidiaDriver(const nlohmann::json& spec);

// The ConfigMaps (in the operator namespace) the driver names.
std::vector<ConfigMapReference> NvidiaDriverConfigMaps(const nlohmann::json& spec);

// The ClusterPolicy-shaped spec a pool of this driver is rendered from. `policy_spec` is the
// effective ClusterPolicy's spec, or an empty object when there is none.
nlohmann::json DriverRenderSpec(const nlohmann::json& policy_spec, const nlohmann::json& driver_spec);

// The DaemonSet of one pool, named as upstream names it: "nvidia-gpu-driver-ubuntu22.04-5799489887",
// the FNV-1a of the driver's UID (and "-<kernel>" when precompiled) in Kubernetes' safe encoding;
// the prefix is cut to keep 63 characters. An upstream install's DaemonSets are thus the ones
// this operator applies: switching keeps them, and their pods (OnDelete) keep running.
std::string NvidiaDriverDaemonSetName(const std::string& driver_type, const std::string& os_tag,
                                      const std::string& uid, const std::string& kernel);

// What the driver's pods run as (ServiceAccount, RBAC, startup-probe ConfigMap):
// "nvidia-gpu-driver-<name>", or "nvidia-vgpu-manager-<name>" for the vGPU host manager.
std::string NvidiaDriverResourceName(const std::string& driver_type, const std::string& name);

}  // namespace gpu

#endif  // OPERATORS_GPU_NVIDIADRIVER_NVIDIA_DRIVER_SPEC_H_
