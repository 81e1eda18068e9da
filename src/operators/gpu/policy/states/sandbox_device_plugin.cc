// state-sandbox-device-plugin: KubeVirt's device plugin for passthrough and vGPU devices.
#include "states/states.h"

#include "states/state_rules.h"

namespace gpu::states {

using nlohmann::json;

GpuState SandboxDevicePlugin() {
  return {"state-sandbox-device-plugin",
          "sandboxDevicePlugin",
          "SANDBOX_DEVICE_PLUGIN_IMAGE",
          [](const json& spec) { return Sandbox(spec, "sandboxDevicePlugin", true) && Mode(spec, "kubevirt"); }};
}

}  // namespace gpu::states
