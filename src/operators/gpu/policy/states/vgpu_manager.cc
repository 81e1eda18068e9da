// state-vgpu-manager: the vGPU host driver, one DaemonSet per OS, for sandbox nodes.
#include "states/states.h"

#include "states/state_rules.h"

namespace gpu::states {

using nlohmann::json;

GpuState VgpuManager() {
  return {"state-vgpu-manager",
          "vgpuManager",
          "VGPU_MANAGER_IMAGE",
          [](const json& spec) {
            return Sandbox(spec, "vgpuManager", true) && !SpecBool(spec, "/driver/useNvidiaDriverCRD", false);
          },
          Pools::kVgpuManager};
}

}  // namespace gpu::states
