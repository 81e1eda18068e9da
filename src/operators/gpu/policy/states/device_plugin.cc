// state-device-plugin: the Kubernetes device plugin advertising nvidia.com/gpu.
#include "states/states.h"

#include "states/state_rules.h"

namespace gpu::states {
namespace {

using nlohmann::json;

kube::Status DevicePluginContext(const RenderInputs& in, json* c) {
  PluginConfig(in.spec, "nvidia-device-plugin", c);
  (*c)["toolkitInstallDir"] = ToolkitInstallDir(in.spec);
  return kube::Status::Ok();
}

}  // namespace

GpuState DevicePlugin() {
  GpuState s;
  s.name = "state-device-plugin";
  s.manifests = "gpu-operator/state-device-plugin";
  s.kinds = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ConfigMap", "DaemonSet"};
  s.section = "devicePlugin";
  s.image_env = "DEVICE_PLUGIN_IMAGE";
  s.enabled = EnabledByDefault("devicePlugin");
  s.customize = DevicePluginContext;
  s.transform = GpuUserDaemonSet;
  return s;
}

}  // namespace gpu::states
