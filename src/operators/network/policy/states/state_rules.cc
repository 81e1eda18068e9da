#include "states/state_rules.h"

#include <re2/re2.h>

#include "kube/json_limits.h"

namespace network::states {

kube::Status Invalid(const std::string& field, const std::string& message) {
  return kube::Status(kube::Code::kInvalid, field + ": " + message);
}

bool IsDnsSubdomain(const std::string& name) {
  static const RE2 kSubdomain("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  return RE2::FullMatch(name, kSubdomain);
}

kube::Result<nlohmann::json> ParseResourceConfig(const RenderInputs& in, const std::string& list_key) {
  const std::string field = in.field + ".config";
  const std::string text = in.section.value("config", "");
  if (text.empty()) return Invalid(field, "is required");
  auto parsed = kube::ParseJson(text);
  if (!parsed.ok()) return Invalid(field, parsed.status().message());
  nlohmann::json config = std::move(*parsed);
  if (!config.is_object() || !config.contains(list_key) || !config[list_key].is_array()) {
    return Invalid(field, "must be an object with a \"" + list_key + "\" array");
  }
  static const RE2 kResourceName("[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]");
  for (size_t i = 0; i < config[list_key].size(); ++i) {
    const auto& entry = config[list_key][i];
    const std::string at = field + "." + list_key + "[" + std::to_string(i) + "]";
    if (!entry.is_object()) return Invalid(at, "must be an object");
    if (!entry.contains("resourceName") || !entry["resourceName"].is_string() ||
        !RE2::FullMatch(entry["resourceName"].get<std::string>(), kResourceName)) {
      return Invalid(at + ".resourceName", "is required and must match [A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]");
    }
  }
  return config;
}

nlohmann::json SmallDaemonResources() {
  return {{"requests", {{"cpu", "100m"}, {"memory", "50Mi"}}}, {"limits", {{"cpu", "100m"}, {"memory", "50Mi"}}}};
}

}  // namespace network::states
