// state-sandbox-validation: the validator for VM workloads (VFIO, vGPU devices).
#include "states/states.h"

#include "states/state_rules.h"

namespace gpu::states {
namespace {

using nlohmann::json;

kube::Status SandboxValidationContext(const RenderInputs& in, json* c) {
  (*c)["defaultWorkload"] = SpecString(in.spec, "/sandboxWorkloads/defaultWorkload", "container");
  return kube::Status::Ok();
}

}  // namespace

GpuState SandboxValidation() {
  GpuState s;
  s.name = "state-sandbox-validation";
  s.manifests = "gpu-operator/state-sandbox-validation";
  s.kinds = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "DaemonSet"};
  s.section = "validator";
  s.image_env = "VALIDATOR_IMAGE";
  s.enabled = [](const json& spec) { return SandboxEnabled(spec); };
  s.customize = SandboxValidationContext;
  return s;
}

}  // namespace gpu::states
