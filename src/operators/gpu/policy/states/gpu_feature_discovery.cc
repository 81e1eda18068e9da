// gpu-feature-discovery: GFD, labelling nodes with what their GPUs are.
#include "states/states.h"

#include "states/state_rules.h"

namespace gpu::states {
namespace {

using nlohmann::json;

kube::Status GfdContext(const RenderInputs& in, json* c) {
  PluginConfig(in.spec, "gpu-feature-discovery", c);
  return kube::Status::Ok();
}

}  // namespace

GpuState GpuFeatureDiscovery() {
  return {"gpu-feature-discovery",
          "gfd",
          "GFD_IMAGE",
          EnabledByDefault("gfd"),
          Pools::kNone,
          GfdContext,
          GpuUserDaemonSet};
}

}  // namespace gpu::states
