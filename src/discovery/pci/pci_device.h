// The node's PCI devices as NFD's PCI source reads them from sysfs
// (/sys/bus/pci/devices/*): class (base class and subclass, four hex
// digits), vendor, device and subsystem IDs without "0x", and whether the
// device can create SR-IOV virtual functions. A device whose mandatory
// files cannot be read is skipped, as NFD does.
#ifndef DISCOVERY_PCI_PCI_DEVICE_H_
#define DISCOVERY_PCI_PCI_DEVICE_H_

#include <string>
#include <vector>

#include "host/host_root.h"

namespace discovery {

struct PciDevice {
  std::string address;           // "0000:1b:00.0"
  std::string device_class;      // "0302"
  std::string vendor;            // "10de"
  std::string device;            // "2330"
  std::string subsystem_vendor;  // "10de"
  std::string subsystem_device;  // "16c1"
  bool sriov_capable = false;    // has sriov_totalvfs
};

std::vector<PciDevice> ReadPciDevices(const HostRoot& host);

}  // namespace discovery

#endif  // DISCOVERY_PCI_PCI_DEVICE_H_
