#include "render_helpers.h"

#include <algorithm>

#include "cluster_policy_spec.h"

namespace gpu {

using nlohmann::json;

const json& Section(const json& spec, const std::string& key) {
  static const json kEmpty = json::object();
  if (key.empty() || !spec.is_object() || !spec.contains(key) || !spec[key].is_object()) return kEmpty;
  return spec[key];
}

std::string Str(const json& section, const char* key, const std::string& fallback) {
  return section.is_object() && section.contains(key) && section[key].is_string() ? section[key].get<std::string>()
                                                                                   : fallback;
}

json Optional(const std::string& name) { return name.empty() ? json(false) : json(name); }

kube::Result<std::string> OperandImage(const RenderInputs& in, const json& section, const std::string& field,
                                       const std::string& env_var) {
  auto image = ResolveImage(section, field, env_var, in.env);
  if (!image.ok()) return image.status();
  return OverrideRegistry(in.spec, *image);
}

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

std::string ContainerRuntime(const RenderInputs& in) {
  for (const auto& node : in.gpu_nodes) {
    if (node.container_runtime == "cri-o") return "crio";
    if (node.container_runtime == "containerd" || node.container_runtime == "docker") return node.container_runtime;
  }
  const std::string fallback = SpecString(in.spec, "/operator/defaultRuntime", "containerd");
  return fallback == "crio" || fallback == "docker" ? fallback : "containerd";
}

}  // namespace gpu
