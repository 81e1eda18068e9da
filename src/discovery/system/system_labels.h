// NFD-compatible system labels read from the host:
//   kernel-version.{full,major,minor,revision}  from /proc/sys/kernel/osrelease
//   system-os_release.{ID,VERSION_ID,VERSION_ID.major,VERSION_ID.minor}
//                                               from /etc/os-release (else /usr/lib/os-release)
//   rdma.capable    a Mellanox/NVIDIA networking PCI device (vendor 15b3)
//   rdma.available  ib_uverbs and rdma_ucm loaded (/proc/modules) or built in
// Values are made valid label values as NFD makes them (other characters to
// "_", "-_." trimmed from both ends); a value that cannot be read gives no label.
#ifndef DISCOVERY_SYSTEM_SYSTEM_LABELS_H_
#define DISCOVERY_SYSTEM_SYSTEM_LABELS_H_

#include <map>
#include <string>
#include <vector>

#include "host/host_root.h"
#include "pci/pci_device.h"

namespace discovery {

// A string as a label value: at most 63 characters of [-A-Za-z0-9_.], starting and ending alphanumeric.
std::string LabelValue(const std::string& raw);

// KEY=value pairs of an os-release file (quotes removed).
std::map<std::string, std::string> ParseOsRelease(const std::string& text);

std::map<std::string, std::string> KernelLabels(const HostRoot& host);
std::map<std::string, std::string> OsReleaseLabels(const HostRoot& host);
std::map<std::string, std::string> RdmaLabels(const HostRoot& host, const std::vector<PciDevice>& devices);

}  // namespace discovery

#endif  // DISCOVERY_SYSTEM_SYSTEM_LABELS_H_
