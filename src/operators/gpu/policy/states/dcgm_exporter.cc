// state-dcgm-exporter: GPU metrics for Prometheus, its Service and ServiceMonitor.
#include "states/states.h"

#include "render_helpers.h"
#include "states/state_rules.h"

namespace gpu::states {
namespace {

using nlohmann::json;

kube::Status DcgmExporterContext(const RenderInputs& in, json* ctx) {
  const json& spec = in.spec;
  json& c = *ctx;
  const json& exporter = Section(spec, "dcgmExporter");
  const json monitor = exporter.value("serviceMonitor", json::object());
  const std::string metrics = SpecString(spec, "/dcgmExporter/config/name");
  c["hostPID"] = SpecBool(spec, "/dcgmExporter/hostPID", false);
  c["metricsConfig"] = Optional(metrics);
  c["collectors"] = metrics.empty() ? "/etc/dcgm-exporter/dcp-metrics-included.csv" : "/etc/dcgm-exporter/dcgm-metrics.csv";
  c["remoteHostengine"] = Enabled(spec, "dcgm", true);
  c["serviceType"] = SpecString(spec, "/dcgmExporter/service/type", "ClusterIP");
  c["internalTrafficPolicy"] = SpecString(spec, "/dcgmExporter/service/internalTrafficPolicy", "Cluster");
  c["serviceMonitor"] = in.service_monitors && monitor.value("enabled", false);
  c["interval"] = Str(monitor, "interval", "15s");
  c["scrapeTimeout"] = Str(monitor, "scrapeTimeout", "10s");
  c["honorLabels"] = monitor.value("honorLabels", false);
  json labels = {{"app", "nvidia-dcgm-exporter"}};
  const json additional = monitor.value("additionalLabels", json::object());
  if (additional.is_object()) {
    for (const auto& [k, v] : additional.items()) {
      if (v.is_string() && k != "app") labels[k] = v;
    }
  }
  c["serviceMonitorLabelsJson"] = labels.dump();
  const json relabelings = monitor.value("relabelings", json::array());
  c["relabelingsJson"] = relabelings.is_array() && !relabelings.empty() ? json(relabelings.dump()) : json(false);
  return kube::Status::Ok();
}

}  // namespace

GpuState DcgmExporter() {
  GpuState s;
  s.name = "state-dcgm-exporter";
  s.manifests = "gpu-operator/state-dcgm-exporter";
  s.kinds = {"ServiceAccount", "Role", "RoleBinding", "Service", "ServiceMonitor", "DaemonSet"};
  s.section = "dcgmExporter";
  s.image_env = "DCGM_EXPORTER_IMAGE";
  s.enabled = EnabledByDefault("dcgmExporter");
  s.customize = DcgmExporterContext;
  s.transform = GpuUserDaemonSet;
  return s;
}

}  // namespace gpu::states
