// state-operator-validation: the validator, whose init containers check each layer (driver,
// toolkit, CUDA, plugin) and write the files the other operands wait for.
#include "states/states.h"

#include <algorithm>

#include "render_helpers.h"
#include "runtime_access.h"
#include "states/state_rules.h"

namespace gpu::states {
namespace {

using nlohmann::json;

kube::Status ValidatorContext(const RenderInputs& in, json* c) {
  // Nothing validates a device plugin that is not deployed.
  (*c)["pluginValidation"] = Enabled(in.spec, "devicePlugin", true);
  return kube::Status::Ok();
}

// validator.<component>.env reaches the <component>-validation init container, as upstream.
void MergeValidationEnv(const json& validator, json& ds) {
  json& init = ds["spec"]["template"]["spec"]["initContainers"];
  if (!init.is_array()) return;
  for (auto& container : init) {
    const std::string name = container.value("name", "");
    const std::string component = name.substr(0, name.rfind("-validation"));
    if (component == name) continue;
    const json& settings = Section(validator, component);
    MergeEnv(container, settings.value("env", json::array()));
  }
}

void ValidatorDaemonSet(const RenderInputs& in, json& ds) {
  MergeValidationEnv(Section(in.spec, "validator"), ds);
  // Its GPU user is its toolkit check, an init container.
  const json init = ds["spec"]["template"]["spec"].value("initContainers", json::array());
  const bool checks_toolkit =
      std::any_of(init.begin(), init.end(), [](const json& c) { return c.value("name", "") == "toolkit-validation"; });
  if (checks_toolkit) ManagementDeviceAccess(in, "toolkit-validation", ds);
}

}  // namespace

GpuState OperatorValidation() {
  GpuState s;
  s.name = "state-operator-validation";
  s.manifests = "gpu-operator/state-operator-validation";
  s.kinds = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "DaemonSet"};
  s.section = "validator";
  s.image_env = "VALIDATOR_IMAGE";
  s.enabled = Always;
  s.customize = ValidatorContext;
  s.transform = ValidatorDaemonSet;
  return s;
}

}  // namespace gpu::states
