// The types of NVML's C entry points that discovery calls, under NVML's own
// names (nvml.h: nvmlDevice_t, nvmlMemory_t), at global scope as C declares
// them: a call through a pointer looked up with dlsym then has the type the
// callee was defined with, which the stand-in library of the tests shares.
#ifndef DISCOVERY_GPU_NVML_ABI_H_
#define DISCOVERY_GPU_NVML_ABI_H_

extern "C" {

struct nvmlDevice_st;  // opaque: NVML hands out pointers to it
struct nvmlMemory_st {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};

}  // extern "C"

#endif  // DISCOVERY_GPU_NVML_ABI_H_
