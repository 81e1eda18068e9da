#include "kube/metadata_patch.h"

#include <nlohmann/json.hpp>

namespace kube {
namespace {

nlohmann::json Changes(const MetadataChanges& changes) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : changes) out[key] = value ? nlohmann::json(*value) : nlohmann::json();
  return out;
}

}  // namespace

std::string MetadataPatch(const Object& current, const MetadataChanges& labels, const MetadataChanges& annotations) {
  nlohmann::json metadata = {{"resourceVersion", current.resource_version()}};
  if (!labels.empty()) metadata["labels"] = Changes(labels);
  if (!annotations.empty()) metadata["annotations"] = Changes(annotations);
  return nlohmann::json({{"metadata", metadata}}).dump();
}

}  // namespace kube
