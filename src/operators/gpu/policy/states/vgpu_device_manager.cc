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
  return {"state-vgpu-device-manager",
          "vgpuDeviceManager",
          "VGPU_DEVICE_MANAGER_IMAGE",
          [](const json& spec) { return Sandbox(spec, "vgpuDeviceManager", true); },
          Pools::kNone,
          VgpuDeviceManagerContext};
}

}  // namespace gpu::states
