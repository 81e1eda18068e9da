#include "runtime_access.h"

#include "cluster_policy_spec.h"
#include "gpu_labels.h"
#include "render_helpers.h"

namespace gpu {
namespace {

using nlohmann::json;

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
  if (runtime == "crio") return {"CRIO_CONFIG", "/etc/crio/config.toml", "/etc/crio/crio.conf.d/99-nvidia.conf", "", ""};
  if (runtime == "docker") return {"DOCKER_CONFIG", "/etc/docker/daemon.json", "", "DOCKER_SOCKET", "/var/run/docker.sock"};
  return {"CONTAINERD_CONFIG", "/etc/containerd/config.toml", "/etc/containerd/conf.d/99-nvidia.toml", "CONTAINERD_SOCKET",
          "/run/containerd/containerd.sock"};
}

void Mounts(const std::string& runtime, const std::string& runtime_class, bool cdi, bool nri, json& ds) {
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

}  // namespace

void ToolkitRuntimeMounts(const RenderInputs& in, json& ds) {
  Mounts(ContainerRuntime(in), SpecString(in.spec, "/operator/runtimeClass", "nvidia"),
         SpecBool(in.spec, "/cdi/enabled", true), SpecBool(in.spec, "/cdi/nriPluginEnabled", false), ds);
}

void ManagementDeviceAccess(const RenderInputs& in, const std::string& container, json& ds) {
  json& pod = ds["spec"]["template"]["spec"];
  if (!pod.contains("runtimeClassName")) return;
  const bool cdi = SpecBool(in.spec, "/cdi/enabled", true);
  const bool nri = cdi && SpecBool(in.spec, "/cdi/nriPluginEnabled", false);
  if (nri || (!cdi && ContainerRuntime(in) == "crio")) pod.erase("runtimeClassName");
  if (!nri) return;
  const std::string name = container.empty() ? pod["containers"][0].value("name", "") : container;
  ds["spec"]["template"]["metadata"]["annotations"][kNriContainerAnnotationPrefix + name] =
      "management.nvidia.com/gpu=all";
}

}  // namespace gpu
