// state-kata-device-plugin: the device plugin for Kata sandboxes.
#include "states/states.h"

#include "states/state_rules.h"

namespace gpu::states {

using nlohmann::json;

GpuState KataDevicePlugin() {
  GpuState s;
  s.name = "state-kata-device-plugin";
  s.manifests = "gpu-operator/state-kata-device-plugin";
  s.kinds = {"ServiceAccount", "DaemonSet"};
  s.section = "kataSandboxDevicePlugin";
  s.image_env = "KATA_SANDBOX_DEVICE_PLUGIN_IMAGE";
  s.enabled = [](const json& spec) { return Sandbox(spec, "kataSandboxDevicePlugin", true) && Mode(spec, "kata"); };
  return s;
}

}  // namespace gpu::states
