#include "gpu/gpu_sharing.h"

#include <cstdint>

#include <nlohmann/json.hpp>

#include "kube/json_fields.h"

namespace discovery {
namespace {

using nlohmann::json;

kube::Status Invalid(const std::string& field, const std::string& what) {
  return kube::Status(kube::Code::kInvalidArgument, "device plugin config: " + field + " " + what);
}

kube::Status Invalid(const kube::Status& field_problem) {
  return kube::Status(kube::Code::kInvalidArgument, "device plugin config: " + field_problem.message());
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
  kube::JsonFields fields(s, field);
  const bool rename_by_default = fields.Bool("renameByDefault", false);
  const json& resources = fields.Array("resources");
  if (!fields.ok()) return Invalid(fields.status());
  for (size_t i = 0; i < resources.size(); ++i) {
    const std::string at = field + ".resources[" + std::to_string(i) + "]";
    kube::JsonFields r(resources[i], at);
    const std::string name = r.String("name");
    const int64_t replicas = r.Int("replicas", 0, 1, INT32_MAX);
    const std::string rename = r.String("rename");
    if (!r.ok()) return Invalid(r.status());
    if (name.empty()) return Invalid(at + ".name", "is required");
    if (!r.Has("replicas")) return Invalid(at + ".replicas", "is required: a whole number of at least 1");
    if (name != "nvidia.com/gpu") continue;
    out.strategy = strategy;
    out.replicas = static_cast<int>(replicas);
    out.renamed = rename_by_default || !rename.empty();
  }
  return out;
}

}  // namespace

kube::Result<GpuSharing> ParseGpuSharing(const json& config) {
  if (!config.is_object()) return Invalid("document", "must be a map");
  if (config.contains("version") && config["version"] != "v1") {
    return Invalid("version", "must be v1, not " + kube::Quoted(config["version"].dump()));
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
