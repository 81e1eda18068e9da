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
  return {"state-device-plugin",
          "devicePlugin",
          "DEVICE_PLUGIN_IMAGE",
          EnabledByDefault("devicePlugin"),
          Pools::kNone,
          DevicePluginContext,
          GpuUserDaemonSet};
}

}  // namespace gpu::states
