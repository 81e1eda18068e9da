// YAML to JSON: manifests, configuration files, the device plugin's config.
#include <nlohmann/json.hpp>

#include "fuzz_input.h"
#include "gpu/gpu_sharing.h"
#include "manifests/renderer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = fuzz::Text(data, size);
  auto document = manifests::YamlToJson(text);
  fuzz::ExpectExplained(document);
  if (document.ok()) {
    (void)document->dump();  // every string read is valid UTF-8
    fuzz::ExpectExplained(discovery::ParseGpuSharing(*document));
  }
  fuzz::ExpectExplained(manifests::YamlToObjects(text));
  return 0;
}
