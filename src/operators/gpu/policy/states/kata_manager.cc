// state-kata-manager: deprecated upstream; its spec is ignored and the state never runs.
#include "states/states.h"

#include "states/state_rules.h"

namespace gpu::states {

using nlohmann::json;

GpuState KataManager() {
  GpuState s;
  s.name = "state-kata-manager";
  s.section = "kataManager";
  s.image_env = "KATA_MANAGER_IMAGE";
  s.enabled = [](const json&) { return false; };
  return s;
}

}  // namespace gpu::states
