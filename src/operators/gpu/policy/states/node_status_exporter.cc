// state-node-status-exporter: the validator's results as metrics (off by default).
#include "states/states.h"

#include "states/state_rules.h"

namespace gpu::states {
namespace {

using nlohmann::json;

kube::Status NodeStatusExporterContext(const RenderInputs& in, json* c) {
  (*c)["serviceMonitor"] = in.service_monitors;
  return kube::Status::Ok();
}

}  // namespace

GpuState NodeStatusExporter() {
  GpuState s;
  s.name = "state-node-status-exporter";
  s.manifests = "gpu-operator/state-node-status-exporter";
  s.kinds = {"ServiceAccount", "Service", "ServiceMonitor", "DaemonSet"};
  s.section = "nodeStatusExporter";
  s.image_env = "VALIDATOR_IMAGE";
  s.enabled = [](const json& spec) { return Enabled(spec, "nodeStatusExporter", false); };
  s.customize = NodeStatusExporterContext;
  return s;
}

}  // namespace gpu::states
