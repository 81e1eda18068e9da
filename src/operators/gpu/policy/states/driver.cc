// state-driver: the driver container, one DaemonSet per driver pool (OS, and kernel when
// precompiled), replaced node by node (OnDelete); its context is the renderer's, per pool.
#include "states/states.h"

#include "states/state_rules.h"

namespace gpu::states {

using nlohmann::json;

GpuState Driver() {
  GpuState state{"state-driver", "driver", "DRIVER_IMAGE", DriverOfPolicy, Pools::kDriver};
  state.uses_validator = false;
  return state;
}

}  // namespace gpu::states
