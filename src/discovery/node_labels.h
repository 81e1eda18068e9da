// Every label discovery gives a node, from its host tree: the NFD-compatible
// PCI, RDMA, kernel and OS labels (GPU labels come from NVML, separately).
#ifndef DISCOVERY_NODE_LABELS_H_
#define DISCOVERY_NODE_LABELS_H_

#include <map>
#include <string>

#include "host/host_root.h"
#include "pci/pci_labels.h"

namespace discovery {

struct DiscoveryOptions {
  PciLabelOptions pci;
};

std::map<std::string, std::string> DiscoverNodeLabels(const HostRoot& host, const DiscoveryOptions& options);

}  // namespace discovery

#endif  // DISCOVERY_NODE_LABELS_H_
