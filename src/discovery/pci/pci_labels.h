// NFD-compatible PCI labels: for each device whose class starts with one of
// the configured classes, `feature.node.kubernetes.io/pci-<fields>.present`
// for each configured field list (fields in NFD's order: class, vendor,
// device, subsystem_vendor, subsystem_device, joined by "_"), and
// `…sriov.capable` for devices with SR-IOV. The defaults are those of
// upstream's operator charts: classes 0200, 0207, 0300, 0302, and both the
// `<class>_<vendor>` and the vendor-only forms ("pci-0302_10de.present",
// "pci-10de.present"), which the GPU and network operators select on.
#ifndef DISCOVERY_PCI_PCI_LABELS_H_
#define DISCOVERY_PCI_PCI_LABELS_H_

#include <map>
#include <string>
#include <vector>

#include "kube/status.h"
#include "pci/pci_device.h"

namespace discovery {

struct PciLabelOptions {
  std::vector<std::string> device_classes = {"0200", "0207", "0300", "0302"};
  std::vector<std::vector<std::string>> label_fields = {{"class", "vendor"}, {"vendor"}};
};

// InvalidArgument naming the unknown field or malformed class.
kube::Status ValidatePciLabelOptions(const PciLabelOptions& options);

std::map<std::string, std::string> PciLabels(const std::vector<PciDevice>& devices, const PciLabelOptions& options);

}  // namespace discovery

#endif  // DISCOVERY_PCI_PCI_LABELS_H_
