// state-driver: the driver container, one DaemonSet per driver pool (OS, and kernel when
// precompiled), replaced node by node (OnDelete); its context is the renderer's, per pool.
#include "states/states.h"

#include "states/state_rules.h"

namespace gpu::states {

using nlohmann::json;

GpuState Driver() {
  GpuState s;
  s.name = "state-driver";
  s.manifests = "gpu-operator/state-driver";
  s.kinds = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ConfigMap", "DaemonSet"};
  s.section = "driver";
  s.image_env = "DRIVER_IMAGE";
  s.enabled = DriverOfPolicy;
  s.pools = Pools::kDriver;
  s.readiness = operators::StateReadiness::kDriverRollout;  // OnDelete: replaced node by node
  s.uses_validator = false;
  return s;
}

}  // namespace gpu::states
