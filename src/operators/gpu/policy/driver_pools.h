// Driver pools: the GPU nodes grouped by OS (and, with precompiled drivers,
// by kernel) from their NFD labels. Each pool gets its own driver DaemonSet,
// so a cluster of Ubuntu and RHEL nodes gets a driver image for each (upstream
// takes the first node's OS for all of them). Pools are sorted by name, so
// the result does not depend on the order nodes are listed in.
#ifndef OPERATORS_GPU_POLICY_DRIVER_POOLS_H_
#define OPERATORS_GPU_POLICY_DRIVER_POOLS_H_

#include <map>
#include <string>
#include <vector>

#include "gpu_labels.h"

namespace gpu {

struct NodeLabels {
  std::string name;
  std::map<std::string, std::string> labels;
  // The runtime of status.nodeInfo.containerRuntimeVersion ("cri-o://1.30.4" is "cri-o"); "" unknown.
  std::string container_runtime;
};

struct DriverPool {
  std::string os_id;          // "rhel"
  std::string version_label;  // kOsVersionLabel, or kOsMajorLabel for rhel, rocky and ol
  std::string version;        // its value: "9" or "22.04"
  std::string os_tag;         // "rhel9"
  std::string kernel;         // kernel-version.full; empty unless precompiled
  std::vector<std::string> nodes;
};

struct DriverPools {
  std::vector<DriverPool> pools;
  std::vector<std::string> unlabelled;  // GPU nodes without the OS (or kernel) labels
};

// `nodes` are GPU nodes.
DriverPools GroupDriverPools(const std::vector<NodeLabels>& nodes, bool precompiled);

// "2 GPU nodes have no os-release labels and get no driver: a, b"; "" when every node has them.
std::string DescribeUnlabelled(const DriverPools& pools, bool precompiled);

}  // namespace gpu

#endif  // OPERATORS_GPU_POLICY_DRIVER_POOLS_H_
