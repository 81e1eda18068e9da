#include "image_registry.h"

#include <nlohmann/json.hpp>

namespace operators {
namespace {

void Rewrite(nlohmann::json& node, const std::string& registry, int depth) {
  if (depth > 16) return;  // specs are shallow; bounded whatever comes in
  if (node.is_object()) {
    const auto repository = node.find("repository");
    if (repository != node.end() && repository->is_string() && node.contains("image")) {
      *repository = WithRegistry(repository->get<std::string>(), registry);
    }
    for (auto& [key, value] : node.items()) Rewrite(value, registry, depth + 1);
  } else if (node.is_array()) {
    for (auto& value : node) Rewrite(value, registry, depth + 1);
  }
}

}  // namespace

std::string WithRegistry(const std::string& image, const std::string& registry) {
  if (registry.empty()) return image;
  std::string base = registry;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (image.rfind(base + "/", 0) == 0) return image;  // already from the mirror: applying twice is once
  const auto slash = image.find('/');
  if (slash != std::string::npos) {
    const std::string first = image.substr(0, slash);
    // The first component is a registry when it looks like a host (as the container runtimes decide).
    if (first.find('.') != std::string::npos || first.find(':') != std::string::npos || first == "localhost") {
      return base + image.substr(slash);
    }
  }
  return base + "/" + image;
}

nlohmann::json WithRegistryInRepositories(const nlohmann::json& spec, const std::string& registry) {
  nlohmann::json out = spec;
  if (!registry.empty()) Rewrite(out, registry, 0);
  return out;
}

}  // namespace operators
