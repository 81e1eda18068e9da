// state-sandbox-device-plugin: KubeVirt's device plugin for passthrough and vGPU devices.
#include "states/states.h"

#include "states/state_rules.h"

namespace gpu::states {

using nlohmann::json;

GpuState SandboxDevicePlugin() {
  GpuState s;
  s.name = "state-sandbox-device-plugin";
  s.manifests = "gpu-operator/state-sandbox-device-plugin";
  s.kinds = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "DaemonSet"};
  s.section = "sandboxDevicePlugin";
  s.image_env = "SANDBOX_DEVICE_PLUGIN_IMAGE";
  s.enabled = [](const json& spec) { return Sandbox(spec, "sandboxDevicePlugin", true) && Mode(spec, "kubevirt"); };
  return s;
}

}  // namespace gpu::states
