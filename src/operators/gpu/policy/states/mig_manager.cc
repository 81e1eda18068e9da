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
  return {"state-mig-manager",
          "migManager",
          "MIG_MANAGER_IMAGE",
          EnabledByDefault("migManager"),
          Pools::kNone,
          MigManagerContext,
          GpuUserDaemonSet};
}

}  // namespace gpu::states
