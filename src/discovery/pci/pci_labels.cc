#include "pci/pci_labels.h"

#include <algorithm>
#include <array>

namespace discovery {
namespace {

constexpr std::array<const char*, 5> kFieldOrder = {"class", "vendor", "device", "subsystem_vendor",
                                                    "subsystem_device"};

const std::string& Field(const PciDevice& d, const std::string& name) {
  if (name == "class") return d.device_class;
  if (name == "vendor") return d.vendor;
  if (name == "device") return d.device;
  if (name == "subsystem_vendor") return d.subsystem_vendor;
  return d.subsystem_device;
}

}  // namespace

kube::Status ValidatePciLabelOptions(const PciLabelOptions& options) {
  for (const auto& c : options.device_classes) {
    if (c.empty() || c.size() > 4 || c.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
      return kube::Status(kube::Code::kInvalidArgument,
                          "PCI device class \"" + c + "\": expected 2 to 4 hex digits (base class, subclass)");
    }
  }
  if (options.label_fields.empty()) {
    return kube::Status(kube::Code::kInvalidArgument, "PCI label fields: at least one list is needed");
  }
  for (const auto& fields : options.label_fields) {
    if (fields.empty()) return kube::Status(kube::Code::kInvalidArgument, "PCI label fields: an empty list");
    for (const auto& f : fields) {
      if (std::find(kFieldOrder.begin(), kFieldOrder.end(), f) == kFieldOrder.end()) {
        return kube::Status(kube::Code::kInvalidArgument,
                            "PCI label field \"" + f +
                                "\": one of class, vendor, device, subsystem_vendor, subsystem_device");
      }
    }
  }
  return kube::Status::Ok();
}

std::map<std::string, std::string> PciLabels(const std::vector<PciDevice>& devices, const PciLabelOptions& options) {
  std::map<std::string, std::string> labels;
  for (const auto& d : devices) {
    const bool wanted = std::any_of(options.device_classes.begin(), options.device_classes.end(), [&](std::string c) {
      std::transform(c.begin(), c.end(), c.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      return d.device_class.rfind(c, 0) == 0;
    });
    if (!wanted) continue;
    for (const auto& fields : options.label_fields) {
      std::string name;
      for (const char* f : kFieldOrder) {
        if (std::find(fields.begin(), fields.end(), f) == fields.end()) continue;
        name += (name.empty() ? "" : "_") + Field(d, f);
      }
      const std::string prefix = "feature.node.kubernetes.io/pci-" + name;
      labels[prefix + ".present"] = "true";
      if (d.sriov_capable) labels[prefix + ".sriov.capable"] = "true";
    }
  }
  return labels;
}

}  // namespace discovery
