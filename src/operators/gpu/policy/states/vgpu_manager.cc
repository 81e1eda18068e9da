// state-vgpu-manager: the vGPU host driver, one DaemonSet per OS, for sandbox nodes.
#include "states/states.h"

#include "states/state_rules.h"

namespace gpu::states {

using nlohmann::json;

GpuState VgpuManager() {
  GpuState s;
  s.name = "state-vgpu-manager";
  s.manifests = "gpu-operator/state-vgpu-manager";
  s.kinds = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "DaemonSet"};
  s.section = "vgpuManager";
  s.image_env = "VGPU_MANAGER_IMAGE";
  s.enabled = [](const json& spec) {
    return Sandbox(spec, "vgpuManager", true) && !SpecBool(spec, "/driver/useNvidiaDriverCRD", false);
  };
  s.pools = Pools::kVgpuManager;
  s.customize = [](const RenderInputs& in, json* c) { return DriverManagerContext(in, "vgpuManager", c); };
  return s;
}

}  // namespace gpu::states
