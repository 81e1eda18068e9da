// Which GPU nodes each NVIDIADriver drives.
//
// A non-default NVIDIADriver drives the GPU nodes its nodeSelector matches
// (all of them without one); the default one (spec.default) drives the GPU
// nodes that no other selects. A node takes one driver: when two drivers
// select a node, the older keeps it and the newer is rejected as a whole, so
// adding a driver never takes nodes from one that runs. Nodes that only a
// rejected driver selects are left as they are (fail closed): they keep the
// owner label they have and are not handed to the default.
#ifndef OPERATORS_GPU_NVIDIADRIVER_DRIVER_ASSIGNMENT_H_
#define OPERATORS_GPU_NVIDIADRIVER_DRIVER_ASSIGNMENT_H_

#include <map>
#include <string>
#include <vector>

#include "driver_pools.h"
#include "gpu_labels.h"

namespace gpu {

struct DriverClaim {
  std::string name;
  std::string created;  // creationTimestamp (RFC 3339): older drivers win
  bool is_default = false;
  std::map<std::string, std::string> node_selector;
};

struct DriverAssignment {
  // By driver: the nodes it drives, sorted. Every accepted driver has an entry.
  std::map<std::string, std::vector<std::string>> nodes;
  // By driver: why it was rejected.
  std::map<std::string, std::string> rejected;
  // By node: the owner label it must carry ("" for none). Nodes left as they are are absent.
  std::map<std::string, std::string> owner;
};

// `gpu_nodes` are the GPU nodes with their labels (the owner label included).
DriverAssignment AssignDriverNodes(std::vector<DriverClaim> drivers, const std::vector<NodeLabels>& gpu_nodes);

}  // namespace gpu

#endif  // OPERATORS_GPU_NVIDIADRIVER_DRIVER_ASSIGNMENT_H_
