#include "node_labels.h"

#include "pci/pci_device.h"
#include "system/system_labels.h"

namespace discovery {

std::map<std::string, std::string> DiscoverNodeLabels(const HostRoot& host, const DiscoveryOptions& options) {
  const std::vector<PciDevice> devices = ReadPciDevices(host);
  std::map<std::string, std::string> labels = PciLabels(devices, options.pci);
  labels.merge(RdmaLabels(host, devices));
  labels.merge(KernelLabels(host));
  labels.merge(OsReleaseLabels(host));
  return labels;
}

}  // namespace discovery
