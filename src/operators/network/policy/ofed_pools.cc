#include "ofed_pools.h"

#include <algorithm>
#include <map>

#include "fnv_hash.h"

namespace network {
namespace {

// Taints a DaemonSet's pods tolerate without being told (added by its controller), plus the GPU taint.
bool ImplicitlyTolerated(const std::string& key) {
  static const char* kKeys[] = {"node.kubernetes.io/not-ready",       "node.kubernetes.io/unreachable",
                                "node.kubernetes.io/disk-pressure",   "node.kubernetes.io/memory-pressure",
                                "node.kubernetes.io/pid-pressure",    "node.kubernetes.io/unschedulable",
                                "node.kubernetes.io/network-unavailable", "nvidia.com/gpu"};
  for (const char* k : kKeys) {
    if (key == k) return true;
  }
  return false;
}

bool Tolerates(const nlohmann::json& toleration, const nlohmann::json& taint) {
  const std::string effect = toleration.value("effect", "");
  if (!effect.empty() && effect != taint.value("effect", "")) return false;
  const std::string op = toleration.value("operator", "Equal");
  const std::string key = toleration.value("key", "");
  if (op == "Exists") return key.empty() || key == taint.value("key", "");
  return key == taint.value("key", "") && toleration.value("value", "") == taint.value("value", "");
}

std::string Label(const NodeLabels& n, const char* key) {
  auto it = n.labels.find(key);
  return it == n.labels.end() ? "" : it->second;
}

}  // namespace

OfedPools ComputeOfedPools(const std::vector<NodeLabels>& nodes, const nlohmann::json& tolerations) {
  OfedPools out;
  std::map<std::string, OfedPool> by_name;
  for (const auto& n : nodes) {
    if (Label(n, kNicLabel) != "true") continue;
    bool tolerated = true;
    for (const auto& taint : n.taints) {
      const std::string effect = taint.value("effect", "");
      if (effect != "NoSchedule" && effect != "NoExecute") continue;
      if (ImplicitlyTolerated(taint.value("key", ""))) continue;
      bool any = false;
      if (tolerations.is_array()) {
        for (const auto& t : tolerations) any = any || Tolerates(t, taint);
      }
      tolerated = tolerated && any;
    }
    if (!tolerated) {
      out.untolerated.push_back(n.name);
      continue;
    }
    OfedPool p{Label(n, kOsIdLabel), Label(n, kOsVersionLabel), Label(n, kKernelLabel), Label(n, kArchLabel), "", {}};
    if (p.os_id.empty() || p.os_version.empty() || p.kernel.empty() || p.arch.empty()) {
      out.unlabelled.push_back(n.name);
      continue;
    }
    // amd64 pools keep upstream's names, so an existing cluster's DaemonSets are adopted.
    const std::string hashed = p.arch == "amd64" ? p.kernel : p.kernel + "-" + p.arch;
    p.daemonset = "mofed-" + p.os_id + p.os_version + "-" + operators::Fnv32SafeEncoded(hashed) + "-ds";
    auto& pool = by_name.try_emplace(p.daemonset, p).first->second;
    pool.nodes.push_back(n.name);
  }
  for (auto& [name, pool] : by_name) {
    std::sort(pool.nodes.begin(), pool.nodes.end());
    out.pools.push_back(std::move(pool));
  }
  return out;
}

}  // namespace network
