#include "node/daemon_handler.h"

#include "kube/log.h"

namespace ipam {

nlohmann::json HandleDaemonRequest(IpamService& service, const nlohmann::json& request) {
  const std::string method = request.value("method", "");
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
  return ErrorToJson(kube::Status(kube::Code::kInvalidArgument, "unknown method \"" + method + "\""));
}

}  // namespace ipam
