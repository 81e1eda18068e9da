// state-vgpu-device-manager: creates the vGPU devices a node's config names.
#include "states/states.h"

#include "states/state_rules.h"

namespace gpu::states {
namespace {

using nlohmann::json;

kube::Status VgpuDeviceManagerContext(const RenderInputs& in, json* c) {
  (*c)["vgpuDefaultConfig"] = SpecString(in.spec, "/vgpuDeviceManager/config/default", "default");
  (*c)["vgpuConfig"] = SpecString(in.spec, "/vgpuDeviceManager/config/name", "default-vgpu-devices-config");
  return kube::Status::Ok();
}

}  // namespace

GpuState VgpuDeviceManager() {
  GpuState s;
  s.name = "state-vgpu-device-manager";
  s.manifests = "gpu-operator/state-vgpu-device-manager";
  s.kinds = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ConfigMap", "DaemonSet"};
  s.section = "vgpuDeviceManager";
  s.image_env = "VGPU_DEVICE_MANAGER_IMAGE";
  s.enabled = [](const json& spec) { return Sandbox(spec, "vgpuDeviceManager", true); };
  s.customize = VgpuDeviceManagerContext;
  return s;
}

}  // namespace gpu::states
