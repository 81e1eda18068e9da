#include "pool/pool_spec.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

namespace ipam {
namespace {

kube::Status Invalid(const std::string& field, const std::string& message) {
  return kube::Status(kube::Code::kInvalidArgument, field + ": " + message);
}

std::string ToDecimal(uint128 v) {
  if (v == 0) return "0";
  std::string s;
  while (v) {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  return s;
}

bool IsNonNegativeInteger(const nlohmann::json& v) { return v.is_number_integer() && v.get<int64_t>() >= 0; }

kube::Result<IPAddress> AddressIn(const nlohmann::json& spec, const std::string& key, const std::string& field,
                                  const IPPrefix& subnet) {
  if (!spec.contains(key) || !spec[key].is_string()) return Invalid(field, "must be an IP address");
  auto a = IPAddress::Parse(spec[key].get<std::string>());
  if (!a.ok()) return Invalid(field, a.status().message());
  if (!subnet.Contains(*a)) return Invalid(field, a->ToString() + " is not in " + subnet.ToString());
  return *a;
}

kube::Status ParseCommon(const nlohmann::json& spec, PoolSpec& pool) {
  const auto exclusions = spec.value("exclusions", nlohmann::json::array());
  if (!exclusions.is_array()) return Invalid("spec.exclusions", "must be a list");
  for (size_t i = 0; i < exclusions.size(); ++i) {
    const std::string field = "spec.exclusions[" + std::to_string(i) + "]";
    auto start = AddressIn(exclusions[i], "startIP", field + ".startIP", pool.subnet);
    if (!start.ok()) return start.status();
    auto end = AddressIn(exclusions[i], "endIP", field + ".endIP", pool.subnet);
    if (!end.ok()) return end.status();
    if (*end < *start) return Invalid(field, "endIP " + end->ToString() + " is before startIP " + start->ToString());
    pool.exclusions.Add(start->value, end->value);
  }
  const auto per_node = spec.value("perNodeExclusions", nlohmann::json::array());
  if (!per_node.is_array()) return Invalid("spec.perNodeExclusions", "must be a list");
  for (size_t i = 0; i < per_node.size(); ++i) {
    const std::string field = "spec.perNodeExclusions[" + std::to_string(i) + "]";
    const auto& r = per_node[i];
    if (!IsNonNegativeInteger(r.value("startIndex", nlohmann::json())) ||
        !IsNonNegativeInteger(r.value("endIndex", nlohmann::json()))) {
      return Invalid(field, "startIndex and endIndex must be integers of at least 0");
    }
    PoolSpec::IndexRange range{r["startIndex"].get<uint64_t>(), r["endIndex"].get<uint64_t>()};
    if (range.end < range.start) return Invalid(field, "endIndex must be greater than or equal to startIndex");
    pool.per_node_exclusions.push_back(range);
  }
  pool.default_gateway = spec.value("defaultGateway", false);
  const auto routes = spec.value("routes", nlohmann::json::array());
  if (!routes.is_array()) return Invalid("spec.routes", "must be a list");
  for (size_t i = 0; i < routes.size(); ++i) {
    const std::string field = "spec.routes[" + std::to_string(i) + "].dst";
    auto dst = IPPrefix::Parse(routes[i].value("dst", ""));
    if (!dst.ok()) return Invalid(field, dst.status().message());
    if (dst->network.v6 != pool.subnet.network.v6) return Invalid(field, "is not of the pool's address family");
    if (pool.default_gateway && dst->length == 0) {
      return Invalid(field, "is a default route, which defaultGateway already adds; set one or the other");
    }
    pool.routes.push_back(*dst);
  }
  auto selector = NodeSelector::Parse(spec.value("nodeSelector", nlohmann::json()), "spec.nodeSelector");
  if (!selector.ok()) return selector.status();
  pool.node_selector = std::move(*selector);
  return kube::Status::Ok();
}

kube::Status ParseIPPool(const nlohmann::json& spec, PoolSpec& pool) {
  auto subnet = IPPrefix::Parse(spec.value("subnet", ""));
  if (!subnet.ok()) return Invalid("spec.subnet", subnet.status().message());
  pool.subnet = *subnet;
  const auto size = spec.value("perNodeBlockSize", nlohmann::json());
  if (!size.is_number_integer() || size.get<int64_t>() < 1) {
    return Invalid("spec.perNodeBlockSize", "must be an integer of at least 1");
  }
  pool.block_size = size.get<uint64_t>();
  const uint128 usable = pool.subnet.LastUsable().value - pool.subnet.FirstUsable().value + 1;
  if (pool.block_size > usable) {
    return Invalid("spec.perNodeBlockSize", ToDecimal(pool.block_size) + " is more than the " + ToDecimal(usable) +
                                                " usable addresses of " + pool.subnet.ToString());
  }
  if (spec.contains("gateway")) {
    auto gw = AddressIn(spec, "gateway", "spec.gateway", pool.subnet);
    if (!gw.ok()) return gw.status();
    pool.gateway = *gw;
  }
  KUBE_RETURN_IF_ERROR(ParseCommon(spec, pool));
  for (size_t i = 0; i < pool.per_node_exclusions.size(); ++i) {
    if (pool.per_node_exclusions[i].end >= pool.block_size) {
      return Invalid("spec.perNodeExclusions[" + std::to_string(i) + "].endIndex",
                     "must be less than perNodeBlockSize (" + ToDecimal(pool.block_size) + ")");
    }
  }
  if (pool.default_gateway && !pool.gateway) return Invalid("spec.defaultGateway", "requires gateway");
  if (!pool.routes.empty() && !pool.gateway) return Invalid("spec.routes", "require gateway");
  return kube::Status::Ok();
}

kube::Status ParseCIDRPool(const nlohmann::json& spec, PoolSpec& pool) {
  auto cidr = IPPrefix::Parse(spec.value("cidr", ""));
  if (!cidr.ok()) return Invalid("spec.cidr", cidr.status().message());
  pool.subnet = *cidr;
  const auto length = spec.value("perNodeNetworkPrefix", nlohmann::json());
  if (!length.is_number_integer() || length.get<int>() < cidr->length || length.get<int>() > cidr->network.bits()) {
    return Invalid("spec.perNodeNetworkPrefix", "must be an integer from " + std::to_string(cidr->length) + " to " +
                                                    std::to_string(cidr->network.bits()));
  }
  pool.node_prefix_length = length.get<int>();
  const int host_bits = cidr->network.bits() - pool.node_prefix_length;
  const uint128 prefix_size = host_bits >= 128 ? ~uint128(0) : uint128(1) << host_bits;
  if (spec.contains("gatewayIndex") && !spec["gatewayIndex"].is_null()) {
    if (!IsNonNegativeInteger(spec["gatewayIndex"])) return Invalid("spec.gatewayIndex", "must be an integer of at least 0");
    pool.gateway_index = spec["gatewayIndex"].get<uint64_t>();
    const IPPrefix sample{cidr->network, pool.node_prefix_length};
    const uint128 first = sample.FirstUsable().value - sample.network.value;
    const uint128 last = sample.LastUsable().value - sample.network.value;
    if (*pool.gateway_index < first || *pool.gateway_index > last) {
      return Invalid("spec.gatewayIndex", std::to_string(*pool.gateway_index) + " is not a usable index of a /" +
                                              std::to_string(pool.node_prefix_length) + " (" + ToDecimal(first) +
                                              " to " + ToDecimal(last) + ")");
    }
  }
  KUBE_RETURN_IF_ERROR(ParseCommon(spec, pool));
  for (size_t i = 0; i < pool.per_node_exclusions.size(); ++i) {
    if (pool.per_node_exclusions[i].end >= prefix_size) {
      return Invalid("spec.perNodeExclusions[" + std::to_string(i) + "].endIndex",
                     "is outside a /" + std::to_string(pool.node_prefix_length) + " prefix");
    }
  }
  if (pool.default_gateway && !pool.gateway_index) return Invalid("spec.defaultGateway", "requires gatewayIndex");
  if (!pool.routes.empty() && !pool.gateway_index) return Invalid("spec.routes", "require gatewayIndex");

  const auto statics = spec.value("staticAllocations", nlohmann::json::array());
  if (!statics.is_array()) return Invalid("spec.staticAllocations", "must be a list");
  std::set<std::string> nodes, prefixes;
  for (size_t i = 0; i < statics.size(); ++i) {
    const std::string field = "spec.staticAllocations[" + std::to_string(i) + "]";
    PoolSpec::StaticAllocation a;
    a.node = statics[i].value("nodeName", "");
    auto prefix = IPPrefix::Parse(statics[i].value("prefix", ""));
    if (!prefix.ok()) return Invalid(field + ".prefix", prefix.status().message());
    if (prefix->length != pool.node_prefix_length) {
      return Invalid(field + ".prefix", "must be a /" + std::to_string(pool.node_prefix_length) +
                                            " (perNodeNetworkPrefix)");
    }
    if (!pool.subnet.Contains(*prefix)) return Invalid(field + ".prefix", "is not in " + pool.subnet.ToString());
    if (!prefixes.insert(prefix->ToString()).second) return Invalid(field + ".prefix", "is allocated twice");
    if (!a.node.empty() && !nodes.insert(a.node).second) {
      return Invalid(field + ".nodeName", "node " + a.node + " has two static allocations");
    }
    a.prefix = *prefix;
    if (statics[i].contains("gateway")) {
      auto gw = AddressIn(statics[i], "gateway", field + ".gateway", *prefix);
      if (!gw.ok()) return gw.status();
      a.gateway = *gw;
    }
    pool.static_allocations.push_back(std::move(a));
  }
  return kube::Status::Ok();
}

}  // namespace

const char* PoolTypeName(PoolType type) { return type == PoolType::kIPPool ? "ippool" : "cidrpool"; }

uint128 PoolSpec::UsableIn(const IPAddress& first, const IPAddress& last, const IPAddress& index_base,
                          const std::optional<IPAddress>& gw) const {
  RangeSet taken;
  for (const auto& r : exclusions.ranges()) {
    if (r.last < first.value || r.first > last.value) continue;
    taken.Add(std::max(r.first, first.value), std::min(r.last, last.value));
  }
  const uint128 base = index_base.value;
  for (const auto& r : per_node_exclusions) {
    const uint128 a = std::max(base + r.start, first.value), b = std::min(base + r.end, last.value);
    if (a <= b) taken.Add(a, b);
  }
  if (gw && gw->value >= first.value && gw->value <= last.value) taken.Add(*gw);
  return last.value - first.value + 1 - taken.CountIn(first.value, last.value);
}

std::optional<IPAddress> PoolSpec::PrefixGateway(const IPPrefix& prefix) const {
  for (const auto& s : static_allocations) {
    if (s.prefix == prefix && s.gateway) return s.gateway;
  }
  if (!gateway_index) return std::nullopt;
  return prefix.network.Plus(*gateway_index);
}

kube::Result<PoolSpec> ParsePoolSpec(PoolType type, const nlohmann::json& spec) {
  if (!spec.is_object()) return Invalid("spec", "must be an object");
  PoolSpec pool;
  pool.type = type;
  KUBE_RETURN_IF_ERROR(type == PoolType::kIPPool ? ParseIPPool(spec, pool) : ParseCIDRPool(spec, pool));
  return pool;
}

}  // namespace ipam
