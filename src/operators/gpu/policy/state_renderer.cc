#include "state_renderer.h"

#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cluster_policy_spec.h"
#include "fnv_hash.h"
#include "images/driver_image.h"
#include "manifests/renderer.h"
#include "gpu_labels.h"

namespace gpu {
namespace {

using nlohmann::json;

const json& Section(const json& spec, const std::string& key) {
  static const json kEmpty = json::object();
  if (key.empty() || !spec.is_object() || !spec.contains(key) || !spec[key].is_object()) return kEmpty;
  return spec[key];
}

std::string Str(const json& section, const char* key, const std::string& fallback = "") {
  return section.is_object() && section.contains(key) && section[key].is_string() ? section[key].get<std::string>()
                                                                                   : fallback;
}

// A name a template puts in a section: false when empty (mustache takes any string as true).
json Optional(const std::string& name) { return name.empty() ? json(false) : json(name); }

kube::Result<std::string> Image(const RenderInputs& in, const json& section, const std::string& field,
                                const std::string& env_var) {
  auto image = ResolveImage(section, field, env_var, in.env);
  if (!image.ok()) return image.status();
  return OverrideRegistry(in.spec, *image);
}

// The component's pull secrets, then the global ones, each once.
std::vector<std::string> PullSecrets(const json& spec, const std::vector<const json*>& sections) {
  std::vector<std::string> names;
  auto add = [&](const json& list) {
    if (!list.is_array()) return;
    for (const auto& s : list) {
      if (s.is_string() && std::find(names.begin(), names.end(), s.get<std::string>()) == names.end()) {
        names.push_back(s.get<std::string>());
      }
    }
  };
  for (const json* section : sections) add(section->value("imagePullSecrets", json::array()));
  add(Section(spec, "global").value("imagePullSecrets", json::array()));
  return names;
}

// What every template may use.
kube::Result<json> CommonContext(const RenderInputs& in, const GpuState& state) {
  const json& spec = in.spec;
  const json& validator = Section(spec, "validator");
  json ctx = {
      {"namespace", in.namespace_},
      {"runtimeClass", SpecString(spec, "/operator/runtimeClass", "nvidia")},
      {"cdiEnabled", SpecBool(spec, "/cdi/enabled", true)},
      {"cdiEnabledString", SpecBool(spec, "/cdi/enabled", true) ? "true" : "false"},
      {"rootFS", SpecString(spec, "/hostPaths/rootFS", "/")},
      {"driverInstallDir", SpecString(spec, "/hostPaths/driverInstallDir", "/run/nvidia/driver")},
      {"kubeletRootDir", SpecString(spec, "/hostPaths/kubeletRootDir", "/var/lib/kubelet")},
      {"migStrategy", SpecString(spec, "/mig/strategy", "single")},
      {"serviceMonitor", false},
  };
  // The validator's image is in every operand's barrier init containers but the driver's, which
  // is the first on a node: a driver alone (an NVIDIADriver) needs no validator.
  if (state.name != "state-driver") {
    auto validator_image = Image(in, validator, "spec.validator", "VALIDATOR_IMAGE");
    if (!validator_image.ok()) return validator_image.status();
    ctx["validatorImage"] = *validator_image;
  }
  ctx["validatorPullPolicy"] = Str(validator, "imagePullPolicy", "IfNotPresent");
  ctx["validatorPullSecrets"] = Optional(fmt::format("{}", fmt::join(PullSecrets(spec, {&validator}), ",")));
  if (!state.section.empty()) {
    const json& section = Section(spec, state.section);
    auto image = Image(in, section, "spec." + state.section, state.image_env);
    if (!image.ok()) return image.status();
    ctx["image"] = *image;
    ctx["imagePullPolicy"] = Str(section, "imagePullPolicy", "IfNotPresent");
  }
  return ctx;
}

// The device plugin's named configs (device plugin, MPS daemon and GFD share them).
void PluginConfig(const json& spec, const char* process, json* ctx) {
  const std::string name = SpecString(spec, "/devicePlugin/config/name");
  (*ctx)["hasConfig"] = !name.empty();
  (*ctx)["configName"] = name;
  (*ctx)["configDefault"] = SpecString(spec, "/devicePlugin/config/default");
  (*ctx)["signalProcess"] = process;
  (*ctx)["mpsRoot"] = SpecString(spec, "/devicePlugin/mps/root", "/run/nvidia/mps");
}

kube::Status StateContext(const RenderInputs& in, const GpuState& state, json* ctx) {
  const json& spec = in.spec;
  json& c = *ctx;
  if (state.name == "state-operator-metrics") {
    // Upstream monitors its own metrics wherever Prometheus Operator's kind exists.
    c["serviceMonitor"] = in.service_monitors && SpecBool(spec, "/operator/metrics/serviceMonitor/enabled", true);
  } else if (state.name == "state-container-toolkit") {
    c["installDir"] = SpecString(spec, "/toolkit/installDir", "/usr/local/nvidia");
  } else if (state.name == "state-operator-validation") {
    // Nothing validates a device plugin that is not deployed.
    c["pluginValidation"] = Enabled(spec, "devicePlugin", true);
  } else if (state.name == "state-device-plugin") {
    PluginConfig(spec, "nvidia-device-plugin", ctx);
    c["toolkitInstallDir"] = SpecString(spec, "/toolkit/installDir", "/usr/local/nvidia");
  } else if (state.name == "state-mps-control-daemon") {
    PluginConfig(spec, "/usr/bin/mps-control-daemon", ctx);
  } else if (state.name == "gpu-feature-discovery") {
    PluginConfig(spec, "gpu-feature-discovery", ctx);
  } else if (state.name == "state-dcgm") {
    const json& dcgm = Section(spec, "dcgm");
    c["dcgmHostPort"] = dcgm.contains("hostPort") && dcgm["hostPort"].is_number_integer() ? dcgm["hostPort"].get<int>() : 5555;
  } else if (state.name == "state-dcgm-exporter") {
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
  } else if (state.name == "state-mig-manager") {
    c["migConfig"] = SpecString(spec, "/migManager/config/name", "default-mig-parted-config");
    c["toolkitInstallDir"] = SpecString(spec, "/toolkit/installDir", "/usr/local/nvidia");
    c["gpuClientsConfig"] = SpecString(spec, "/migManager/gpuClientsConfig/name", "default-gpu-clients");
  } else if (state.name == "state-node-status-exporter") {
    c["serviceMonitor"] = in.service_monitors;
  } else if (state.name == "state-vfio-manager") {
    // The driver manager that empties the node first: spec.vfioManager.driverManager's image,
    // else the driver's (spec.driver.manager), else DRIVER_MANAGER_IMAGE.
    json manager = Section(spec, "vfioManager").value("driverManager", json::object());
    std::string field = "spec.vfioManager.driverManager";
    if (!manager.is_object() || (!manager.contains("image") && !manager.contains("repository"))) {
      manager = Section(spec, "driver").value("manager", json::object());
      field = "spec.driver.manager";
    }
    auto image = Image(in, manager, field, "DRIVER_MANAGER_IMAGE");
    if (!image.ok()) return image.status();
    c["driverManagerImage"] = *image;
    c["driverManagerPullPolicy"] = Str(manager, "imagePullPolicy", "IfNotPresent");
  } else if (state.name == "state-sandbox-validation") {
    c["defaultWorkload"] = SpecString(spec, "/sandboxWorkloads/defaultWorkload", "container");
  } else if (state.name == "state-vgpu-device-manager") {
    c["vgpuDefaultConfig"] = SpecString(spec, "/vgpuDeviceManager/config/default", "default");
    c["vgpuConfig"] = SpecString(spec, "/vgpuDeviceManager/config/name", "default-vgpu-devices-config");
  } else if (state.name == "state-cc-manager") {
    c["ccDefaultMode"] = SpecString(spec, "/ccManager/defaultMode", "off");
  }
  return kube::Status::Ok();
}

// The driver's context for one pool.
kube::Status DriverContext(const RenderInputs& in, const json& driver, const DriverPool& pool, const std::string& name,
                           json* ctx) {
  json& c = *ctx;
  const bool precompiled = driver.value("usePrecompiled", false);
  auto resolved = ResolveImage(driver, "spec.driver", "DRIVER_IMAGE", in.env);
  if (!resolved.ok()) return resolved.status();
  // Split the resolved reference so the pool's tag can be composed from it.
  std::string base = *resolved, version;
  if (base.find("sha256:") == std::string::npos) {
    const auto colon = base.rfind(':');
    if (colon != std::string::npos && colon > base.rfind('/')) {
      version = base.substr(colon + 1);
      base.erase(colon);
    }
  }
  auto image = DriverImage("", base, version, pool.os_tag, precompiled, pool.kernel);
  if (!image.ok()) return image.status();
  c["image"] = OverrideRegistry(in.spec, *image);
  c["imagePullPolicy"] = Str(driver, "imagePullPolicy", "IfNotPresent");
  const json manager = driver.value("manager", json::object());
  auto manager_image = Image(in, manager, "spec.driver.manager", "DRIVER_MANAGER_IMAGE");
  if (!manager_image.ok()) return manager_image.status();
  c["images"]["manager"] = *manager_image;
  c["managerPullPolicy"] = Str(manager, "imagePullPolicy", "IfNotPresent");
  c["daemonsetName"] = name;
  c["osTag"] = pool.os_tag;
  c["osId"] = pool.os_id;
  c["osVersionLabel"] = pool.version_label;
  c["osVersion"] = pool.version;
  c["precompiled"] = precompiled;
  c["precompiledLabel"] = precompiled ? "true" : "false";
  c["kernel"] = pool.kernel;
  c["hostNetwork"] = driver.value("hostNetwork", false);
  c["kernelModuleType"] = Str(driver, "kernelModuleType", "auto");
  const json rdma = driver.value("rdma", json::object());
  const bool rdma_on = rdma.value("enabled", false);
  c["rdma"] = rdma_on;
  c["useHostMofed"] = rdma.value("useHostMofed", false);
  for (const auto& [key, env] : {std::pair{"gds", "GDS_IMAGE"}, {"gdrcopy", "GDRCOPY_IMAGE"}}) {
    const json& section = Section(in.spec, key);
    const bool on = Enabled(in.spec, key, false);
    c[key] = on;
    if (!on) continue;
    auto extra = Image(in, section, std::string("spec.") + key, env);
    if (!extra.ok()) return extra.status();
    const bool digest = extra->find("@sha256:") != std::string::npos;
    // The pool's OS goes after the tag: an image without one would name another repository.
    if (!digest && extra->find(':', extra->rfind('/') == std::string::npos ? 0 : extra->rfind('/')) == std::string::npos) {
      return kube::Status(kube::Code::kInvalidArgument,
                          std::string("spec.") + key + ".version: " + kube::Quoted(*extra) +
                              " has no tag; the driver pool's OS is added to it (\"<version>-" + pool.os_tag + "\")");
    }
    c["images"][key] = *extra + (digest ? "" : "-" + pool.os_tag);
  }
  const json probe = driver.value("startupProbe", json::object());
  c["startupProbe"] = {{"initialDelaySeconds", probe.value("initialDelaySeconds", 60)},
                       {"periodSeconds", probe.value("periodSeconds", 10)},
                       {"timeoutSeconds", probe.value("timeoutSeconds", 60)},
                       {"failureThreshold", probe.value("failureThreshold", 120)}};
  // Package repository and CA files go where the pool's OS looks for them.
  const bool debian = pool.os_id == "ubuntu" || pool.os_id == "debian";
  const bool suse = pool.os_id == "sles" || pool.os_id == "sl-micro";
  c["repoConfig"] = Optional(SpecString(driver, "/repoConfig/configMapName"));
  c["repoConfigPath"] = debian ? "/etc/apt/sources.list.d" : suse ? "/etc/zypp/repos.d" : "/etc/yum.repos.d";
  c["certConfig"] = Optional(SpecString(driver, "/certConfig/name"));
  c["certConfigPath"] = debian ? "/usr/local/share/ca-certificates"
                        : suse ? "/etc/pki/trust/anchors"
                               : "/etc/pki/ca-trust/extracted/pem";
  c["kernelModuleConfig"] = Optional(SpecString(driver, "/kernelModuleConfig/name"));
  // Lets the driver manager skip a reinstall when nothing it depends on changed.
  c["configDigest"] = operators::Fnv32Hex(driver.dump() + "/" + pool.os_tag + "/" + pool.kernel);
  return kube::Status::Ok();
}

json UpdateStrategy(const json& spec, bool on_delete) {
  const std::string type = SpecString(spec, "/daemonsets/updateStrategy", "RollingUpdate");
  if (on_delete || type == "OnDelete") return {{"type", "OnDelete"}};
  json strategy = {{"type", "RollingUpdate"}};
  const json daemonsets = Section(spec, "daemonsets");
  if (daemonsets.contains("rollingUpdate") && daemonsets["rollingUpdate"].contains("maxUnavailable")) {
    // An int-or-string: "1" (as upstream's chart writes it) is the number 1, "25%" a percentage.
    json max = daemonsets["rollingUpdate"]["maxUnavailable"];
    if (max.is_string() && !max.get<std::string>().empty() &&
        max.get<std::string>().find_first_not_of("0123456789") == std::string::npos) {
      max = std::stoll(max.get<std::string>());
    }
    strategy["rollingUpdate"]["maxUnavailable"] = max;
  }
  return strategy;
}

void MergeEnv(json& container, const json& env) {
  if (!env.is_array()) return;
  json& current = container["env"];
  if (!current.is_array()) current = json::array();
  for (const auto& var : env) {
    if (!var.is_object() || !var.contains("name")) continue;
    auto it = std::find_if(current.begin(), current.end(), [&](const json& e) { return e.value("name", "") == var["name"]; });
    if (it != current.end()) *it = var;
    else current.push_back(var);
  }
}

// The settings common to every operand DaemonSet, and the component's own on its main container.
void ApplyCommon(const json& spec, const json& section, const std::vector<std::string>& pull_secrets, bool on_delete,
                 json& ds) {
  const json daemonsets = Section(spec, "daemonsets");
  ds["spec"]["updateStrategy"] = UpdateStrategy(spec, on_delete);
  json& pod = ds["spec"]["template"]["spec"];
  pod["priorityClassName"] = daemonsets.value("priorityClassName", "system-node-critical");
  pod["tolerations"] = daemonsets.contains("tolerations") && daemonsets["tolerations"].is_array()
                           ? daemonsets["tolerations"]
                           : json::array({{{"key", "nvidia.com/gpu"}, {"operator", "Exists"}, {"effect", "NoSchedule"}}});
  if (daemonsets.contains("podSecurityContext") && daemonsets["podSecurityContext"].is_object()) {
    pod["securityContext"] = daemonsets["podSecurityContext"];
  }
  if (!pull_secrets.empty()) {
    pod["imagePullSecrets"] = json::array();
    for (const auto& s : pull_secrets) pod["imagePullSecrets"].push_back({{"name", s}});
  }
  if (section.value("hostNetwork", false)) {
    pod["hostNetwork"] = true;
    pod["dnsPolicy"] = "ClusterFirstWithHostNet";
  }
  json& main = pod["containers"][0];
  MergeEnv(main, section.value("env", json::array()));
  if (section.contains("args") && section["args"].is_array() && !section["args"].empty()) main["args"] = section["args"];
  if (section.contains("resources") && section["resources"].is_object() && !section["resources"].empty()) {
    main["resources"] = section["resources"];
  }
  for (const char* key : {"labels", "annotations"}) {
    if (!daemonsets.contains(key) || !daemonsets[key].is_object()) continue;
    for (const auto& [k, v] : daemonsets[key].items()) {
      if (!v.is_string()) continue;
      ds["metadata"][key][k] = v;
      // Selectors are immutable: the pods' app labels stay the template's.
      if (k == "app" || k == operators::kPartOfLabel) continue;
      ds["spec"]["template"]["metadata"][key][k] = v;
    }
  }
}

// A variable of `container`, "" when unset.
std::string EnvValue(const json& container, const std::string& name) {
  for (const auto& e : container.value("env", json::array())) {
    if (e.is_object() && e.value("name", "") == name && e.contains("value") && e["value"].is_string()) {
      return e["value"].get<std::string>();
    }
  }
  return "";
}

void SetEnv(json& container, const std::string& name, const std::string& value) {
  MergeEnv(container, json::array({{{"name", name}, {"value", value}}}));
}

void SetHostPath(json& pod, const std::string& volume, const std::string& path) {
  for (auto& v : pod["volumes"]) {
    if (v.value("name", "") == volume && v.contains("hostPath")) v["hostPath"]["path"] = path;
  }
}

// The container runtime the toolkit configures, as upstream decides it: the first GPU node's
// (by name), else spec.operator.defaultRuntime, else containerd. Upstream's names: containerd,
// crio, docker.
std::string ContainerRuntime(const RenderInputs& in) {
  for (const auto& node : in.gpu_nodes) {
    if (node.container_runtime == "cri-o") return "crio";
    if (node.container_runtime == "containerd" || node.container_runtime == "docker") return node.container_runtime;
  }
  const std::string fallback = SpecString(in.spec, "/operator/defaultRuntime", "containerd");
  return fallback == "crio" || fallback == "docker" ? fallback : "containerd";
}

// Where a runtime keeps its config, drop-in file and socket on the host by default, and the
// variables that move them.
struct RuntimePaths {
  const char* config_env;  // "CONTAINERD_CONFIG"
  const char* config;      // "/etc/containerd/config.toml"
  const char* drop_in;     // "" when the runtime takes none
  const char* socket_env;  // "" when the toolkit needs no socket
  const char* socket;
};

RuntimePaths PathsOf(const std::string& runtime) {
  if (runtime == "crio") return {"CRIO_CONFIG", "/etc/crio/crio.conf", "/etc/crio/crio.conf.d/99-nvidia.toml", "", ""};
  if (runtime == "docker") return {"DOCKER_CONFIG", "/etc/docker/daemon.json", "", "DOCKER_SOCKET", "/var/run/docker.sock"};
  return {"CONTAINERD_CONFIG", "/etc/containerd/config.toml", "/etc/containerd/conf.d/99-nvidia.toml", "CONTAINERD_SOCKET",
          "/run/containerd/containerd.sock"};
}

// The toolkit reaches the runtime through host paths the user may move (k3s, RKE2:
// CONTAINERD_CONFIG and CONTAINERD_SOCKET in toolkit.env): each host path's directory is
// mounted, and the container is told the file's path inside the mount, as upstream does.
void RuntimeMounts(const std::string& runtime, const std::string& runtime_class, bool cdi, bool nri, json& ds) {
  json& pod = ds["spec"]["template"]["spec"];
  json& main = pod["containers"][0];
  const RuntimePaths paths = PathsOf(runtime);
  auto value_or = [&](const std::string& name, const std::string& fallback) {
    const std::string v = name.empty() ? "" : EnvValue(main, name);
    return v.empty() ? fallback : v;
  };
  auto dir_of = [](const std::string& path) {
    const size_t slash = path.rfind('/');
    return slash == std::string::npos || slash == 0 ? std::string("/") : path.substr(0, slash);
  };
  auto base_of = [](const std::string& path) { return path.substr(path.rfind('/') + 1); };
  auto mount = [&](const std::string& name, const std::string& at, const std::string& host, bool create) {
    main["volumeMounts"].push_back({{"name", name}, {"mountPath", at}});
    json volume = {{"name", name}, {"hostPath", {{"path", host}}}};
    if (create) volume["hostPath"]["type"] = "DirectoryOrCreate";
    pod["volumes"].push_back(std::move(volume));
  };
  if (!cdi && runtime == "crio") SetEnv(main, "CRIO_CONFIG_MODE", "hook");  // the OCI hook, as upstream without CDI
  if (runtime == "crio") SetHostPath(pod, "crio-hooks", "/usr/share/containers/oci/hooks.d");
  SetEnv(main, "RUNTIME", runtime);
  if (nri) {
    // The NRI plugin injects devices through the runtime's NRI socket and leaves the runtime's
    // config alone: only the socket's directory is mounted (a read-only host has no config to write).
    SetEnv(main, "ENABLE_NRI_PLUGIN", "true");
    const std::string socket = value_or("NRI_SOCKET", "/var/run/nri/nri.sock");
    SetEnv(main, "NRI_SOCKET", "/runtime/nri-sock-dir/" + base_of(socket));
    mount("nri-socket", "/runtime/nri-sock-dir/", dir_of(socket), true);
    return;
  }
  if (runtime == "containerd") {
    const std::string class_name = EnvValue(main, "CONTAINERD_RUNTIME_CLASS");
    SetEnv(main, "CONTAINERD_RUNTIME_CLASS", class_name.empty() ? runtime_class : class_name);
  }
  const std::string config = value_or(paths.config_env, paths.config);
  SetEnv(main, "RUNTIME_CONFIG", "/runtime/config-dir/" + base_of(config));
  SetEnv(main, paths.config_env, "/runtime/config-dir/" + base_of(config));
  mount(runtime + "-config", "/runtime/config-dir/", dir_of(config), true);
  if (*paths.drop_in != '\0') {
    SetEnv(main, "RUNTIME_DROP_IN_CONFIG", std::string("/runtime/config-dir.d/") + base_of(paths.drop_in));
    SetEnv(main, "RUNTIME_DROP_IN_CONFIG_HOST_PATH", paths.drop_in);
    mount(runtime + "-drop-in-config", "/runtime/config-dir.d/", dir_of(paths.drop_in), true);
  }
  if (*paths.socket_env != '\0') {
    const std::string socket = value_or(paths.socket_env, paths.socket);
    SetEnv(main, "RUNTIME_SOCKET", "/runtime/sock-dir/" + base_of(socket));
    SetEnv(main, paths.socket_env, "/runtime/sock-dir/" + base_of(socket));
    mount(runtime + "-socket", "/runtime/sock-dir/", dir_of(socket), false);
  }
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

// How operands that use every GPU get them: the `nvidia` runtime class, except where there is no
// such handler (CRI-O without CDI: the OCI hook) or the NRI plugin injects the management device
// instead, asked for by a pod annotation naming the container, as upstream.
void ManagementDeviceAccess(const RenderInputs& in, const GpuState& state, json& ds) {
  json& pod = ds["spec"]["template"]["spec"];
  if (!pod.contains("runtimeClassName")) return;
  const bool cdi = SpecBool(in.spec, "/cdi/enabled", true);
  const bool nri = cdi && SpecBool(in.spec, "/cdi/nriPluginEnabled", false);
  if (nri || (!cdi && ContainerRuntime(in) == "crio")) pod.erase("runtimeClassName");
  if (!nri) return;
  // The validator's GPU user is its toolkit check, an init container.
  std::string container = pod["containers"][0].value("name", "");
  if (state.name == "state-operator-validation") {
    const json& init = pod.value("initContainers", json::array());
    const bool checks_toolkit = std::any_of(init.begin(), init.end(), [](const json& c) {
      return c.value("name", "") == "toolkit-validation";
    });
    if (!checks_toolkit) return;
    container = "toolkit-validation";
  }
  ds["spec"]["template"]["metadata"]["annotations"][kNriContainerAnnotationPrefix + container] =
      "management.nvidia.com/gpu=all";
}

std::string StateDir(const std::string& state) { return manifests::ManifestRoot() + "/gpu-operator/" + state; }

}  // namespace

std::string OverrideRegistry(const json& spec, const std::string& image) {
  return WithRegistry(image, SpecString(spec, "/global/imageRegistry"));
}

// The state's objects for one pool: its context (the driver's own, or the vGPU manager's
// per-OS image) over `ctx`, the templates rendered, its DaemonSet given the common settings.
kube::Result<std::vector<json>> RenderPool(const RenderInputs& in, const GpuState& state, const json& ctx,
                                           const json& section, const DriverPool& pool, const PoolNames& names) {
  const std::string& name = names.daemonset;
  json c = ctx;
  c["driverName"] = names.resources;
  c["probeConfigName"] = names.probe_config;
  std::vector<const json*> secrets = {&section, &Section(in.spec, "validator")};
  const json manager = section.value("manager", json::object());
  if (state.name == "state-driver") {
    KUBE_RETURN_IF_ERROR(DriverContext(in, section, pool, name, &c));
    // RHEL's subscription, for the driver's package installs; CRI-O hands it to containers itself.
    c["rhelSubscriptions"] = pool.os_id == "rhel" && ContainerRuntime(in) != "crio";
    secrets.push_back(&manager);
  } else {
    c["daemonsetName"] = name;
    c["osTag"] = pool.os_tag;
    c["osId"] = pool.os_id;
    c["osVersionLabel"] = pool.version_label;
    c["osVersion"] = pool.version;
    c["image"] = ctx["image"].get<std::string>() + "-" + pool.os_tag;
  }
  auto objects = manifests::RenderDirectory(StateDir(state.name), c);
  if (!objects.ok()) return objects.status();
  for (auto& obj : *objects) {
    // The driver's pods are replaced node by node by the upgrade flow (OnDelete); the vGPU
    // manager's roll as upstream's do, judged by the DaemonSet's own status.
    const bool on_delete = state.name == "state-driver";
    if (obj.value("kind", "") == "DaemonSet") ApplyCommon(in.spec, section, PullSecrets(in.spec, secrets), on_delete, obj);
  }
  return objects;
}

kube::Result<std::vector<json>> RenderDriverPool(const RenderInputs& in, const DriverPool& pool,
                                                 const PoolNames& names, bool vgpu_host_manager) {
  const std::string wanted = vgpu_host_manager ? "state-vgpu-manager" : "state-driver";
  const auto& states = ClusterPolicyStates();
  const GpuState& state = *std::find_if(states.begin(), states.end(), [&](const GpuState& s) { return s.name == wanted; });
  auto ctx = CommonContext(in, state);
  if (!ctx.ok()) return ctx.status();
  return RenderPool(in, state, *ctx, Section(in.spec, state.section), pool, names);
}

namespace {

kube::Result<RenderedState> RenderState(const GpuState& state, const RenderInputs& in);

}  // namespace

// A value of a type the renderer does not expect (where the CRD leaves the type open) is the
// state's error, never an exception out of the reconcile.
kube::Result<RenderedState> RenderClusterPolicyState(const GpuState& state, const RenderInputs& in) {
  try {
    return RenderState(state, in);
  } catch (const nlohmann::json::exception& e) {
    return kube::Status(kube::Code::kInvalidArgument,
                        "spec: a value of " + state.name + "'s settings has the wrong type (" + e.what() + ")");
  }
}

namespace {

kube::Result<RenderedState> RenderState(const GpuState& state, const RenderInputs& in) {
  RenderedState out;
  auto ctx = CommonContext(in, state);
  if (!ctx.ok()) return ctx.status();
  KUBE_RETURN_IF_ERROR(StateContext(in, state, &*ctx));
  const json& section = Section(in.spec, state.section);

  if (!state.per_os_pool) {
    auto objects = manifests::RenderDirectory(StateDir(state.name), *ctx);
    if (!objects.ok()) return objects.status();
    for (auto& obj : *objects) {
      if (obj.value("kind", "") == "DaemonSet") {
        ApplyCommon(in.spec, section, PullSecrets(in.spec, {&section, &Section(in.spec, "validator")}), false, obj);
        if (state.name == "state-operator-validation") MergeValidationEnv(section, obj);
        if (state.name == "state-container-toolkit") {
          RuntimeMounts(ContainerRuntime(in), SpecString(in.spec, "/operator/runtimeClass", "nvidia"),
                        SpecBool(in.spec, "/cdi/enabled", true), SpecBool(in.spec, "/cdi/nriPluginEnabled", false),
                        obj);
        }
        ManagementDeviceAccess(in, state, obj);
      }
      out.objects.push_back(std::move(obj));
    }
    return out;
  }

  // One DaemonSet per pool; the other objects (ServiceAccount, RBAC, ConfigMaps) once, from the
  // first pool's rendering, or from a placeholder pool's when there is none.
  const bool driver = state.name == "state-driver";
  const bool precompiled = driver && section.value("usePrecompiled", false);
  const DriverPools pools = GroupDriverPools(in.gpu_nodes, precompiled);
  out.pending = DescribeUnlabelled(pools, precompiled);
  std::vector<DriverPool> renders = pools.pools;
  if (renders.empty()) renders.push_back({"none", kOsVersionLabel, "0", "none", precompiled ? "none" : "", {}});
  for (size_t i = 0; i < renders.size(); ++i) {
    const DriverPool& pool = renders[i];
    const PoolNames names = driver ? PoolNames{DriverDaemonSetName(pool.os_tag, pool.kernel), "nvidia-driver",
                                               "nvidia-driver-startup-probe"}
                                   : PoolNames{"nvidia-vgpu-manager-daemonset-" + pool.os_tag,
                                               "nvidia-vgpu-manager", ""};
    auto objects = RenderPool(in, state, *ctx, section, pool, names);
    if (!objects.ok()) return objects.status();
    for (auto& obj : *objects) {
      const bool daemonset = obj.value("kind", "") == "DaemonSet";
      if (daemonset ? !pools.pools.empty() : i == 0) out.objects.push_back(std::move(obj));
    }
  }
  return out;
}

}  // namespace
}  // namespace gpu
