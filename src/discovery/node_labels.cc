#include "node_labels.h"

#include "pci/pci_device.h"
#include "system/system_labels.h"

namespace discovery {

std::map<std::string, std::string> DiscoverNodeLabels(const HostRoot& host, const DiscoveryOptions& options,
                                                      const GpuSnapshot* gpus) {
  const std::vector<PciDevice> devices = ReadPciDevices(host);
  std::map<std::string, std::string> labels = PciLabels(devices, options.pci);
  labels.merge(RdmaLabels(host, devices));
  labels.merge(KernelLabels(host));
  labels.merge(OsReleaseLabels(host));
  if (gpus) {
    const std::string machine = host.ReadLine("/sys/class/dmi/id/product_name").value_or("");
    labels.merge(GpuLabels(*gpus, devices, {options.mig_strategy, machine, options.sharing}));
  }
  return labels;
}

}  // namespace discovery
