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
  GpuState s;
  s.name = "gpu-feature-discovery";
  s.manifests = "gpu-operator/gpu-feature-discovery";
  s.kinds = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "DaemonSet"};
  s.section = "gfd";
  s.image_env = "GFD_IMAGE";
  s.enabled = EnabledByDefault("gfd");
  s.customize = GfdContext;
  s.transform = GpuUserDaemonSet;
  return s;
}

}  // namespace gpu::states
