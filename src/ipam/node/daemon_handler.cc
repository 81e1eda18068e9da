#include "node/daemon_handler.h"

#include "kube/json_fields.h"
#include "kube/log.h"
#include "kube/metrics.h"

namespace ipam {

namespace {

nlohmann::json Answer(IpamService& service, const std::string& method, const nlohmann::json& request);

}  // namespace

nlohmann::json HandleDaemonRequest(IpamService& service, const nlohmann::json& request) {
  static auto& requests = kube::metrics::Default().Counter(
      "nv_ipam_requests_total", "CNI plugin requests by method and outcome (a Status code name)", {"method", "code"});
  static auto& reservations =
      kube::metrics::Default().Gauge("nv_ipam_reservations", "Addresses reserved on this node, all pools");
  kube::JsonFields fields(request, "the request");
  const std::string method = fields.String("method");
  nlohmann::json answer = fields.ok() ? Answer(service, method, request) : ErrorToJson(fields.status());
  const std::string code = answer.contains("error") ? answer["error"].value("code", "Internal") : "OK";
  requests.With({method.empty() ? "unknown" : method, code}).Add(1);
  reservations.With({}).Set(static_cast<double>(service.size()));
  return answer;
}

namespace {

nlohmann::json Answer(IpamService& service, const std::string& method, const nlohmann::json& request) {
  if (method == kAllocate) {
    auto parsed = AllocateRequestFromJson(request);
    if (!parsed.ok()) return ErrorToJson(parsed.status());
    auto addresses = service.Allocate(*parsed);
    if (!addresses.ok()) {
      kube::log::Warn("allocation refused", {{"container", parsed->container_id}, {"pod", parsed->pod.name},
                                             {"error", addresses.status().ToString()}});
      return ErrorToJson(addresses.status());
    }
    for (const auto& a : *addresses) {
      kube::log::Info("allocated", {{"pool", a.pool}, {"ip", a.ip.ToString()}, {"container", parsed->container_id},
                                    {"pod", parsed->pod.namespace_ + "/" + parsed->pod.name}});
    }
    return ToJson(*addresses);
  }
  if (method == kDeallocate || method == kIsAllocated) {
    auto parsed = ReservationRequestFromJson(request);
    if (!parsed.ok()) return ErrorToJson(parsed.status());
    kube::Status s = method == kDeallocate ? service.Deallocate(*parsed) : service.IsAllocated(*parsed);
    if (!s.ok()) return ErrorToJson(s);
    if (method == kDeallocate) kube::log::Info("released", {{"container", parsed->container_id}, {"ifName", parsed->if_name}});
    return nlohmann::json::object();
  }
  return ErrorToJson(kube::Status(kube::Code::kInvalidArgument, "unknown method " + kube::Quoted(method)));
}

}  // namespace

}  // namespace ipam
