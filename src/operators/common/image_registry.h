// The one registry override both operators apply to every image they deploy
// (a mirror, an air-gapped registry). Stateless; safe from any thread.
#ifndef OPERATORS_COMMON_IMAGE_REGISTRY_H_
#define OPERATORS_COMMON_IMAGE_REGISTRY_H_

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace operators {

// The image with its registry replaced by `registry` (a host, optionally with a port and a
// path prefix, e.g. "registry.local:5000/mirror"). An image without a registry part (Docker
// Hub shorthand) gets `registry` prepended. Tags and digests are kept; "" changes nothing, nor
// does an image already under `registry`.
[[nodiscard]] std::string WithRegistry(const std::string& image, const std::string& registry);

// `spec` with the registry of every component's `repository` (an object holding both
// `repository` and `image`, at any depth) replaced by `registry`.
[[nodiscard]] nlohmann::json WithRegistryInRepositories(const nlohmann::json& spec, const std::string& registry);

}  // namespace operators

#endif  // OPERATORS_COMMON_IMAGE_REGISTRY_H_
