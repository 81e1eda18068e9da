// ImageSpec resolution: a component's image reference from its ImageSpec
// and the policy's `global` defaults, as upstream: repository and version
// fall back to global's, pull secrets too when the component has none; a
// version "sha256:<64 hex>" makes a digest reference. Missing or malformed
// parts are an Invalid status naming the field.
#ifndef OPERATORS_NETWORK_POLICY_IMAGE_SPEC_H_
#define OPERATORS_NETWORK_POLICY_IMAGE_SPEC_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/status.h"

namespace network {

struct ResolvedImage {
  std::string reference;                      // repo/image:version or repo/image@sha256:...
  std::string repository, image, version;
  std::vector<std::string> pull_secrets;
};

// `field` is the section's path for messages ("spec.secondaryNetwork.multus").
kube::Result<ResolvedImage> ResolveImage(const nlohmann::json& section, const nlohmann::json& global,
                                         const std::string& field);

}  // namespace network

#endif  // OPERATORS_NETWORK_POLICY_IMAGE_SPEC_H_
