// Reading a ClusterPolicy spec: the enable rules with upstream's defaults,
// the checks for settings that contradict each other or name nothing, and
// the ConfigMaps it refers to.
#ifndef OPERATORS_GPU_POLICY_CLUSTER_POLICY_SPEC_H_
#define OPERATORS_GPU_POLICY_CLUSTER_POLICY_SPEC_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/status.h"
#include "labels/gpu_node_labels.h"

namespace gpu {

// spec.<section>.enabled, or `fallback` when unset.
bool Enabled(const nlohmann::json& spec, const std::string& section, bool fallback);
// A string at a JSON pointer below spec ("/driver/kernelModuleType"), or `fallback`.
std::string SpecString(const nlohmann::json& spec, const std::string& pointer, const std::string& fallback = "");
bool SpecBool(const nlohmann::json& spec, const std::string& pointer, bool fallback);

// spec.sandboxWorkloads.enabled.
bool SandboxEnabled(const nlohmann::json& spec);

// InvalidArgument naming the field(s) for: an unknown workload config, sandbox mode, MIG
// strategy, kernel module type or update strategy; the NRI plugin without CDI or the
// toolkit; precompiled drivers with GDS or GDRCopy.
kube::Status ValidateClusterPolicy(const nlohmann::json& spec);

// What the node labeller needs from the spec.
LabelSettings LabelSettingsFrom(const nlohmann::json& spec);

struct ConfigMapReference {
  std::string field;  // "spec.devicePlugin.config.name"
  std::string name;
};
// The ConfigMaps (in the operator namespace) that enabled components name.
std::vector<ConfigMapReference> ReferencedConfigMaps(const nlohmann::json& spec);

}  // namespace gpu

#endif  // OPERATORS_GPU_POLICY_CLUSTER_POLICY_SPEC_H_
