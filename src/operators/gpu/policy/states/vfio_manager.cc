// state-vfio-manager: binds GPUs to vfio-pci for passthrough, after its driver manager empties the node.
#include "states/states.h"

#include "states/state_rules.h"

namespace gpu::states {

using nlohmann::json;

GpuState VfioManager() {
  GpuState s;
  s.name = "state-vfio-manager";
  s.manifests = "gpu-operator/state-vfio-manager";
  s.kinds = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "DaemonSet"};
  s.section = "vfioManager";
  s.image_env = "VFIO_MANAGER_IMAGE";
  s.enabled = [](const json& spec) { return Sandbox(spec, "vfioManager", false); };
  s.customize = [](const RenderInputs& in, json* c) { return DriverManagerContext(in, "vfioManager", c); };
  return s;
}

}  // namespace gpu::states
