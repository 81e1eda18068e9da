// What several GPU state definitions share: enable rules (sandbox states, modes) and the
// device plugin's config context, the driver manager's image, and the hook of operands using every GPU. Stateless.
#ifndef OPERATORS_GPU_POLICY_STATES_STATE_RULES_H_
#define OPERATORS_GPU_POLICY_STATES_STATE_RULES_H_

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "cluster_policy_spec.h"
#include "state_renderer.h"

namespace gpu::states {

bool Always(const nlohmann::json& spec);
// A state on unless its section says `enabled: false`.
std::function<bool(const nlohmann::json&)> EnabledByDefault(const char* section);
// The ClusterPolicy deploys the driver itself (not through NVIDIADrivers).
bool DriverOfPolicy(const nlohmann::json& spec);
// Sandbox workloads are on and `section` is enabled (`fallback` when unset).
bool Sandbox(const nlohmann::json& spec, const char* section, bool fallback);
// spec.sandboxWorkloads.mode is `mode` (kubevirt by default).
bool Mode(const nlohmann::json& spec, const char* mode);
std::string ToolkitInstallDir(const nlohmann::json& spec);
// The device plugin's named configs (device plugin, MPS daemon and GFD share them).
void PluginConfig(const nlohmann::json& spec, const char* process, nlohmann::json* ctx);
// The driver manager that empties a node of the NVIDIA driver first (driverManagerImage,
// driverManagerPullPolicy): spec.<section>.driverManager's image, else the driver's
// (spec.driver.manager), else DRIVER_MANAGER_IMAGE.
kube::Status DriverManagerContext(const RenderInputs& in, const char* section, nlohmann::json* ctx);
// The DaemonSet hook of an operand whose main container uses every GPU.
void GpuUserDaemonSet(const RenderInputs& in, nlohmann::json& daemonset);

}  // namespace gpu::states

#endif  // OPERATORS_GPU_POLICY_STATES_STATE_RULES_H_
