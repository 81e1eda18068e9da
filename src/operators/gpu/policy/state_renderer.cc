#include "state_renderer.h"

#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cluster_policy_spec.h"
#include "fnv_hash.h"
#include "images/driver_image.h"
#include "render_helpers.h"
#include "wrong_typed_field.h"

namespace gpu {
namespace {

using nlohmann::json;

// What every template may use, then what the state's own customize step adds.
kube::Result<json> StateContext(const RenderInputs& in, const GpuState& state) {
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
  if (state.uses_validator) {
    auto validator_image = OperandImage(in, validator, "spec.validator", "VALIDATOR_IMAGE");
    if (!validator_image.ok()) return validator_image.status();
    ctx["validatorImage"] = *validator_image;
  }
  ctx["validatorPullPolicy"] = Str(validator, "imagePullPolicy", "IfNotPresent");
  ctx["validatorPullSecrets"] = Optional(fmt::format("{}", fmt::join(PullSecrets(spec, {&validator}), ",")));
  if (!state.section.empty()) {
    const json& section = Section(spec, state.section);
    auto image = OperandImage(in, section, "spec." + state.section, state.image_env);
    if (!image.ok()) return image.status();
    ctx["image"] = *image;
    ctx["imagePullPolicy"] = Str(section, "imagePullPolicy", "IfNotPresent");
  }
  if (state.customize) KUBE_RETURN_IF_ERROR(state.customize(in, &ctx));
  return ctx;
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
  auto manager_image = OperandImage(in, manager, "spec.driver.manager", "DRIVER_MANAGER_IMAGE");
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
  // An NVIDIADriver's pods also get the older switch for open modules, as upstream's do.
  c["openKernelModules"] = c.value("nvidiaDriver", false) && c["kernelModuleType"] == "open";
  const json rdma = driver.value("rdma", json::object());
  const bool rdma_on = rdma.value("enabled", false);
  c["rdma"] = rdma_on;
  c["useHostMofed"] = rdma.value("useHostMofed", false);
  for (const auto& [key, env] : {std::pair{"gds", "GDS_IMAGE"}, {"gdrcopy", "GDRCOPY_IMAGE"}}) {
    const json& section = Section(in.spec, key);
    const bool on = Enabled(in.spec, key, false);
    c[key] = on;
    if (!on) continue;
    auto extra = OperandImage(in, section, std::string("spec.") + key, env);
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
  c["configDigest"] = std::to_string(operators::Fnv32(driver.dump() + "/" + pool.os_tag + "/" + pool.kernel));
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
  const bool driver = state.pools == Pools::kDriver;
  if (driver) {
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
  auto objects = operators::RenderStateTemplates(state, c);
  if (!objects.ok()) return objects.status();
  for (auto& obj : *objects) {
    // The driver's pods are replaced node by node by the upgrade flow (OnDelete); the vGPU
    // manager's roll as upstream's do, judged by the DaemonSet's own status.
    if (obj.value("kind", "") == "DaemonSet") ApplyCommon(in.spec, section, PullSecrets(in.spec, secrets), driver, obj);
  }
  return objects;
}

kube::Result<std::vector<json>> RenderDriverPool(const RenderInputs& in, const DriverPool& pool,
                                                 const PoolNames& names, bool vgpu_host_manager) {
  const GpuState& state = ClusterPolicyState(vgpu_host_manager ? "state-vgpu-manager" : "state-driver");
  auto ctx = StateContext(in, state);
  if (!ctx.ok()) return ctx.status();
  // Upstream's NVIDIADriver template orders a few fields differently from its ClusterPolicy one.
  (*ctx)["nvidiaDriver"] = true;
  return RenderPool(in, state, *ctx, Section(in.spec, state.section), pool, names);
}

namespace {

kube::Result<RenderedState> RenderState(const GpuState& state, const RenderInputs& in);

}  // namespace

// A value of a type the renderer does not expect (where the CRD leaves the type open) is the
// state's error naming the field, never an exception out of the reconcile.
kube::Result<RenderedState> RenderClusterPolicyState(const GpuState& state, const RenderInputs& in) {
  try {
    return RenderState(state, in);
  } catch (const nlohmann::json::exception& e) {
    auto render = [&](const json& candidate) {
      const RenderInputs probe{candidate, in.namespace_, in.env, in.gpu_nodes, in.service_monitors};
      try {
        return RenderState(state, probe).ok() ? operators::RenderOutcome::kSucceeds : operators::RenderOutcome::kFails;
      } catch (const nlohmann::json::exception&) {
        return operators::RenderOutcome::kThrows;
      }
    };
    if (const std::optional<std::string> field = operators::FindWrongTypedField(in.spec, render)) {
      return kube::Status(kube::Code::kInvalidArgument, "spec." + *field + ": has the wrong type for " + state.name +
                                                            " (" + e.what() + ")");
    }
    const std::string section = state.section.empty() ? std::string("spec") : "spec." + state.section;
    return kube::Status(kube::Code::kInvalidArgument,
                        section + ": a value of " + state.name + "'s settings has the wrong type (" + e.what() + ")");
  }
}

namespace {

kube::Result<RenderedState> RenderState(const GpuState& state, const RenderInputs& in) {
  RenderedState out;
  auto ctx = StateContext(in, state);
  if (!ctx.ok()) return ctx.status();
  const json& section = Section(in.spec, state.section);

  if (state.pools == Pools::kNone) {
    auto objects = operators::RenderStateTemplates(state, *ctx);
    if (!objects.ok()) return objects.status();
    for (auto& obj : *objects) {
      if (obj.value("kind", "") == "DaemonSet") {
        ApplyCommon(in.spec, section, PullSecrets(in.spec, {&section, &Section(in.spec, "validator")}), false, obj);
        if (state.transform) state.transform(in, obj);
      }
      out.objects.push_back(std::move(obj));
    }
    return out;
  }

  // One DaemonSet per pool; the other objects (ServiceAccount, RBAC, ConfigMaps) once, from the
  // first pool's rendering, or from a placeholder pool's when there is none.
  const bool driver = state.pools == Pools::kDriver;
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
