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
  return {"state-node-status-exporter",
          "nodeStatusExporter",
          "VALIDATOR_IMAGE",
          [](const json& spec) { return Enabled(spec, "nodeStatusExporter", false); },
          Pools::kNone,
          NodeStatusExporterContext};
}

}  // namespace gpu::states
