// The nv-ipam CNI plugin's input: the network configuration on stdin and CNI_ARGS.
#include <nlohmann/json.hpp>

#include "cni/plugin_config.h"
#include "fuzz_input.h"
#include "kube/json_limits.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = fuzz::Text(data, size);
  // The last line, when there are several, stands for CNI_ARGS.
  const size_t newline = text.rfind('\n');
  const std::string conf = newline == std::string::npos ? text : text.substr(0, newline);
  const std::string args = newline == std::string::npos ? "" : text.substr(newline + 1);
  auto parsed = kube::ParseJson(conf);
  fuzz::ExpectExplained(parsed);
  if (parsed.ok()) {
    nlohmann::json config = *parsed;
    if (config.is_object() && config["ipam"].is_object()) config["ipam"]["confDir"] = "/nonexistent";
    fuzz::ExpectExplained(ipam::LoadPluginConfig(config, args));
  }
  return 0;
}
