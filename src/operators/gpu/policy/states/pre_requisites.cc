// pre-requisites: the `nvidia` RuntimeClass the GPU operands run under (none with the NRI
// plugin, which needs no runtime class).
#include "states/states.h"

#include "states/state_rules.h"

namespace gpu::states {

using nlohmann::json;

GpuState PreRequisites() {
  GpuState s;
  s.name = "pre-requisites";
  s.manifests = "gpu-operator/pre-requisites";
  s.kinds = {"RuntimeClass"};
  s.enabled = [](const json& spec) { return !SpecBool(spec, "/cdi/nriPluginEnabled", false); };
  return s;
}

}  // namespace gpu::states
