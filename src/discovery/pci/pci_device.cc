#include "pci/pci_device.h"

#include <cctype>
#include <optional>

namespace discovery {
namespace {

constexpr const char* kDevices = "/sys/bus/pci/devices";

// "0x10de\n" -> "10de", lower case; nullopt when unreadable or empty.
std::optional<std::string> HexId(const HostRoot& host, const std::string& dir, const char* file) {
  auto line = host.ReadLine(dir + "/" + file);
  if (!line || line->empty()) return std::nullopt;
  std::string id = *line;
  if (id.rfind("0x", 0) == 0 || id.rfind("0X", 0) == 0) id.erase(0, 2);
  for (auto& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return id;
}

}  // namespace

std::vector<PciDevice> ReadPciDevices(const HostRoot& host) {
  std::vector<PciDevice> devices;
  for (const auto& address : host.List(kDevices)) {
    const std::string dir = std::string(kDevices) + "/" + address;
    auto device_class = HexId(host, dir, "class");
    auto vendor = HexId(host, dir, "vendor");
    auto device = HexId(host, dir, "device");
    auto subsystem_vendor = HexId(host, dir, "subsystem_vendor");
    auto subsystem_device = HexId(host, dir, "subsystem_device");
    if (!device_class || !vendor || !device || !subsystem_vendor || !subsystem_device) continue;
    PciDevice d{address, device_class->substr(0, 4), *vendor, *device, *subsystem_vendor, *subsystem_device, false};
    d.sriov_capable = host.Exists(dir + "/sriov_totalvfs");
    devices.push_back(std::move(d));
  }
  return devices;
}

}  // namespace discovery
