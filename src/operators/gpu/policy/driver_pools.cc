#include "driver_pools.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "images/driver_image.h"

namespace gpu {
namespace {

std::string Label(const NodeLabels& node, const char* key) {
  auto it = node.labels.find(key);
  return it == node.labels.end() ? "" : it->second;
}

}  // namespace

DriverPools GroupDriverPools(const std::vector<NodeLabels>& nodes, bool precompiled) {
  DriverPools result;
  std::map<std::string, DriverPool> pools;  // by os tag and kernel
  for (const auto& node : nodes) {
    const std::string id = Label(node, kOsIdLabel);
    const std::string version = Label(node, kOsVersionLabel);
    const std::string kernel = precompiled ? Label(node, kKernelLabel) : "";
    if (id.empty() || version.empty() || (precompiled && kernel.empty())) {
      result.unlabelled.push_back(node.name);
      continue;
    }
    const bool major_only = id == "rhel" || id == "rocky" || id == "ol";
    const std::string tag = OsTag(id, version);
    DriverPool& pool = pools[tag + "/" + kernel];
    if (pool.os_tag.empty()) {
      pool.os_id = id;
      pool.version_label = major_only ? kOsMajorLabel : kOsVersionLabel;
      pool.version = major_only ? version.substr(0, version.find('.')) : version;
      pool.os_tag = tag;
      pool.kernel = kernel;
    }
    pool.nodes.push_back(node.name);
  }
  for (auto& [key, pool] : pools) {
    std::sort(pool.nodes.begin(), pool.nodes.end());
    result.pools.push_back(std::move(pool));
  }
  std::sort(result.unlabelled.begin(), result.unlabelled.end());
  return result;
}

std::string DescribeUnlabelled(const DriverPools& pools, bool precompiled) {
  if (pools.unlabelled.empty()) return "";
  return fmt::format("{} GPU nodes have no {} labels and get no driver: {}", pools.unlabelled.size(),
                     precompiled ? "os-release or kernel-version" : "os-release", fmt::join(pools.unlabelled, ", "));
}

}  // namespace gpu
