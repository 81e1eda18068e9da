#include "pool/node_pool_config.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "pool/allocator.h"

namespace ipam {

kube::Result<NodePoolConfig> NodePoolConfigFor(const std::string& name, const nlohmann::json& pool_object,
                                               PoolType type, const std::string& node) {
  auto spec = ParsePoolSpec(type, pool_object.value("spec", nlohmann::json()));
  if (!spec.ok()) {
    return kube::Status(kube::Code::kInvalidArgument, "pool " + name + " is invalid: " + spec.status().message());
  }
  std::optional<NodeAllocation> mine;
  const auto status = pool_object.value("status", nlohmann::json::object());
  for (const auto& entry : status.value("allocations", nlohmann::json::array())) {
    if (entry.value("nodeName", "") != node) continue;
    mine = NodeAllocation::FromJson(type, entry);
    break;
  }
  if (!mine) {
    return kube::Status(kube::Code::kNotFound, std::string(type == PoolType::kIPPool ? "IPPool " : "CIDRPool ") + name +
                                                   " has no allocation for node " + node);
  }
  NodePoolConfig c;
  c.pool = name;
  c.type = type;
  c.default_gateway = spec->default_gateway;
  c.routes = spec->routes;
  IPAddress index_base;
  if (type == PoolType::kIPPool) {
    c.prefix_length = spec->subnet.length;
    c.subnet = spec->subnet;
    c.first = mine->start;
    c.last = mine->end;
    if (c.last < c.first || !spec->subnet.Contains(c.first) || !spec->subnet.Contains(c.last)) {
      return kube::Status(kube::Code::kInvalidArgument,
                          "IPPool " + name + "'s allocation for node " + node + " (" + c.first.ToString() + "-" +
                              c.last.ToString() + ") is not a range of " + spec->subnet.ToString() +
                              ": a configuration error, not an exhausted pool");
    }
    c.gateway = spec->gateway;
    index_base = mine->start;
  } else {
    const IPPrefix prefix = mine->prefix();
    c.prefix_length = prefix.length;
    c.subnet = prefix;
    c.first = prefix.FirstUsable();
    c.last = prefix.LastUsable();
    c.gateway = mine->gateway;
    index_base = prefix.network;
  }
  for (const auto& r : spec->exclusions.ranges()) {
    if (r.last < c.first.value || r.first > c.last.value) continue;
    c.exclusions.Add(std::max(r.first, c.first.value), std::min(r.last, c.last.value));
  }
  for (const auto& r : spec->per_node_exclusions) c.exclusions.Add(index_base.value + r.start, index_base.value + r.end);
  return c;
}

}  // namespace ipam
