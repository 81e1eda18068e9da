#include "rpc/ipam_protocol.h"

namespace ipam {
namespace {

kube::Status Bad(const std::string& message) { return kube::Status(kube::Code::kInvalidArgument, message); }

nlohmann::json PoolsToJson(const std::vector<PoolRef>& pools) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : pools) out.push_back({{"name", p.name}, {"type", PoolTypeName(p.type)}});
  return out;
}

kube::Result<std::vector<PoolRef>> PoolsFromJson(const nlohmann::json& j) {
  std::vector<PoolRef> pools;
  if (!j.is_array()) return Bad("pools must be a list");
  for (const auto& p : j) {
    PoolRef ref;
    ref.name = p.value("name", "");
    const std::string type = p.value("type", "ippool");
    if (type == "cidrpool") ref.type = PoolType::kCIDRPool;
    else if (type != "ippool") return Bad("unknown pool type \"" + type + "\"");
    if (ref.name.empty()) return Bad("a pool has no name");
    pools.push_back(std::move(ref));
  }
  return pools;
}

}  // namespace

nlohmann::json ToJson(const AllocateRequest& r) {
  nlohmann::json j = {{"method", kAllocate},
                      {"pools", PoolsToJson(r.pools)},
                      {"containerID", r.container_id},
                      {"ifName", r.if_name},
                      {"pod", {{"namespace", r.pod.namespace_}, {"name", r.pod.name}, {"uid", r.pod.uid}}},
                      {"allocateDefaultGateway", r.allocate_default_gateway}};
  for (const auto& ip : r.static_ips) j["staticIPs"].push_back(ip.ToString());
  if (r.ip_index) j["ipIndex"] = *r.ip_index;
  return j;
}

nlohmann::json ToJson(const ReservationRequest& r) {
  return {{"pools", PoolsToJson(r.pools)}, {"containerID", r.container_id}, {"ifName", r.if_name}};
}

nlohmann::json ToJson(const std::vector<AllocatedAddress>& addresses) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& a : addresses) {
    nlohmann::json j = {{"pool", a.pool}, {"ip", a.ip.ToString()}, {"prefixLength", a.prefix_length}};
    if (a.gateway) j["gateway"] = a.gateway->ToString();
    for (const auto& r : a.routes) j["routes"].push_back(r.ToString());
    out.push_back(std::move(j));
  }
  return {{"addresses", out}};
}

kube::Result<AllocateRequest> AllocateRequestFromJson(const nlohmann::json& j) {
  AllocateRequest r;
  auto pools = PoolsFromJson(j.value("pools", nlohmann::json::array()));
  if (!pools.ok()) return pools.status();
  r.pools = std::move(*pools);
  r.container_id = j.value("containerID", "");
  r.if_name = j.value("ifName", "");
  const auto pod = j.value("pod", nlohmann::json::object());
  r.pod = {pod.value("namespace", ""), pod.value("name", ""), pod.value("uid", "")};
  for (const auto& ip : j.value("staticIPs", nlohmann::json::array())) {
    auto a = IPAddress::Parse(ip.is_string() ? ip.get<std::string>() : ip.dump());
    if (!a.ok()) return a.status();
    r.static_ips.push_back(*a);
  }
  r.allocate_default_gateway = j.value("allocateDefaultGateway", false);
  if (j.contains("ipIndex")) r.ip_index = j["ipIndex"].get<uint64_t>();
  if (r.pools.empty()) return Bad("no pool named");
  if (r.container_id.empty() || r.if_name.empty()) return Bad("containerID and ifName are required");
  return r;
}

kube::Result<ReservationRequest> ReservationRequestFromJson(const nlohmann::json& j) {
  ReservationRequest r;
  auto pools = PoolsFromJson(j.value("pools", nlohmann::json::array()));
  if (!pools.ok()) return pools.status();
  r.pools = std::move(*pools);
  r.container_id = j.value("containerID", "");
  r.if_name = j.value("ifName", "");
  if (r.container_id.empty() || r.if_name.empty()) return Bad("containerID and ifName are required");
  return r;
}

kube::Result<std::vector<AllocatedAddress>> AddressesFromJson(const nlohmann::json& j) {
  std::vector<AllocatedAddress> out;
  for (const auto& e : j.value("addresses", nlohmann::json::array())) {
    AllocatedAddress a;
    a.pool = e.value("pool", "");
    auto ip = IPAddress::Parse(e.value("ip", ""));
    if (!ip.ok()) return ip.status();
    a.ip = *ip;
    a.prefix_length = e.value("prefixLength", 0);
    if (e.contains("gateway")) {
      auto gw = IPAddress::Parse(e.value("gateway", ""));
      if (!gw.ok()) return gw.status();
      a.gateway = *gw;
    }
    for (const auto& r : e.value("routes", nlohmann::json::array())) {
      auto p = IPPrefix::Parse(r.get<std::string>());
      if (!p.ok()) return p.status();
      a.routes.push_back(*p);
    }
    out.push_back(std::move(a));
  }
  return out;
}

nlohmann::json ErrorToJson(const kube::Status& status) {
  return {{"error", {{"code", kube::CodeName(status.code())}, {"message", status.message()}}}};
}

kube::Status ErrorFromJson(const nlohmann::json& response) {
  if (!response.contains("error")) return kube::Status::Ok();
  const std::string name = response["error"].value("code", "Internal");
  const std::string message = response["error"].value("message", "");
  for (int c = 0; c <= static_cast<int>(kube::Code::kInternal); ++c) {
    if (name == kube::CodeName(static_cast<kube::Code>(c))) return kube::Status(static_cast<kube::Code>(c), message);
  }
  return kube::Status(kube::Code::kInternal, message);
}

}  // namespace ipam
