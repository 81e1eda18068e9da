// state-cc-manager: sets the confidential-computing mode of GPUs for Kata sandboxes.
#include "states/states.h"

#include "states/state_rules.h"

namespace gpu::states {
namespace {

using nlohmann::json;

kube::Status CcManagerContext(const RenderInputs& in, json* c) {
  (*c)["ccDefaultMode"] = SpecString(in.spec, "/ccManager/defaultMode", "off");
  return kube::Status::Ok();
}

}  // namespace

GpuState CcManager() {
  GpuState s;
  s.name = "state-cc-manager";
  s.manifests = "gpu-operator/state-cc-manager";
  s.kinds = {"ServiceAccount", "DaemonSet"};
  s.section = "ccManager";
  s.image_env = "CC_MANAGER_IMAGE";
  s.enabled = [](const json& spec) { return Sandbox(spec, "ccManager", false) && Mode(spec, "kata"); };
  s.customize = CcManagerContext;
  return s;
}

}  // namespace gpu::states
