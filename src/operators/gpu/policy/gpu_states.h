// The ClusterPolicy states in upstream's order, each with its enable rule,
// its template directory and the spec section its image comes from.
#ifndef OPERATORS_GPU_POLICY_GPU_STATES_H_
#define OPERATORS_GPU_POLICY_GPU_STATES_H_

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace gpu {

struct GpuState {
  std::string name;     // upstream's state (and template directory) name: "state-device-plugin"
  std::string section;  // the spec section of its main image and settings ("" for none): "devicePlugin"
  std::string image_env;  // the operator's fallback variable for that image: "DEVICE_PLUGIN_IMAGE"
  std::function<bool(const nlohmann::json& spec)> enabled;
  bool per_os_pool = false;  // one DaemonSet per driver pool (driver, vGPU manager)
};

const std::vector<GpuState>& ClusterPolicyStates();

}  // namespace gpu

#endif  // OPERATORS_GPU_POLICY_GPU_STATES_H_
