#include "gpu/gpu_sharing.h"

#include <nlohmann/json.hpp>

namespace discovery {
namespace {

using nlohmann::json;

kube::Status Invalid(const std::string& field, const std::string& what) {
  return kube::Status(kube::Code::kInvalidArgument, "device plugin config: " + field + " " + what);
}

// One sharing section (sharing.timeSlicing or sharing.mps): the replication of nvidia.com/gpu it
// sets, if any; `section` names it in errors.
kube::Result<GpuSharing> ReadSection(const json& config, const std::string& section, const std::string& strategy) {
  GpuSharing out;
  out.strategy = "none";
  const json::json_pointer pointer("/sharing/" + section);
  if (!config.contains(pointer) || config.at(pointer).is_null()) return out;
  const json& s = config.at(pointer);
  const std::string field = "sharing." + section;
  if (!s.is_object()) return Invalid(field, "must be a map");
  const bool rename_by_default = s.value("renameByDefault", false);
  const json resources = s.value("resources", json::array());
  if (!resources.is_array()) return Invalid(field + ".resources", "must be a list");
  for (size_t i = 0; i < resources.size(); ++i) {
    const json& r = resources[i];
    const std::string at = field + ".resources[" + std::to_string(i) + "]";
    if (!r.is_object() || !r.contains("name") || !r["name"].is_string()) return Invalid(at + ".name", "is required");
    if (!r.contains("replicas") || !r["replicas"].is_number_integer() || r["replicas"].get<long>() < 1) {
      return Invalid(at + ".replicas", "must be a whole number of at least 1");
    }
    if (r["name"] != "nvidia.com/gpu") continue;
    out.strategy = strategy;
    out.replicas = r["replicas"].get<int>();
    out.renamed = rename_by_default || !r.value("rename", "").empty();
  }
  return out;
}

}  // namespace

kube::Result<GpuSharing> ParseGpuSharing(const json& config) {
  if (!config.is_object()) return Invalid("document", "must be a map");
  if (config.contains("version") && config["version"] != "v1") {
    return Invalid("version", "must be v1, not " + config["version"].dump());
  }
  if (config.contains("sharing") && !config["sharing"].is_null() && !config["sharing"].is_object()) {
    return Invalid("sharing", "must be a map");
  }
  // MPS is the plugin's choice where both are given.
  auto mps = ReadSection(config, "mps", "mps");
  if (!mps.ok()) return mps.status();
  auto time_slicing = ReadSection(config, "timeSlicing", "time-slicing");
  if (!time_slicing.ok()) return time_slicing.status();
  return mps->strategy != "none" ? *mps : *time_slicing;
}

}  // namespace discovery
