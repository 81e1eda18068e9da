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
  GpuState s;
  s.name = "state-mps-control-daemon";
  s.manifests = "gpu-operator/state-mps-control-daemon";
  s.kinds = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "DaemonSet"};
  s.section = "devicePlugin";
  s.image_env = "DEVICE_PLUGIN_IMAGE";
  s.enabled = EnabledByDefault("devicePlugin");
  s.customize = MpsContext;
  s.transform = GpuUserDaemonSet;
  return s;
}

}  // namespace gpu::states
