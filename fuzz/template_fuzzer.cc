// Templates with hostile values: whatever a value holds, it arrives in the
// object as that exact string and adds no field.
#include <nlohmann/json.hpp>

#include "fuzz_input.h"
#include "manifests/renderer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string value = fuzz::Text(data, size);
  // Only valid UTF-8 reaches a template (the API server and the parsers see to it).
  try {
    (void)nlohmann::json(value).dump();
  } catch (const nlohmann::json::exception&) {
    return 0;
  }
  static const std::string kTemplate =
      "kind: ConfigMap\n"
      "metadata:\n  name: {{v}}\n  labels: {a: {{v}}, b: \"{{v}}\", c: '{{v}}'}\n"
      "  annotations:\n    {{v}}-key: x{{v}}y\n"
      "data:\n  list: [{{v}}, z]\n  block: |\n    {{v}}\n";
  auto objects = manifests::RenderManifest(kTemplate, {{"v", value}});
  // Values are put back after parsing, so no value (a line break in a block scalar included) breaks it.
  if (!objects.ok() || objects->size() != 1) std::abort();
  const nlohmann::json& o = (*objects)[0];
  if (o["metadata"]["name"] != value || o["metadata"]["labels"]["a"] != value || o["metadata"]["labels"]["b"] != value ||
      o["metadata"].size() != 3 || o["metadata"]["labels"].size() != 3 || o["data"]["list"][0] != value || o["data"]["block"] != value + "\n" ||
      o["metadata"]["annotations"][value + "-key"] != "x" + value + "y" || o.size() != 3) {
    std::abort();
  }
  return 0;
}
