// state-doca-telemetry-service: DOCA Telemetry Service, exporting NIC counters.
#include "states/states.h"

#include "states/state_rules.h"

namespace network::states {
namespace {

kube::Status DocaTelemetryContext(const RenderInputs& in, nlohmann::json* ctx) {
  const nlohmann::json config = in.section.value("config", nlohmann::json::object());
  const std::string from = config.is_object() ? config.value("fromConfigMap", "") : "";
  if (!from.empty() && (from.size() > 253 || !IsDnsSubdomain(from))) {
    return Invalid(in.field + ".config.fromConfigMap", kube::Quoted(from) + " is not a ConfigMap name (DNS-1123 subdomain)");
  }
  (*ctx)["deployConfigMap"] = from.empty();
  (*ctx)["configMapName"] = from.empty() ? "doca-telemetry-service" : from;
  return kube::Status::Ok();
}

}  // namespace

StateDefinition DocaTelemetryService() {
  StateDefinition s;
  s.name = "state-doca-telemetry-service";
  s.manifests = "network-operator/state-doca-telemetry-service";
  s.kinds = {"ServiceAccount", "ConfigMap", "DaemonSet"};
  s.customize = DocaTelemetryContext;
  s.condition_type = "DOCATelemetryServiceReady";
  s.section = "/docaTelemetryService";
  s.containers = {"doca-telemetry-service"};
  return s;
}

}  // namespace network::states
