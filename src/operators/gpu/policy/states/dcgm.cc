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
  GpuState s;
  s.name = "state-dcgm";
  s.manifests = "gpu-operator/state-dcgm";
  s.kinds = {"ServiceAccount", "Service", "DaemonSet"};
  s.section = "dcgm";
  s.image_env = "DCGM_IMAGE";
  s.enabled = EnabledByDefault("dcgm");
  s.customize = DcgmContext;
  s.transform = GpuUserDaemonSet;
  return s;
}

}  // namespace gpu::states
