// OFED node pools: the NIC nodes grouped by what the driver container is
// built for (OS id, OS version, kernel, architecture), one driver DaemonSet
// per pool. Upstream keys pools without the architecture, so mixed-arch
// nodes with equal kernels collide; here they get separate pools, and only
// then do names and selectors differ from upstream's.
#ifndef OPERATORS_NETWORK_POLICY_OFED_POOLS_H_
#define OPERATORS_NETWORK_POLICY_OFED_POOLS_H_

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "network_labels.h"

namespace network {

struct NodeLabels {
  std::string name;
  std::map<std::string, std::string> labels;
  nlohmann::json taints = nlohmann::json::array();  // spec.taints
  // The runtime of status.nodeInfo.containerRuntimeVersion ("cri-o://1.30.4" is "cri-o"); "" unknown.
  std::string container_runtime;
  std::map<std::string, std::string> annotations;  // only those the node cache keeps
};

struct OfedPool {
  std::string os_id;       // "ubuntu"
  std::string os_version;  // "22.04"
  std::string kernel;      // "5.15.0-105-generic"
  std::string arch;        // "amd64"
  std::string daemonset;   // "mofed-ubuntu22.04-<hash>-ds"
  bool arch_selector = false;  // other architectures share the OS and kernel: select this one
  std::vector<std::string> nodes;
  bool all_cri_o = true;  // every node runs CRI-O, which brings the host's RHEL subscription itself
};

struct OfedPools {
  std::vector<OfedPool> pools;            // sorted by DaemonSet name
  std::vector<std::string> unlabelled;    // NIC nodes missing OS, version, kernel or arch labels
  std::vector<std::string> untolerated;   // NIC nodes with a taint the driver does not tolerate
};

// `tolerations` are the policy's; the ones the DaemonSet controller adds are implied.
OfedPools ComputeOfedPools(const std::vector<NodeLabels>& nodes, const nlohmann::json& tolerations);

}  // namespace network

#endif  // OPERATORS_NETWORK_POLICY_OFED_POOLS_H_
