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
  return {"state-cc-manager",
          "ccManager",
          "CC_MANAGER_IMAGE",
          [](const json& spec) { return Sandbox(spec, "ccManager", false) && Mode(spec, "kata"); },
          Pools::kNone,
          CcManagerContext};
}

}  // namespace gpu::states
