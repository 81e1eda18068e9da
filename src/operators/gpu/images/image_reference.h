// Image references of the GPU operator's operands: resolution from a
// ClusterPolicy component section in upstream's order of precedence, and the
// one registry override that rewrites every image the operator deploys.
//
// Precedence (as upstream): repository + image + version ("@" when the
// version is a sha256 digest); else `image` alone, verbatim; else the
// component's environment variable on the operator (DRIVER_IMAGE, ...);
// else an error. Setting only some of repository/image/version is an error
// that names the missing fields.
#ifndef OPERATORS_GPU_IMAGES_IMAGE_REFERENCE_H_
#define OPERATORS_GPU_IMAGES_IMAGE_REFERENCE_H_

#include <functional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "image_registry.h"
#include "kube/status.h"

namespace gpu {

// Looks up an environment variable; empty when unset.
using EnvLookup = std::function<std::string(const std::string& name)>;

// `section`: the component's spec (e.g. spec.driver), `field`: its path for messages,
// `env_var`: its fallback variable.
kube::Result<std::string> ResolveImage(const nlohmann::json& section, const std::string& field,
                                       const std::string& env_var, const EnvLookup& env);

// The registry override: operators::WithRegistry.
using operators::WithRegistry;

}  // namespace gpu

#endif  // OPERATORS_GPU_IMAGES_IMAGE_REFERENCE_H_
