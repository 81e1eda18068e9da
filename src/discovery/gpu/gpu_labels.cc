#include "gpu/gpu_labels.h"

#include <cctype>
#include <sstream>

namespace discovery {

std::string GpuLabelName(const std::string& raw) {
  std::string kept;
  for (char c : raw) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ' ';
    if (ok) kept += c;
  }
  // Runs of whitespace become one "-", as GFD's strings.Fields join does.
  std::istringstream words(kept);
  std::string word, out;
  while (words >> word) out += (out.empty() ? "" : "-") + word;
  if (out.size() > 63) out.resize(63);
  return out;
}

std::string GpuFamily(int major, int minor) {
  switch (major) {
    case 1:
      return "tesla";
    case 2:
      return "fermi";
    case 3:
      return "kepler";
    case 5:
      return "maxwell";
    case 6:
      return "pascal";
    case 7:
      return minor < 5 ? "volta" : "turing";
    case 8:
      return minor < 9 ? "ampere" : "ada-lovelace";
    case 9:
      return "hopper";
    case 10:
    case 12:
      return "blackwell";
    case 13:
      return "rubin";
    default:
      return "undefined";
  }
}

std::map<std::string, std::string> GpuLabels(const GpuSnapshot& gpus, const std::vector<PciDevice>& pci,
                                             const GpuLabelOptions& options) {
  std::map<std::string, std::string> labels;
  if (gpus.devices.empty()) return labels;
  const GpuDevice& first = gpus.devices.front();
  int count = 0;
  bool mig_capable = false, mig_enabled = false;
  for (const auto& d : gpus.devices) {
    if (d.name == first.name) ++count;
    mig_capable = mig_capable || d.mig_capable;
    mig_enabled = mig_enabled || d.mig_enabled;
  }
  const std::string p = "nvidia.com/";
  // Sharing as GFD reports it: a strategy only where the GPU is replicated, and a replicated GPU
  // that keeps the nvidia.com/gpu name is a "-SHARED" product.
  const GpuSharing& sharing = options.sharing;
  const bool shared = sharing.replicas > 1;
  labels[p + "gpu.count"] = std::to_string(count);
  std::string product = GpuLabelName(first.name) + (shared && !sharing.renamed ? "-SHARED" : "");
  if (product.size() > 63) product.resize(63);
  labels[p + "gpu.product"] = product;
  labels[p + "gpu.replicas"] = std::to_string(sharing.replicas);
  labels[p + "gpu.sharing-strategy"] = shared ? sharing.strategy : "none";
  labels[p + "mps.capable"] = sharing.strategy == "mps" && !mig_enabled ? "true" : "false";
  labels[p + "gpu.memory"] = std::to_string(first.memory_mib);
  labels[p + "gpu.family"] = GpuFamily(first.compute_major, first.compute_minor);
  labels[p + "gpu.compute.major"] = std::to_string(first.compute_major);
  labels[p + "gpu.compute.minor"] = std::to_string(first.compute_minor);
  labels[p + "mig.capable"] = mig_capable ? "true" : "false";
  if (!options.mig_strategy.empty() && options.mig_strategy != "none") labels[p + "mig.strategy"] = options.mig_strategy;
  const std::string machine = GpuLabelName(options.machine);
  labels[p + "gpu.machine"] = machine.empty() ? "unknown" : machine;

  // Driver version "550.90.07": two or three numeric parts.
  std::vector<std::string> parts;
  std::istringstream version(gpus.driver_version);
  for (std::string part; std::getline(version, part, '.');) parts.push_back(part);
  if (parts.size() >= 2 && parts.size() <= 3) {
    const std::string rev = parts.size() == 3 ? parts[2] : "";
    labels[p + "cuda.driver.major"] = parts[0];
    labels[p + "cuda.driver.minor"] = parts[1];
    labels[p + "cuda.driver.rev"] = rev;
    labels[p + "cuda.driver-version.major"] = parts[0];
    labels[p + "cuda.driver-version.minor"] = parts[1];
    labels[p + "cuda.driver-version.revision"] = rev;
    labels[p + "cuda.driver-version.full"] = gpus.driver_version;
  }
  if (gpus.cuda_version > 0) {
    const std::string major = std::to_string(gpus.cuda_version / 1000);
    const std::string minor = std::to_string((gpus.cuda_version % 1000) / 10);
    labels[p + "cuda.runtime.major"] = major;
    labels[p + "cuda.runtime.minor"] = minor;
    labels[p + "cuda.runtime-version.major"] = major;
    labels[p + "cuda.runtime-version.minor"] = minor;
    labels[p + "cuda.runtime-version.full"] = major + "." + minor;
  }

  // The mode from the NVIDIA devices' PCI class.
  std::string mode;
  for (const auto& d : pci) {
    if (d.vendor != "10de" || d.device_class.rfind("03", 0) != 0) continue;
    const std::string m = d.device_class == "0300" ? "graphics" : d.device_class == "0302" ? "compute" : "unknown";
    mode = mode.empty() || mode == m ? m : "unknown";
  }
  labels[p + "gpu.mode"] = mode.empty() ? "unknown" : mode;
  return labels;
}

}  // namespace discovery
