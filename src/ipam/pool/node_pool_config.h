// NodePoolConfig: what the node side needs to hand out addresses from one
// pool on one node: the node's range from the pool's status, the gateway,
// every exclusion as absolute addresses, and the routes.
#ifndef IPAM_POOL_NODE_POOL_CONFIG_H_
#define IPAM_POOL_NODE_POOL_CONFIG_H_

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "address/ip_address.h"
#include "kube/status.h"
#include "pool/pool_spec.h"

namespace ipam {

struct NodePoolConfig {
  std::string pool;
  PoolType type = PoolType::kIPPool;
  int prefix_length = 0;  // of the addresses handed out: IPPool subnet, CIDRPool node prefix
  IPAddress first, last;  // the range pods get addresses from
  IPPrefix subnet;        // what a pod may ask for statically: the IPPool's subnet, the CIDRPool node prefix
  std::optional<IPAddress> gateway;
  RangeSet exclusions;    // pool and per-node exclusions, absolute
  bool default_gateway = false;
  std::vector<IPPrefix> routes;

  // Whether `a` may be handed out (in range, not excluded; the gateway is the caller's concern).
  bool Allocatable(const IPAddress& a) const {
    return a.v6 == first.v6 && a >= first && a <= last && !exclusions.Contains(a.value);
  }
};

// The config of pool `name` for `node`, from the pool's spec and status.
// NotFound when the pool has no allocation for the node (yet).
kube::Result<NodePoolConfig> NodePoolConfigFor(const std::string& name, const nlohmann::json& pool_object,
                                               PoolType type, const std::string& node);

}  // namespace ipam

#endif  // IPAM_POOL_NODE_POOL_CONFIG_H_
