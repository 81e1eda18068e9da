#include "cluster_policy_spec.h"

#include <set>

namespace gpu {
namespace {

kube::Status Invalid(const std::string& field, const std::string& message) {
  return kube::Status(kube::Code::kInvalidArgument, field + ": " + message);
}

kube::Status OneOf(const nlohmann::json& spec, const std::string& pointer, const std::set<std::string>& allowed) {
  const std::string value = SpecString(spec, pointer);
  if (value.empty() || allowed.count(value)) return kube::Status::Ok();
  std::string field = "spec" + pointer, list;
  for (auto& c : field) c = c == '/' ? '.' : c;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  return Invalid(field, "unknown value \"" + value + "\" (one of " + list + ")");
}

}  // namespace

bool SpecBool(const nlohmann::json& spec, const std::string& pointer, bool fallback) {
  const nlohmann::json::json_pointer p(pointer);
  if (!spec.is_object() || !spec.contains(p) || !spec.at(p).is_boolean()) return fallback;
  return spec.at(p).get<bool>();
}

std::string SpecString(const nlohmann::json& spec, const std::string& pointer, const std::string& fallback) {
  const nlohmann::json::json_pointer p(pointer);
  // An empty string is unset, as upstream's chart writes unset names.
  if (!spec.is_object() || !spec.contains(p) || !spec.at(p).is_string() || spec.at(p).get<std::string>().empty()) {
    return fallback;
  }
  return spec.at(p).get<std::string>();
}

bool Enabled(const nlohmann::json& spec, const std::string& section, bool fallback) {
  return SpecBool(spec, "/" + section + "/enabled", fallback);
}

bool SandboxEnabled(const nlohmann::json& spec) { return Enabled(spec, "sandboxWorkloads", false); }

kube::Status ValidateClusterPolicy(const nlohmann::json& spec) {
  for (const auto& [pointer, allowed] : std::initializer_list<std::pair<std::string, std::set<std::string>>>{
           {"/sandboxWorkloads/defaultWorkload", {"container", "vm-passthrough", "vm-vgpu"}},
           {"/sandboxWorkloads/mode", {"kubevirt", "kata"}},
           {"/mig/strategy", {"none", "single", "mixed"}},
           {"/driver/kernelModuleType", {"auto", "open", "proprietary"}},
           {"/daemonsets/updateStrategy", {"RollingUpdate", "OnDelete"}},
           {"/ccManager/defaultMode", {"on", "off", "devtools"}},
           {"/migManager/config/default", {"all-disabled", ""}}}) {
    KUBE_RETURN_IF_ERROR(OneOf(spec, pointer, allowed));
  }
  // The settings every operand DaemonSet takes: a wrong type is named, not thrown in rendering.
  const auto daemonsets = spec.find("daemonsets");
  if (daemonsets != spec.end() && daemonsets->is_object()) {
    for (const auto& [key, kind] : std::initializer_list<std::pair<const char*, nlohmann::json::value_t>>{
             {"priorityClassName", nlohmann::json::value_t::string},
             {"tolerations", nlohmann::json::value_t::array},
             {"labels", nlohmann::json::value_t::object},
             {"annotations", nlohmann::json::value_t::object},
             {"podSecurityContext", nlohmann::json::value_t::object}}) {
      const auto it = daemonsets->find(key);
      if (it != daemonsets->end() && !it->is_null() && it->type() != kind) {
        return Invalid(std::string("spec.daemonsets.") + key,
                       std::string("must be ") +
                           (kind == nlohmann::json::value_t::string  ? "a string"
                            : kind == nlohmann::json::value_t::array ? "a list"
                                                                     : "an object") +
                           ", not " + it->type_name() + " " + kube::Quoted(it->dump()));
      }
    }
  }
  if (SpecBool(spec, "/cdi/nriPluginEnabled", false)) {
    if (!SpecBool(spec, "/cdi/enabled", true)) {
      return Invalid("spec.cdi.nriPluginEnabled", "requires spec.cdi.enabled, which is false");
    }
    if (!Enabled(spec, "toolkit", true)) {
      return Invalid("spec.cdi.nriPluginEnabled", "requires the container toolkit, and spec.toolkit.enabled is false");
    }
  }
  if (Enabled(spec, "driver", true) && SpecBool(spec, "/driver/usePrecompiled", false)) {
    if (Enabled(spec, "gds", false)) {
      return Invalid("spec.driver.usePrecompiled", "precompiled drivers cannot be used with GDS (spec.gds.enabled)");
    }
    if (Enabled(spec, "gdrcopy", false)) {
      return Invalid("spec.driver.usePrecompiled",
                     "precompiled drivers cannot be used with GDRCopy (spec.gdrcopy.enabled)");
    }
  }
  return kube::Status::Ok();
}

LabelSettings LabelSettingsFrom(const nlohmann::json& spec) {
  LabelSettings s;
  s.sandbox_workloads = SandboxEnabled(spec);
  s.default_workload = SpecString(spec, "/sandboxWorkloads/defaultWorkload", "container");
  s.kata_mode = SpecString(spec, "/sandboxWorkloads/mode") == "kata";
  s.mig_manager = Enabled(spec, "migManager", true);
  s.mig_default_config = SpecString(spec, "/migManager/config/default", "all-disabled");
  return s;
}

std::vector<ConfigMapReference> ReferencedConfigMaps(const nlohmann::json& spec) {
  std::vector<ConfigMapReference> refs;
  auto add = [&](bool enabled, const std::string& pointer) {
    const std::string name = SpecString(spec, pointer);
    if (!enabled || name.empty()) return;
    std::string field = "spec" + pointer;
    for (auto& c : field) c = c == '/' ? '.' : c;
    refs.push_back({field, name});
  };
  const bool driver = Enabled(spec, "driver", true) && !SpecBool(spec, "/driver/useNvidiaDriverCRD", false);
  add(driver, "/driver/repoConfig/configMapName");
  add(driver, "/driver/certConfig/name");
  add(driver, "/driver/kernelModuleConfig/name");
  add(Enabled(spec, "devicePlugin", true), "/devicePlugin/config/name");
  add(Enabled(spec, "dcgmExporter", true), "/dcgmExporter/config/name");
  add(Enabled(spec, "migManager", true), "/migManager/config/name");
  add(Enabled(spec, "migManager", true), "/migManager/gpuClientsConfig/name");
  add(SandboxEnabled(spec) && Enabled(spec, "vgpuDeviceManager", true), "/vgpuDeviceManager/config/name");
  return refs;
}

}  // namespace gpu
