// A stand-in for NVIDIA's libnvidia-ml.so.1 with the entry points discovery
// calls, reporting one H100 SXM as NVML does on the machine the h100 fixture
// is modelled on. FAKE_NVML_INIT_ERROR=<code> makes nvmlInit_v2 fail.
#include <cstdlib>
#include <cstring>

#include "gpu/nvml_abi.h"

extern "C" {

struct nvmlDevice_st {
  int index;
};
using NvmlDeviceOpaque = nvmlDevice_st;
using NvmlMemory = nvmlMemory_st;

static NvmlDeviceOpaque h100;

int nvmlInit_v2() {
  const char* code = std::getenv("FAKE_NVML_INIT_ERROR");
  return code ? std::atoi(code) : 0;
}
int nvmlShutdown() { return 0; }
const char* nvmlErrorString(int code) { return code == 9 ? "Driver Not Loaded" : "Unknown Error"; }
int nvmlSystemGetDriverVersion(char* out, unsigned length) {
  std::strncpy(out, "550.90.07", length);
  return 0;
}
int nvmlSystemGetCudaDriverVersion(int* version) {
  *version = 12040;
  return 0;
}
int nvmlDeviceGetCount_v2(unsigned* count) {
  *count = 1;
  return 0;
}
int nvmlDeviceGetHandleByIndex_v2(unsigned index, NvmlDeviceOpaque** device) {
  if (index != 0) return 2;  // NVML_ERROR_INVALID_ARGUMENT
  *device = &h100;
  return 0;
}
int nvmlDeviceGetName(NvmlDeviceOpaque*, char* out, unsigned length) {
  std::strncpy(out, "NVIDIA H100 80GB HBM3", length);
  return 0;
}
int nvmlDeviceGetMemoryInfo(NvmlDeviceOpaque*, NvmlMemory* memory) {
  memory->total = 85520809984ULL;  // 81559 MiB
  memory->free = memory->total - 553648128ULL;
  memory->used = 553648128ULL;
  return 0;
}
int nvmlDeviceGetCudaComputeCapability(NvmlDeviceOpaque*, int* major, int* minor) {
  *major = 9;
  *minor = 0;
  return 0;
}
int nvmlDeviceGetMigMode(NvmlDeviceOpaque*, unsigned* current, unsigned* pending) {
  *current = 0;
  *pending = 0;
  return 0;
}
}
