// state-container-toolkit: the NVIDIA Container Toolkit, configuring the nodes' runtime.
#include "states/states.h"

#include "runtime_access.h"
#include "states/state_rules.h"

namespace gpu::states {
namespace {

using nlohmann::json;

kube::Status ToolkitContext(const RenderInputs& in, json* c) {
  (*c)["installDir"] = ToolkitInstallDir(in.spec);
  return kube::Status::Ok();
}

}  // namespace

GpuState ContainerToolkit() {
  GpuState s;
  s.name = "state-container-toolkit";
  s.manifests = "gpu-operator/state-container-toolkit";
  s.kinds = {"ServiceAccount", "Role", "RoleBinding", "ConfigMap", "DaemonSet"};
  s.section = "toolkit";
  s.image_env = "CONTAINER_TOOLKIT_IMAGE";
  s.enabled = EnabledByDefault("toolkit");
  s.customize = ToolkitContext;
  s.transform = ToolkitRuntimeMounts;
  return s;
}

}  // namespace gpu::states
