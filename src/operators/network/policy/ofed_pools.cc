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
    OfedPool p{Label(n, kOsIdLabel), Label(n, kOsVersionLabel), Label(n, kKernelLabel), Label(n, kArchLabel), "", false, {}};
    if (p.os_id.empty() || p.os_version.empty() || p.kernel.empty() || p.arch.empty()) {
      out.unlabelled.push_back(n.name);
      continue;
    }
    auto& pool = by_name.try_emplace(p.os_id + "/" + p.os_version + "/" + p.kernel + "/" + p.arch, p).first->second;
    pool.nodes.push_back(n.name);
    pool.all_cri_o = pool.all_cri_o && n.container_runtime == "cri-o";
  }
  // Names and selectors as upstream's (which keys pools by OS and kernel only) wherever a key
  // has one architecture, so an existing install's DaemonSets are adopted unchanged. Where
  // nodes of several architectures share a key, each pool selects its architecture, and all but
  // amd64 get the architecture into the name's hash.
  std::map<std::string, int> arches;  // os/version/kernel -> pools
  for (const auto& [key, pool] : by_name) ++arches[pool.os_id + "/" + pool.os_version + "/" + pool.kernel];
  std::map<std::string, OfedPool> named;
  for (auto& [key, pool] : by_name) {
    pool.arch_selector = arches[pool.os_id + "/" + pool.os_version + "/" + pool.kernel] > 1;
    const std::string hashed = !pool.arch_selector || pool.arch == "amd64" ? pool.kernel : pool.kernel + "-" + pool.arch;
    pool.daemonset = "mofed-" + pool.os_id + pool.os_version + "-" + operators::Fnv32SafeEncoded(hashed) + "-ds";
    named.emplace(pool.daemonset, std::move(pool));
  }
  for (auto& [name, pool] : named) {
    std::sort(pool.nodes.begin(), pool.nodes.end());
    out.pools.push_back(std::move(pool));
  }
  return out;
}

}  // namespace network
