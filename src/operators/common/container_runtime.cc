#include "container_runtime.h"

#include <nlohmann/json.hpp>

namespace common {

std::string ContainerRuntimeName(const nlohmann::json& node) {
  if (!node.is_object()) return "";
  const auto status = node.find("status");
  if (status == node.end() || !status->is_object()) return "";
  const auto info = status->find("nodeInfo");
  if (info == status->end() || !info->is_object()) return "";
  const auto version = info->find("containerRuntimeVersion");
  if (version == info->end() || !version->is_string()) return "";
  const std::string& text = version->get_ref<const std::string&>();
  const size_t scheme = text.find("://");
  return scheme == std::string::npos ? "" : text.substr(0, scheme);
}

}  // namespace common
