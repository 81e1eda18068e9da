#include "rpc/ipam_protocol.h"

#include <cstdint>

#include "kube/json_fields.h"

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
  for (size_t i = 0; i < j.size(); ++i) {
    kube::JsonFields p(j[i], "pools[" + std::to_string(i) + "]");
    PoolRef ref;
    ref.name = p.String("name");
    const std::string type = p.String("type", "ippool");
    if (!p.ok()) return p.status();
    if (type == "cidrpool") ref.type = PoolType::kCIDRPool;
    else if (type != "ippool") return Bad("unknown pool type " + kube::Quoted(type));
    if (ref.name.empty()) return Bad("a pool has no name");
    pools.push_back(std::move(ref));
  }
  return pools;
}

kube::Result<IPAddress> AddressField(kube::JsonFields& fields, const char* key) {
  const std::string text = fields.String(key);
  if (!fields.ok()) return fields.status();
  auto ip = IPAddress::Parse(text);
  if (!ip.ok()) return Bad(fields.Field(key) + ": " + ip.status().message());
  return ip;
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
  kube::JsonFields fields(j, "");
  AllocateRequest r;
  const nlohmann::json& pool_list = fields.Array("pools");
  r.container_id = fields.String("containerID");
  r.if_name = fields.String("ifName");
  kube::JsonFields pod(fields.Object("pod"), "pod");
  r.pod = {pod.String("namespace"), pod.String("name"), pod.String("uid")};
  const nlohmann::json& static_ips = fields.Array("staticIPs");
  r.allocate_default_gateway = fields.Bool("allocateDefaultGateway", false);
  if (auto index = fields.OptionalInt("ipIndex", 0, INT64_MAX)) r.ip_index = static_cast<uint64_t>(*index);
  if (!fields.ok()) return fields.status();
  if (!pod.ok()) return pod.status();
  auto pools = PoolsFromJson(pool_list);
  if (!pools.ok()) return pools.status();
  r.pools = std::move(*pools);
  for (const auto& ip : static_ips) {
    if (!ip.is_string()) return Bad("staticIPs must be a list of addresses");
    auto a = IPAddress::Parse(ip.get<std::string>());
    if (!a.ok()) return a.status();
    r.static_ips.push_back(*a);
  }
  if (r.pools.empty()) return Bad("no pool named");
  if (r.container_id.empty() || r.if_name.empty()) return Bad("containerID and ifName are required");
  return r;
}

kube::Result<ReservationRequest> ReservationRequestFromJson(const nlohmann::json& j) {
  kube::JsonFields fields(j, "");
  ReservationRequest r;
  const nlohmann::json& pool_list = fields.Array("pools");
  r.container_id = fields.String("containerID");
  r.if_name = fields.String("ifName");
  if (!fields.ok()) return fields.status();
  auto pools = PoolsFromJson(pool_list);
  if (!pools.ok()) return pools.status();
  r.pools = std::move(*pools);
  if (r.container_id.empty() || r.if_name.empty()) return Bad("containerID and ifName are required");
  return r;
}

kube::Result<std::vector<AllocatedAddress>> AddressesFromJson(const nlohmann::json& j) {
  kube::JsonFields fields(j, "the answer");
  const nlohmann::json& list = fields.Array("addresses");
  if (!fields.ok()) return fields.status();
  std::vector<AllocatedAddress> out;
  for (size_t i = 0; i < list.size(); ++i) {
    kube::JsonFields e(list[i], "addresses[" + std::to_string(i) + "]");
    AllocatedAddress a;
    a.pool = e.String("pool");
    auto ip = AddressField(e, "ip");
    if (!ip.ok()) return ip.status();
    a.ip = *ip;
    a.prefix_length = static_cast<int>(e.Int("prefixLength", 0, 0, a.ip.v6 ? 128 : 32));
    if (e.Has("gateway")) {
      auto gw = AddressField(e, "gateway");
      if (!gw.ok()) return gw.status();
      a.gateway = *gw;
    }
    const nlohmann::json& routes = e.Array("routes");
    if (!e.ok()) return e.status();
    for (const auto& r : routes) {
      if (!r.is_string()) return Bad(e.Field("routes") + " must be a list of prefixes");
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
  if (!response.is_object() || !response.contains("error")) return kube::Status::Ok();
  kube::JsonFields error(response["error"], "error");
  const std::string name = error.String("code", "Internal");
  const std::string message = error.String("message");
  if (!error.ok()) return kube::Status(kube::Code::kInternal, "malformed error from the node daemon: " + error.status().message());
  for (int c = 0; c <= static_cast<int>(kube::Code::kInternal); ++c) {
    if (name == kube::CodeName(static_cast<kube::Code>(c))) return kube::Status(static_cast<kube::Code>(c), message);
  }
  return kube::Status(kube::Code::kInternal, message);
}

}  // namespace ipam
