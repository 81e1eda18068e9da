// PoolSpec: an IPPool's or CIDRPool's spec, parsed and validated once.
//
// Validation follows upstream nvidia-k8s-ipam (addresses in the subnet, block
// size no larger than the subnet, static allocations unique and of the node
// prefix size, ...) and adds what a user would otherwise discover at pod
// start: a block or prefix that exclusions, per-node exclusions and the
// gateway leave with no usable address. Every error names the field.
#ifndef IPAM_POOL_POOL_SPEC_H_
#define IPAM_POOL_POOL_SPEC_H_

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "address/ip_address.h"
#include "kube/status.h"
#include "pool/node_selector.h"

namespace ipam {

enum class PoolType { kIPPool, kCIDRPool };
const char* PoolTypeName(PoolType type);  // "ippool" or "cidrpool", as the CNI's poolType

struct PoolSpec {
  struct IndexRange {
    uint64_t start, end;  // inclusive, from a node block's (or prefix's network) address
  };
  struct StaticAllocation {
    std::string node;  // empty: the prefix is reserved for no node
    IPPrefix prefix;
    std::optional<IPAddress> gateway;
  };

  PoolType type = PoolType::kIPPool;
  IPPrefix subnet;                       // IPPool subnet, CIDRPool cidr
  uint128 block_size = 0;                // IPPool perNodeBlockSize
  int node_prefix_length = 0;            // CIDRPool perNodeNetworkPrefix
  std::optional<IPAddress> gateway;      // IPPool gateway
  std::optional<uint64_t> gateway_index; // CIDRPool gatewayIndex
  RangeSet exclusions;
  std::vector<IndexRange> per_node_exclusions;
  std::vector<StaticAllocation> static_allocations;
  bool default_gateway = false;
  std::vector<IPPrefix> routes;
  NodeSelector node_selector;

  // How many of the addresses [first, last] of a node block or prefix remain for pods once
  // exclusions, per-node exclusions (indices from `index_base`) and the gateway are taken out.
  uint128 UsableIn(const IPAddress& first, const IPAddress& last, const IPAddress& index_base,
                   const std::optional<IPAddress>& gw) const;
  // CIDRPool: the gateway of a node prefix (static, else gatewayIndex-th address).
  std::optional<IPAddress> PrefixGateway(const IPPrefix& prefix) const;
};

kube::Result<PoolSpec> ParsePoolSpec(PoolType type, const nlohmann::json& spec);

}  // namespace ipam

#endif  // IPAM_POOL_POOL_SPEC_H_
