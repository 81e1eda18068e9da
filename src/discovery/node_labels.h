// Every label discovery gives a node, from its host tree: the NFD-compatible
// PCI, RDMA, kernel and OS labels, and, given what NVML reports, the
// GFD-compatible GPU labels. The PCI devices are read once for all of them.
#ifndef DISCOVERY_NODE_LABELS_H_
#define DISCOVERY_NODE_LABELS_H_

#include <map>
#include <string>

#include "gpu/gpu_labels.h"
#include "host/host_root.h"
#include "pci/pci_labels.h"

namespace discovery {

struct DiscoveryOptions {
  PciLabelOptions pci;
  std::string mig_strategy = "none";
  GpuSharing sharing;  // the device plugin's (--device-plugin-config)
};

// `gpus` is null when NVML is not there (no GPU labels).
std::map<std::string, std::string> DiscoverNodeLabels(const HostRoot& host, const DiscoveryOptions& options,
                                                      const GpuSnapshot* gpus = nullptr);

}  // namespace discovery

#endif  // DISCOVERY_NODE_LABELS_H_
