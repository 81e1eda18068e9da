// state-mig-manager: applies the MIG layout a node's nvidia.com/mig.config label names.
#include "states/states.h"

#include "states/state_rules.h"

namespace gpu::states {
namespace {

using nlohmann::json;

kube::Status MigManagerContext(const RenderInputs& in, json* c) {
  (*c)["migConfig"] = SpecString(in.spec, "/migManager/config/name", "default-mig-parted-config");
  (*c)["toolkitInstallDir"] = ToolkitInstallDir(in.spec);
  (*c)["gpuClientsConfig"] = SpecString(in.spec, "/migManager/gpuClientsConfig/name", "default-gpu-clients");
  return kube::Status::Ok();
}

}  // namespace

GpuState MigManager() {
  GpuState s;
  s.name = "state-mig-manager";
  s.manifests = "gpu-operator/state-mig-manager";
  s.kinds = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ConfigMap", "DaemonSet"};
  s.section = "migManager";
  s.image_env = "MIG_MANAGER_IMAGE";
  s.enabled = EnabledByDefault("migManager");
  s.customize = MigManagerContext;
  s.transform = GpuUserDaemonSet;
  return s;
}

}  // namespace gpu::states
