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
  return {"state-container-toolkit",
          "toolkit",
          "CONTAINER_TOOLKIT_IMAGE",
          EnabledByDefault("toolkit"),
          Pools::kNone,
          ToolkitContext,
          ToolkitRuntimeMounts};
}

}  // namespace gpu::states
