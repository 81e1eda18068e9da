// GFD-compatible GPU labels (nvidia.com/...) from what NVML reports: count,
// product, memory, family, compute capability, CUDA driver and runtime
// versions, MIG capability and strategy, the machine type, the GPU mode from
// the PCI class, and the device plugin's sharing (replicas, strategy, MPS).
// No GPU gives no labels.
#ifndef DISCOVERY_GPU_GPU_LABELS_H_
#define DISCOVERY_GPU_GPU_LABELS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gpu/gpu_sharing.h"
#include "pci/pci_device.h"

namespace discovery {

struct GpuDevice {
  std::string name;         // "NVIDIA H100 80GB HBM3"
  uint64_t memory_mib = 0;  // total memory
  int compute_major = 0;
  int compute_minor = 0;
  bool mig_capable = false;
  bool mig_enabled = false;  // MIG mode currently on
};

struct GpuSnapshot {
  std::vector<GpuDevice> devices;
  std::string driver_version;  // "550.90.07"
  int cuda_version = 0;        // 12040 for CUDA 12.4
};

struct GpuLabelOptions {
  std::string mig_strategy = "none";  // none, single or mixed
  std::string machine;                // /sys/class/dmi/id/product_name; "" -> unknown
  GpuSharing sharing;                 // the device plugin's, as its config file sets it
};

// A product or machine name as GFD writes it: characters outside [A-Za-z0-9-_. ] dropped,
// spaces to "-" ("NVIDIA H100 80GB HBM3" -> "NVIDIA-H100-80GB-HBM3").
std::string GpuLabelName(const std::string& raw);

// "hopper" for compute capability 9.x, as GFD derives it.
std::string GpuFamily(int compute_major, int compute_minor);

std::map<std::string, std::string> GpuLabels(const GpuSnapshot& gpus, const std::vector<PciDevice>& pci,
                                             const GpuLabelOptions& options);

}  // namespace discovery

#endif  // DISCOVERY_GPU_GPU_LABELS_H_
