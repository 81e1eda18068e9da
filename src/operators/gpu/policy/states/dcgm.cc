// state-dcgm: the standalone DCGM host engine.
#include "states/states.h"

#include "render_helpers.h"
#include "states/state_rules.h"

namespace gpu::states {
namespace {

using nlohmann::json;

kube::Status DcgmContext(const RenderInputs& in, json* c) {
  const json& dcgm = Section(in.spec, "dcgm");
  (*c)["dcgmHostPort"] = dcgm.contains("hostPort") && dcgm["hostPort"].is_number_integer() ? dcgm["hostPort"].get<int>() : 5555;
  return kube::Status::Ok();
}

}  // namespace

GpuState Dcgm() {
  return {"state-dcgm", "dcgm", "DCGM_IMAGE", EnabledByDefault("dcgm"), Pools::kNone, DcgmContext, GpuUserDaemonSet};
}

}  // namespace gpu::states
