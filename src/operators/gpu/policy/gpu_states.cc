#include "gpu_states.h"

#include "cluster_policy_spec.h"

namespace gpu {
namespace {

bool DriverOfPolicy(const nlohmann::json& spec) {
  return Enabled(spec, "driver", true) && !SpecBool(spec, "/driver/useNvidiaDriverCRD", false);
}

bool Sandbox(const nlohmann::json& spec, const char* section, bool fallback) {
  return SandboxEnabled(spec) && Enabled(spec, section, fallback);
}

bool Mode(const nlohmann::json& spec, const char* mode) {
  return SpecString(spec, "/sandboxWorkloads/mode", "kubevirt") == mode;
}

}  // namespace

const std::vector<GpuState>& ClusterPolicyStates() {
  static const std::vector<GpuState> states = {
      {"pre-requisites", "", "", [](const auto& s) { return !SpecBool(s, "/cdi/nriPluginEnabled", false); }},
      {"state-operator-metrics", "", "", [](const auto&) { return true; }},
      {"state-driver", "driver", "DRIVER_IMAGE", DriverOfPolicy, true},
      {"state-container-toolkit", "toolkit", "CONTAINER_TOOLKIT_IMAGE",
       [](const auto& s) { return Enabled(s, "toolkit", true); }},
      {"state-operator-validation", "validator", "VALIDATOR_IMAGE", [](const auto&) { return true; }},
      {"state-device-plugin", "devicePlugin", "DEVICE_PLUGIN_IMAGE",
       [](const auto& s) { return Enabled(s, "devicePlugin", true); }},
      {"state-mps-control-daemon", "devicePlugin", "DEVICE_PLUGIN_IMAGE",
       [](const auto& s) { return Enabled(s, "devicePlugin", true); }},
      {"state-dcgm", "dcgm", "DCGM_IMAGE", [](const auto& s) { return Enabled(s, "dcgm", true); }},
      {"state-dcgm-exporter", "dcgmExporter", "DCGM_EXPORTER_IMAGE",
       [](const auto& s) { return Enabled(s, "dcgmExporter", true); }},
      {"gpu-feature-discovery", "gfd", "GFD_IMAGE", [](const auto& s) { return Enabled(s, "gfd", true); }},
      {"state-mig-manager", "migManager", "MIG_MANAGER_IMAGE",
       [](const auto& s) { return Enabled(s, "migManager", true); }},
      {"state-node-status-exporter", "nodeStatusExporter", "VALIDATOR_IMAGE",
       [](const auto& s) { return Enabled(s, "nodeStatusExporter", false); }},
      {"state-vgpu-manager", "vgpuManager", "VGPU_MANAGER_IMAGE",
       [](const auto& s) {
         return Sandbox(s, "vgpuManager", true) && !SpecBool(s, "/driver/useNvidiaDriverCRD", false);
       },
       true},
      {"state-vgpu-device-manager", "vgpuDeviceManager", "VGPU_DEVICE_MANAGER_IMAGE",
       [](const auto& s) { return Sandbox(s, "vgpuDeviceManager", true); }},
      {"state-sandbox-validation", "validator", "VALIDATOR_IMAGE", [](const auto& s) { return SandboxEnabled(s); }},
      {"state-vfio-manager", "vfioManager", "VFIO_MANAGER_IMAGE",
       [](const auto& s) { return Sandbox(s, "vfioManager", false); }},
      {"state-sandbox-device-plugin", "sandboxDevicePlugin", "SANDBOX_DEVICE_PLUGIN_IMAGE",
       [](const auto& s) { return Sandbox(s, "sandboxDevicePlugin", true) && Mode(s, "kubevirt"); }},
      {"state-kata-device-plugin", "kataSandboxDevicePlugin", "KATA_SANDBOX_DEVICE_PLUGIN_IMAGE",
       [](const auto& s) { return Sandbox(s, "kataSandboxDevicePlugin", true) && Mode(s, "kata"); }},
      // Deprecated upstream: its spec is ignored and the state never runs.
      {"state-kata-manager", "kataManager", "KATA_MANAGER_IMAGE", [](const auto&) { return false; }},
      {"state-cc-manager", "ccManager", "CC_MANAGER_IMAGE",
       [](const auto& s) { return Sandbox(s, "ccManager", false) && Mode(s, "kata"); }},
  };
  return states;
}

}  // namespace gpu
