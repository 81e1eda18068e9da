// state-kata-device-plugin: the device plugin for Kata sandboxes.
#include "states/states.h"

#include "states/state_rules.h"

namespace gpu::states {

using nlohmann::json;

GpuState KataDevicePlugin() {
  return {"state-kata-device-plugin",
          "kataSandboxDevicePlugin",
          "KATA_SANDBOX_DEVICE_PLUGIN_IMAGE",
          [](const json& spec) { return Sandbox(spec, "kataSandboxDevicePlugin", true) && Mode(spec, "kata"); }};
}

}  // namespace gpu::states
