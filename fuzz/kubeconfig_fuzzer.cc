// kubeconfig files, through the YAML reader.
#include "fuzz_input.h"
#include "kube/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::ExpectExplained(kube::Config::FromKubeconfigText(fuzz::Text(data, size), "/nonexistent", ""));
  return 0;
}
