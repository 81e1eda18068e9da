// NvmlReader: what the node's GPUs are, asked of NVML, which is loaded at
// run time (dlopen) so that neither the build nor a node without NVIDIA's
// driver needs anything from NVIDIA. The first library of the candidate
// list that loads is used; none loading is NotFound (a node without GPUs or
// driver, not an error to report); NVML failing once loaded is an error
// naming the call.
#ifndef DISCOVERY_GPU_NVML_READER_H_
#define DISCOVERY_GPU_NVML_READER_H_

#include <string>
#include <vector>

#include "gpu/gpu_labels.h"
#include "kube/status.h"

namespace discovery {

// Where NVML is looked for below `root` ("/" or the host mount): the standard library
// directories and the containerized driver's (/run/nvidia/driver), then the loader's own search.
std::vector<std::string> NvmlCandidates(const std::string& root);

kube::Result<GpuSnapshot> ReadGpus(const std::vector<std::string>& libraries);

}  // namespace discovery

#endif  // DISCOVERY_GPU_NVML_READER_H_
