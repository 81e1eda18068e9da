#include "gpu_states.h"

#include <algorithm>

#include "cluster_policy_spec.h"
#include "render_helpers.h"
#include "runtime_access.h"
#include "state_renderer.h"

namespace gpu {
namespace {

using nlohmann::json;

bool DriverOfPolicy(const json& spec) {
  return Enabled(spec, "driver", true) && !SpecBool(spec, "/driver/useNvidiaDriverCRD", false);
}

bool Sandbox(const json& spec, const char* section, bool fallback) {
  return SandboxEnabled(spec) && Enabled(spec, section, fallback);
}

bool Mode(const json& spec, const char* mode) { return SpecString(spec, "/sandboxWorkloads/mode", "kubevirt") == mode; }

std::string ToolkitInstallDir(const json& spec) { return SpecString(spec, "/toolkit/installDir", "/usr/local/nvidia"); }

// The device plugin's named configs (device plugin, MPS daemon and GFD share them).
void PluginConfig(const json& spec, const char* process, json* ctx) {
  const std::string name = SpecString(spec, "/devicePlugin/config/name");
  (*ctx)["hasConfig"] = !name.empty();
  (*ctx)["configName"] = name;
  (*ctx)["configDefault"] = SpecString(spec, "/devicePlugin/config/default");
  (*ctx)["signalProcess"] = process;
  (*ctx)["mpsRoot"] = SpecString(spec, "/devicePlugin/mps/root", "/run/nvidia/mps");
}

// --- state-operator-metrics
kube::Status OperatorMetricsContext(const RenderInputs& in, json* c) {
  // Upstream monitors its own metrics wherever Prometheus Operator's kind exists.
  (*c)["serviceMonitor"] = in.service_monitors && SpecBool(in.spec, "/operator/metrics/serviceMonitor/enabled", true);
  return kube::Status::Ok();
}

// --- state-container-toolkit
kube::Status ToolkitContext(const RenderInputs& in, json* c) {
  (*c)["installDir"] = ToolkitInstallDir(in.spec);
  return kube::Status::Ok();
}

// --- state-operator-validation
kube::Status ValidatorContext(const RenderInputs& in, json* c) {
  // Nothing validates a device plugin that is not deployed.
  (*c)["pluginValidation"] = Enabled(in.spec, "devicePlugin", true);
  return kube::Status::Ok();
}

// validator.<component>.env reaches the <component>-validation init container, as upstream.
void MergeValidationEnv(const json& validator, json& ds) {
  json& init = ds["spec"]["template"]["spec"]["initContainers"];
  if (!init.is_array()) return;
  for (auto& container : init) {
    const std::string name = container.value("name", "");
    const std::string component = name.substr(0, name.rfind("-validation"));
    if (component == name) continue;
    const json& settings = Section(validator, component);
    MergeEnv(container, settings.value("env", json::array()));
  }
}

void ValidatorDaemonSet(const RenderInputs& in, json& ds) {
  MergeValidationEnv(Section(in.spec, "validator"), ds);
  // Its GPU user is its toolkit check, an init container.
  const json init = ds["spec"]["template"]["spec"].value("initContainers", json::array());
  const bool checks_toolkit =
      std::any_of(init.begin(), init.end(), [](const json& c) { return c.value("name", "") == "toolkit-validation"; });
  if (checks_toolkit) ManagementDeviceAccess(in, "toolkit-validation", ds);
}

// --- operands using every GPU through their main container
void GpuUserDaemonSet(const RenderInputs& in, json& ds) { ManagementDeviceAccess(in, "", ds); }

// --- state-device-plugin, state-mps-control-daemon, gpu-feature-discovery
kube::Status DevicePluginContext(const RenderInputs& in, json* c) {
  PluginConfig(in.spec, "nvidia-device-plugin", c);
  (*c)["toolkitInstallDir"] = ToolkitInstallDir(in.spec);
  return kube::Status::Ok();
}

kube::Status MpsContext(const RenderInputs& in, json* c) {
  PluginConfig(in.spec, "/usr/bin/mps-control-daemon", c);
  return kube::Status::Ok();
}

kube::Status GfdContext(const RenderInputs& in, json* c) {
  PluginConfig(in.spec, "gpu-feature-discovery", c);
  return kube::Status::Ok();
}

// --- state-dcgm
kube::Status DcgmContext(const RenderInputs& in, json* c) {
  const json& dcgm = Section(in.spec, "dcgm");
  (*c)["dcgmHostPort"] = dcgm.contains("hostPort") && dcgm["hostPort"].is_number_integer() ? dcgm["hostPort"].get<int>() : 5555;
  return kube::Status::Ok();
}

// --- state-dcgm-exporter
kube::Status DcgmExporterContext(const RenderInputs& in, json* ctx) {
  const json& spec = in.spec;
  json& c = *ctx;
  const json& exporter = Section(spec, "dcgmExporter");
  const json monitor = exporter.value("serviceMonitor", json::object());
  const std::string metrics = SpecString(spec, "/dcgmExporter/config/name");
  c["hostPID"] = SpecBool(spec, "/dcgmExporter/hostPID", false);
  c["metricsConfig"] = Optional(metrics);
  c["collectors"] = metrics.empty() ? "/etc/dcgm-exporter/dcp-metrics-included.csv" : "/etc/dcgm-exporter/dcgm-metrics.csv";
  c["remoteHostengine"] = Enabled(spec, "dcgm", true);
  c["serviceType"] = SpecString(spec, "/dcgmExporter/service/type", "ClusterIP");
  c["internalTrafficPolicy"] = SpecString(spec, "/dcgmExporter/service/internalTrafficPolicy", "Cluster");
  c["serviceMonitor"] = in.service_monitors && monitor.value("enabled", false);
  c["interval"] = Str(monitor, "interval", "15s");
  c["scrapeTimeout"] = Str(monitor, "scrapeTimeout", "10s");
  c["honorLabels"] = monitor.value("honorLabels", false);
  json labels = {{"app", "nvidia-dcgm-exporter"}};
  const json additional = monitor.value("additionalLabels", json::object());
  if (additional.is_object()) {
    for (const auto& [k, v] : additional.items()) {
      if (v.is_string() && k != "app") labels[k] = v;
    }
  }
  c["serviceMonitorLabelsJson"] = labels.dump();
  const json relabelings = monitor.value("relabelings", json::array());
  c["relabelingsJson"] = relabelings.is_array() && !relabelings.empty() ? json(relabelings.dump()) : json(false);
  return kube::Status::Ok();
}

// --- state-mig-manager
kube::Status MigManagerContext(const RenderInputs& in, json* c) {
  (*c)["migConfig"] = SpecString(in.spec, "/migManager/config/name", "default-mig-parted-config");
  (*c)["toolkitInstallDir"] = ToolkitInstallDir(in.spec);
  (*c)["gpuClientsConfig"] = SpecString(in.spec, "/migManager/gpuClientsConfig/name", "default-gpu-clients");
  return kube::Status::Ok();
}

// --- state-node-status-exporter
kube::Status NodeStatusExporterContext(const RenderInputs& in, json* c) {
  (*c)["serviceMonitor"] = in.service_monitors;
  return kube::Status::Ok();
}

// --- state-vfio-manager
kube::Status VfioManagerContext(const RenderInputs& in, json* c) {
  // The driver manager that empties the node first: spec.vfioManager.driverManager's image,
  // else the driver's (spec.driver.manager), else DRIVER_MANAGER_IMAGE.
  json manager = Section(in.spec, "vfioManager").value("driverManager", json::object());
  std::string field = "spec.vfioManager.driverManager";
  if (!manager.is_object() || (!manager.contains("image") && !manager.contains("repository"))) {
    manager = Section(in.spec, "driver").value("manager", json::object());
    field = "spec.driver.manager";
  }
  auto image = OperandImage(in, manager, field, "DRIVER_MANAGER_IMAGE");
  if (!image.ok()) return image.status();
  (*c)["driverManagerImage"] = *image;
  (*c)["driverManagerPullPolicy"] = Str(manager, "imagePullPolicy", "IfNotPresent");
  return kube::Status::Ok();
}

// --- state-sandbox-validation
kube::Status SandboxValidationContext(const RenderInputs& in, json* c) {
  (*c)["defaultWorkload"] = SpecString(in.spec, "/sandboxWorkloads/defaultWorkload", "container");
  return kube::Status::Ok();
}

// --- state-vgpu-device-manager
kube::Status VgpuDeviceManagerContext(const RenderInputs& in, json* c) {
  (*c)["vgpuDefaultConfig"] = SpecString(in.spec, "/vgpuDeviceManager/config/default", "default");
  (*c)["vgpuConfig"] = SpecString(in.spec, "/vgpuDeviceManager/config/name", "default-vgpu-devices-config");
  return kube::Status::Ok();
}

// --- state-cc-manager
kube::Status CcManagerContext(const RenderInputs& in, json* c) {
  (*c)["ccDefaultMode"] = SpecString(in.spec, "/ccManager/defaultMode", "off");
  return kube::Status::Ok();
}

bool Always(const json&) { return true; }

std::function<bool(const json&)> EnabledByDefault(const char* section) {
  return [section](const json& s) { return Enabled(s, section, true); };
}

}  // namespace

const std::vector<GpuState>& ClusterPolicyStates() {
  static const std::vector<GpuState> states = [] {
    std::vector<GpuState> s;
    s.push_back({"pre-requisites", "", "", [](const json& spec) { return !SpecBool(spec, "/cdi/nriPluginEnabled", false); }});
    s.push_back({"state-operator-metrics", "", "", Always, Pools::kNone, OperatorMetricsContext});
    GpuState driver{"state-driver", "driver", "DRIVER_IMAGE", DriverOfPolicy, Pools::kDriver};
    driver.uses_validator = false;
    s.push_back(driver);
    s.push_back({"state-container-toolkit", "toolkit", "CONTAINER_TOOLKIT_IMAGE", EnabledByDefault("toolkit"),
                 Pools::kNone, ToolkitContext, ToolkitRuntimeMounts});
    s.push_back({"state-operator-validation", "validator", "VALIDATOR_IMAGE", Always, Pools::kNone, ValidatorContext,
                 ValidatorDaemonSet});
    s.push_back({"state-device-plugin", "devicePlugin", "DEVICE_PLUGIN_IMAGE", EnabledByDefault("devicePlugin"),
                 Pools::kNone, DevicePluginContext, GpuUserDaemonSet});
    s.push_back({"state-mps-control-daemon", "devicePlugin", "DEVICE_PLUGIN_IMAGE", EnabledByDefault("devicePlugin"),
                 Pools::kNone, MpsContext, GpuUserDaemonSet});
    s.push_back({"state-dcgm", "dcgm", "DCGM_IMAGE", EnabledByDefault("dcgm"), Pools::kNone, DcgmContext,
                 GpuUserDaemonSet});
    s.push_back({"state-dcgm-exporter", "dcgmExporter", "DCGM_EXPORTER_IMAGE", EnabledByDefault("dcgmExporter"),
                 Pools::kNone, DcgmExporterContext, GpuUserDaemonSet});
    s.push_back({"gpu-feature-discovery", "gfd", "GFD_IMAGE", EnabledByDefault("gfd"), Pools::kNone, GfdContext,
                 GpuUserDaemonSet});
    s.push_back({"state-mig-manager", "migManager", "MIG_MANAGER_IMAGE", EnabledByDefault("migManager"), Pools::kNone,
                 MigManagerContext, GpuUserDaemonSet});
    s.push_back({"state-node-status-exporter", "nodeStatusExporter", "VALIDATOR_IMAGE",
                 [](const json& spec) { return Enabled(spec, "nodeStatusExporter", false); }, Pools::kNone,
                 NodeStatusExporterContext});
    s.push_back({"state-vgpu-manager", "vgpuManager", "VGPU_MANAGER_IMAGE",
                 [](const json& spec) {
                   return Sandbox(spec, "vgpuManager", true) && !SpecBool(spec, "/driver/useNvidiaDriverCRD", false);
                 },
                 Pools::kVgpuManager});
    s.push_back({"state-vgpu-device-manager", "vgpuDeviceManager", "VGPU_DEVICE_MANAGER_IMAGE",
                 [](const json& spec) { return Sandbox(spec, "vgpuDeviceManager", true); }, Pools::kNone,
                 VgpuDeviceManagerContext});
    s.push_back({"state-sandbox-validation", "validator", "VALIDATOR_IMAGE",
                 [](const json& spec) { return SandboxEnabled(spec); }, Pools::kNone, SandboxValidationContext});
    s.push_back({"state-vfio-manager", "vfioManager", "VFIO_MANAGER_IMAGE",
                 [](const json& spec) { return Sandbox(spec, "vfioManager", false); }, Pools::kNone,
                 VfioManagerContext});
    s.push_back({"state-sandbox-device-plugin", "sandboxDevicePlugin", "SANDBOX_DEVICE_PLUGIN_IMAGE",
                 [](const json& spec) { return Sandbox(spec, "sandboxDevicePlugin", true) && Mode(spec, "kubevirt"); }});
    s.push_back({"state-kata-device-plugin", "kataSandboxDevicePlugin", "KATA_SANDBOX_DEVICE_PLUGIN_IMAGE",
                 [](const json& spec) { return Sandbox(spec, "kataSandboxDevicePlugin", true) && Mode(spec, "kata"); }});
    // Deprecated upstream: its spec is ignored and the state never runs.
    s.push_back({"state-kata-manager", "kataManager", "KATA_MANAGER_IMAGE", [](const json&) { return false; }});
    s.push_back({"state-cc-manager", "ccManager", "CC_MANAGER_IMAGE",
                 [](const json& spec) { return Sandbox(spec, "ccManager", false) && Mode(spec, "kata"); }, Pools::kNone,
                 CcManagerContext});
    return s;
  }();
  return states;
}

const GpuState& ClusterPolicyState(const std::string& name) {
  const auto& states = ClusterPolicyStates();
  return *std::find_if(states.begin(), states.end(), [&](const GpuState& s) { return s.name == name; });
}

}  // namespace gpu
