// pre-requisites: the `nvidia` RuntimeClass the GPU operands run under (none with the NRI
// plugin, which needs no runtime class).
#include "states/states.h"

#include "states/state_rules.h"

namespace gpu::states {

using nlohmann::json;

GpuState PreRequisites() {
  return {"pre-requisites", "", "", [](const json& spec) { return !SpecBool(spec, "/cdi/nriPluginEnabled", false); }};
}

}  // namespace gpu::states
