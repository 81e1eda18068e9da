// state-kata-manager: deprecated upstream; its spec is ignored and the state never runs.
#include "states/states.h"

#include "states/state_rules.h"

namespace gpu::states {

using nlohmann::json;

GpuState KataManager() {
  return {"state-kata-manager", "kataManager", "KATA_MANAGER_IMAGE", [](const json&) { return false; }};
}

}  // namespace gpu::states
