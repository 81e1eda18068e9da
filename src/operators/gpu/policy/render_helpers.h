// What the GPU states' contexts and DaemonSet transforms share: spec
// sections read leniently (a missing value is the default; ValidateClusterPolicy
// names the mistyped ones it cares about), images resolved in upstream's
// precedence behind the one registry override, pull secrets, and edits of a
// container's env and a pod's host paths. Stateless.
#ifndef OPERATORS_GPU_POLICY_RENDER_HELPERS_H_
#define OPERATORS_GPU_POLICY_RENDER_HELPERS_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/status.h"
#include "state_renderer.h"

namespace gpu {

// spec[key] when it is an object, else an empty object.
const nlohmann::json& Section(const nlohmann::json& spec, const std::string& key);
// section[key] when it is a string, else `fallback`.
std::string Str(const nlohmann::json& section, const char* key, const std::string& fallback = "");
// A name a template puts in a section: false when empty (mustache takes any string as true).
nlohmann::json Optional(const std::string& name);
// The image of `section` (named `field` in messages), else the operator's `env_var`, with the override.
kube::Result<std::string> OperandImage(const RenderInputs& in, const nlohmann::json& section, const std::string& field,
                                       const std::string& env_var);
// The components' pull secrets, then the global ones, each once.
std::vector<std::string> PullSecrets(const nlohmann::json& spec, const std::vector<const nlohmann::json*>& sections);

// Sets or replaces each of `env` (a list of {name, value...}) in `container`.
void MergeEnv(nlohmann::json& container, const nlohmann::json& env);
// A variable of `container`, "" when unset.
std::string EnvValue(const nlohmann::json& container, const std::string& name);
void SetEnv(nlohmann::json& container, const std::string& name, const std::string& value);
void SetHostPath(nlohmann::json& pod, const std::string& volume, const std::string& path);

// The container runtime the toolkit configures, as upstream decides it: the first GPU node's
// (by name), else spec.operator.defaultRuntime, else containerd. Upstream's names: containerd,
// crio, docker.
std::string ContainerRuntime(const RenderInputs& in);

}  // namespace gpu

#endif  // OPERATORS_GPU_POLICY_RENDER_HELPERS_H_
