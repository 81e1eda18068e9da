// Allocate: the controller's assignment of pool blocks (IPPool) or prefixes
// (CIDRPool) to nodes, as a pure function of the spec, the matching nodes and
// the allocations already in status.
//
// As upstream: blocks are aligned on the subnet's first usable address,
// existing allocations that still fit the spec are kept (so allocations are
// stable across restarts and edits), nodes without one get the lowest free
// block in name order, and a node that is gone frees its block. Better than
// upstream: a block or prefix is never handed out when exclusions, per-node
// exclusions and the gateway leave no usable address in it; nodes that got
// nothing and nodes whose allocation had to move are reported.
#ifndef IPAM_POOL_ALLOCATOR_H_
#define IPAM_POOL_ALLOCATOR_H_

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "address/ip_address.h"
#include "pool/pool_spec.h"

namespace ipam {

struct NodeAllocation {
  std::string node;
  IPAddress start, end;              // the node's addresses (a CIDRPool prefix's whole span)
  int prefix_length = -1;            // CIDRPool: the node prefix's length
  std::optional<IPAddress> gateway;  // CIDRPool: the prefix's gateway

  // The status entry: {nodeName, startIP, endIP} or {nodeName, gateway, prefix}.
  nlohmann::json ToJson() const;
  // Null when the entry is malformed (it is then treated as absent).
  static std::optional<NodeAllocation> FromJson(PoolType type, const nlohmann::json& entry);
  IPPrefix prefix() const { return {start, prefix_length}; }
  bool operator==(const NodeAllocation&) const = default;
};

struct AllocationOutcome {
  std::vector<NodeAllocation> allocations;  // sorted by node name
  std::vector<std::string> left_out;        // matching nodes that got nothing: the pool is exhausted
  std::vector<std::string> moved;           // nodes whose previous allocation no longer fits the spec
};

// `nodes`: the names of the nodes the pool selects, sorted.
AllocationOutcome Allocate(const PoolSpec& spec, const std::vector<std::string>& nodes,
                           const std::vector<NodeAllocation>& existing);

}  // namespace ipam

#endif  // IPAM_POOL_ALLOCATOR_H_
