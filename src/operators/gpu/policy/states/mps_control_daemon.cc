// state-mps-control-daemon: the MPS control daemon for nodes whose sharing config asks for MPS.
#include "states/states.h"

#include "states/state_rules.h"

namespace gpu::states {
namespace {

using nlohmann::json;

kube::Status MpsContext(const RenderInputs& in, json* c) {
  PluginConfig(in.spec, "/usr/bin/mps-control-daemon", c);
  return kube::Status::Ok();
}

}  // namespace

GpuState MpsControlDaemon() {
  return {"state-mps-control-daemon",
          "devicePlugin",
          "DEVICE_PLUGIN_IMAGE",
          EnabledByDefault("devicePlugin"),
          Pools::kNone,
          MpsContext,
          GpuUserDaemonSet};
}

}  // namespace gpu::states
