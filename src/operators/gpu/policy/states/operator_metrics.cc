// state-operator-metrics: the operator's own metrics Service, and its ServiceMonitor.
#include "states/states.h"

#include "states/state_rules.h"

namespace gpu::states {
namespace {

using nlohmann::json;

kube::Status OperatorMetricsContext(const RenderInputs& in, json* c) {
  // Upstream monitors its own metrics wherever Prometheus Operator's kind exists.
  (*c)["serviceMonitor"] = in.service_monitors && SpecBool(in.spec, "/operator/metrics/serviceMonitor/enabled", true);
  return kube::Status::Ok();
}

}  // namespace

GpuState OperatorMetrics() {
  GpuState s;
  s.name = "state-operator-metrics";
  s.manifests = "gpu-operator/state-operator-metrics";
  s.kinds = {"Service", "ServiceMonitor"};
  s.enabled = Always;
  s.customize = OperatorMetricsContext;
  return s;
}

}  // namespace gpu::states
