#include "gpu/nvml_reader.h"

#include <dlfcn.h>

#include <memory>

#include "gpu/nvml_abi.h"

namespace discovery {
namespace {

// The part of NVML's C ABI used here (nvml.h: stable, versioned entry points).
using NvmlReturn = int;
using NvmlDevice = nvmlDevice_st*;
using NvmlMemory = nvmlMemory_st;
constexpr NvmlReturn kSuccess = 0;
constexpr unsigned kNameBuffer = 96;     // NVML_DEVICE_NAME_V2_BUFFER_SIZE
constexpr unsigned kVersionBuffer = 80;  // NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE

struct LibraryCloser {
  void operator()(void* handle) const { dlclose(handle); }
};
using Library = std::unique_ptr<void, LibraryCloser>;

class Api {
 public:
  explicit Api(void* lib) : lib_(lib) {}

  // The entry point, or null when this NVML has none.
  template <typename Fn>
  Fn* Find(const char* name) const {
    return reinterpret_cast<Fn*>(dlsym(lib_, name));
  }

  // "nvmlDeviceGetName: Not Supported".
  kube::Status Check(const char* call, NvmlReturn r) const {
    if (r == kSuccess) return kube::Status::Ok();
    std::string text = "error " + std::to_string(r);
    if (auto* describe = Find<const char*(NvmlReturn)>("nvmlErrorString")) text = describe(r);
    return kube::Status(kube::Code::kInternal, std::string(call) + ": " + text);
  }

 private:
  void* lib_;
};

// Calls an NVML entry point of the given type; returns its error from the enclosing function.
#define NVML_CALL(api, name, type, ...)                                                       \
  do {                                                                                        \
    auto* fn = (api).Find<type>(#name);                                                       \
    if (!fn) return kube::Status(kube::Code::kInternal, "NVML has no " #name);                \
    KUBE_RETURN_IF_ERROR((api).Check(#name, fn(__VA_ARGS__)));                                \
  } while (0)

kube::Result<GpuSnapshot> Read(const Api& api) {
  GpuSnapshot out;
  char version[kVersionBuffer] = {};
  NVML_CALL(api, nvmlSystemGetDriverVersion, NvmlReturn(char*, unsigned), version, kVersionBuffer);
  out.driver_version = version;
  NVML_CALL(api, nvmlSystemGetCudaDriverVersion, NvmlReturn(int*), &out.cuda_version);
  unsigned count = 0;
  NVML_CALL(api, nvmlDeviceGetCount_v2, NvmlReturn(unsigned*), &count);
  for (unsigned i = 0; i < count; ++i) {
    NvmlDevice device = nullptr;
    NVML_CALL(api, nvmlDeviceGetHandleByIndex_v2, NvmlReturn(unsigned, NvmlDevice*), i, &device);
    GpuDevice d;
    char name[kNameBuffer] = {};
    NVML_CALL(api, nvmlDeviceGetName, NvmlReturn(NvmlDevice, char*, unsigned), device, name, kNameBuffer);
    d.name = name;
    NvmlMemory memory{};
    NVML_CALL(api, nvmlDeviceGetMemoryInfo, NvmlReturn(NvmlDevice, NvmlMemory*), device, &memory);
    d.memory_mib = memory.total / (1024 * 1024);
    NVML_CALL(api, nvmlDeviceGetCudaComputeCapability, NvmlReturn(NvmlDevice, int*, int*), device, &d.compute_major,
              &d.compute_minor);
    // MIG capable unless NVML says the call is not supported on this device (as GFD decides).
    if (auto* mig = api.Find<NvmlReturn(NvmlDevice, unsigned*, unsigned*)>("nvmlDeviceGetMigMode")) {
      unsigned current = 0, pending = 0;
      constexpr NvmlReturn kNotSupported = 3;
      const NvmlReturn r = mig(device, &current, &pending);
      d.mig_capable = r != kNotSupported;
      d.mig_enabled = r == kSuccess && current == 1;  // NVML_DEVICE_MIG_ENABLE
    }
    out.devices.push_back(std::move(d));
  }
  return out;
}

}  // namespace

std::vector<std::string> NvmlCandidates(const std::string& root) {
  std::string base = root;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::vector<std::string> out;
  for (const char* prefix : {"", "/run/nvidia/driver"}) {
    for (const char* dir : {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"}) {
      out.push_back(base + prefix + dir + "/libnvidia-ml.so.1");
    }
  }
  out.push_back("libnvidia-ml.so.1");  // the loader's search path
  return out;
}

kube::Result<GpuSnapshot> ReadGpus(const std::vector<std::string>& libraries) {
  Library lib;
  for (const auto& path : libraries) {
    lib.reset(dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL));
    if (lib) break;
  }
  if (!lib) return kube::Status(kube::Code::kNotFound, "NVML (libnvidia-ml.so.1) is not installed");
  const Api api(lib.get());
  NVML_CALL(api, nvmlInit_v2, NvmlReturn());
  auto snapshot = Read(api);
  if (auto* shutdown = api.Find<NvmlReturn()>("nvmlShutdown")) shutdown();
  return snapshot;
}

}  // namespace discovery
