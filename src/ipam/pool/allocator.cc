#include "pool/allocator.h"

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

namespace ipam {
namespace {

// The pool cut into equal slots (blocks or prefixes), addressed by index.
struct Slots {
  IPAddress first;  // slot 0's first address (block) or network (prefix)
  uint128 size = 0;
  uint128 count = 0;
};

Slots SlotsOf(const PoolSpec& spec) {
  Slots s;
  if (spec.type == PoolType::kIPPool) {
    s.first = spec.subnet.FirstUsable();
    s.size = spec.block_size;
    s.count = (spec.subnet.LastUsable().value - s.first.value + 1) / s.size;
  } else {
    s.first = spec.subnet.network;
    const int host_bits = spec.subnet.network.bits() - spec.node_prefix_length;
    s.size = host_bits >= 128 ? ~uint128(0) : uint128(1) << host_bits;
    const int split = spec.node_prefix_length - spec.subnet.length;
    s.count = split >= 128 ? ~uint128(0) : uint128(1) << split;
  }
  return s;
}

NodeAllocation SlotAllocation(const PoolSpec& spec, const Slots& slots, uint128 index, const std::string& node) {
  NodeAllocation a;
  a.node = node;
  a.start = slots.first.Plus(index * slots.size);
  a.end = a.start.Plus(slots.size - 1);
  if (spec.type == PoolType::kCIDRPool) {
    a.prefix_length = spec.node_prefix_length;
    a.gateway = spec.PrefixGateway(a.prefix());
  }
  return a;
}

uint128 Usable(const PoolSpec& spec, const NodeAllocation& a) {
  if (spec.type == PoolType::kIPPool) return spec.UsableIn(a.start, a.end, a.start, spec.gateway);
  const IPPrefix p = a.prefix();
  return spec.UsableIn(p.FirstUsable(), p.LastUsable(), p.network, a.gateway);
}

}  // namespace

nlohmann::json NodeAllocation::ToJson() const {
  if (prefix_length < 0) return {{"nodeName", node}, {"startIP", start.ToString()}, {"endIP", end.ToString()}};
  nlohmann::json j = {{"nodeName", node}};
  if (gateway) j["gateway"] = gateway->ToString();
  j["prefix"] = prefix().ToString();
  return j;
}

std::optional<NodeAllocation> NodeAllocation::FromJson(PoolType type, const nlohmann::json& entry) {
  if (!entry.is_object()) return std::nullopt;
  NodeAllocation a;
  a.node = entry.value("nodeName", "");
  if (a.node.empty()) return std::nullopt;
  if (type == PoolType::kIPPool) {
    auto start = IPAddress::Parse(entry.value("startIP", ""));
    auto end = IPAddress::Parse(entry.value("endIP", ""));
    if (!start.ok() || !end.ok() || start->v6 != end->v6) return std::nullopt;
    a.start = *start;
    a.end = *end;
    return a;
  }
  auto prefix = IPPrefix::Parse(entry.value("prefix", ""));
  if (!prefix.ok()) return std::nullopt;
  a.start = prefix->network;
  a.end = prefix->Last();
  a.prefix_length = prefix->length;
  if (entry.contains("gateway")) {
    auto gw = IPAddress::Parse(entry.value("gateway", ""));
    if (!gw.ok()) return std::nullopt;
    a.gateway = *gw;
  }
  return a;
}

AllocationOutcome Allocate(const PoolSpec& spec, const std::vector<std::string>& nodes,
                           const std::vector<NodeAllocation>& existing) {
  const Slots slots = SlotsOf(spec);
  const bool cidr = spec.type == PoolType::kCIDRPool;
  std::set<uint128> taken;
  std::map<std::string, NodeAllocation> kept;
  AllocationOutcome out;

  // Static prefixes (CIDRPool): reserved for their node, or for nobody.
  std::map<std::string, uint128> static_for_node;
  std::map<uint128, std::string> static_owner;
  for (const auto& s : spec.static_allocations) {
    const uint128 index = (s.prefix.network.value - slots.first.value) / slots.size;
    static_owner[index] = s.node;
    if (!s.node.empty()) static_for_node[s.node] = index;
  }
  for (const auto& [index, owner] : static_owner) taken.insert(index);

  const std::set<std::string> wanted(nodes.begin(), nodes.end());
  for (const auto& a : existing) {
    if (!wanted.count(a.node) || kept.count(a.node)) continue;  // gone, unselected or duplicate: freed
    bool fits = a.start.v6 == slots.first.v6 && a.start >= slots.first && a.end >= a.start &&
                a.end.value - a.start.value + 1 == slots.size && (a.start.value - slots.first.value) % slots.size == 0;
    uint128 index = 0;
    if (fits) {
      index = (a.start.value - slots.first.value) / slots.size;
      fits = index < slots.count;
    }
    if (fits && cidr) {
      fits = a.prefix_length == spec.node_prefix_length && a.gateway == spec.PrefixGateway(a.prefix());
      auto own = static_for_node.find(a.node);
      if (own != static_for_node.end()) {
        fits = fits && own->second == index;
      } else {
        fits = fits && !static_owner.count(index);
      }
    }
    if (fits) {
      auto owner = static_owner.find(index);
      const bool own_static = owner != static_owner.end() && owner->second == a.node;
      fits = own_static || !taken.count(index);
    }
    if (fits) fits = Usable(spec, a) > 0;
    if (!fits) {
      out.moved.push_back(a.node);
      continue;
    }
    taken.insert(index);
    kept[a.node] = a;
  }

  uint128 cursor = 0;
  for (const auto& node : nodes) {
    if (kept.count(node)) continue;
    if (auto own = static_for_node.find(node); own != static_for_node.end()) {
      kept[node] = SlotAllocation(spec, slots, own->second, node);
      continue;
    }
    bool found = false;
    while (cursor < slots.count) {
      if (taken.count(cursor)) {
        ++cursor;
        continue;
      }
      NodeAllocation candidate = SlotAllocation(spec, slots, cursor, node);
      if (Usable(spec, candidate) > 0) {
        taken.insert(cursor);
        kept[node] = std::move(candidate);
        found = true;
        break;
      }
      // Jump past an exclusion that swallows whole slots.
      uint128 next = cursor + 1;
      if (const auto* r = spec.exclusions.Covering(candidate.start.value); r && r->last != ~uint128(0)) {
        next = std::max(next, (r->last + 1 - slots.first.value) / slots.size);
      }
      cursor = next;
    }
    if (!found) out.left_out.push_back(node);
  }
  // A node whose allocation moved and then got nothing is reported as left out only.
  std::erase_if(out.moved, [&](const std::string& n) { return !kept.count(n); });
  for (auto& [node, a] : kept) out.allocations.push_back(std::move(a));
  return out;
}

}  // namespace ipam
