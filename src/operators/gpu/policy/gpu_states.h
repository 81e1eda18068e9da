// The ClusterPolicy states in upstream's order. A state is its definition
// (operators::StateDefinition: name, template directory, the kinds it
// creates, its context hook and readiness) plus what a GPU state adds: its
// enable rule, the spec section its image and settings come from, its pools,
// and what it changes in its rendered DaemonSets after the settings common
// to every operand. The renderer knows no state by name.
#ifndef OPERATORS_GPU_POLICY_GPU_STATES_H_
#define OPERATORS_GPU_POLICY_GPU_STATES_H_

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/status.h"
#include "state_definition.h"

namespace gpu {

struct RenderInputs;

// What kind of DaemonSets a state runs.
enum class Pools {
  kNone,         // one DaemonSet for every GPU node
  kDriver,       // one per driver pool (OS, and kernel when precompiled), replaced node by node
  kVgpuManager,  // one per OS, rolling as upstream's do
};

struct GpuState : operators::StateDefinition<RenderInputs> {
  std::string section;    // the spec section of its main image and settings ("" for none): "devicePlugin"
  std::string image_env;  // the operator's fallback variable for that image: "DEVICE_PLUGIN_IMAGE"
  std::function<bool(const nlohmann::json& spec)> enabled;
  Pools pools = Pools::kNone;
  // Changes a rendered DaemonSet after the common settings.
  std::function<void(const RenderInputs& in, nlohmann::json& daemonset)> transform;
  // Whether its pods wait for the validator (its image is in the context): all but the driver's,
  // which is the first on a node (an NVIDIADriver alone needs no validator).
  bool uses_validator = true;
};

const std::vector<GpuState>& ClusterPolicyStates();

// The state named `name`, which must be one of ClusterPolicyStates().
const GpuState& ClusterPolicyState(const std::string& name);

}  // namespace gpu

#endif  // OPERATORS_GPU_POLICY_GPU_STATES_H_
