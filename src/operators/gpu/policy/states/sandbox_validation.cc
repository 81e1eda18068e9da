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
  return {"state-sandbox-validation",
          "validator",
          "VALIDATOR_IMAGE",
          [](const json& spec) { return SandboxEnabled(spec); },
          Pools::kNone,
          SandboxValidationContext};
}

}  // namespace gpu::states
