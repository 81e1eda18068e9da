#include "manifests/renderer.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <regex>

#include <kainjow/mustache.hpp>
#include <yaml-cpp/yaml.h>

#include "kube/config.h"

namespace manifests {
namespace {

namespace fs = std::filesystem;
using kainjow::mustache::data;

data ToMustache(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      data obj(data::type::object);
      for (const auto& [k, v] : j.items()) obj.set(k, ToMustache(v));
      return obj;
    }
    case nlohmann::json::value_t::array: {
      data list(data::type::list);
      for (const auto& v : j) list.push_back(ToMustache(v));
      return list;
    }
    case nlohmann::json::value_t::string: return data(j.get<std::string>());
    case nlohmann::json::value_t::boolean: return data(j.get<bool>());
    case nlohmann::json::value_t::null: return data(false);
    default: return data(j.dump());  // numbers
  }
}

nlohmann::json PlainScalar(const std::string& s) {
  static const std::regex kInt(R"([-+]?(0|[1-9][0-9]*))");
  static const std::regex kFloat(R"([-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?|[-+]?[0-9]+[eE][-+]?[0-9]+)");
  static const char* kTrue[] = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"};
  static const char* kFalse[] = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"};
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  for (const char* t : kTrue) if (s == t) return true;
  for (const char* f : kFalse) if (s == f) return false;
  if (std::regex_match(s, kInt)) {
    try {
      return std::stoll(s);
    } catch (const std::out_of_range&) {
      return s;
    }
  }
  if (std::regex_match(s, kFloat)) return std::stod(s);
  return s;
}

nlohmann::json ToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json obj = nlohmann::json::object();
      for (const auto& kv : node) obj[kv.first.as<std::string>()] = ToJson(kv.second);
      return obj;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& v : node) arr.push_back(ToJson(v));
      return arr;
    }
    case YAML::NodeType::Scalar:
      // "!" marks a quoted (or block) scalar: always a string.
      return node.Tag() == "!" ? nlohmann::json(node.Scalar()) : PlainScalar(node.Scalar());
    default:
      return nullptr;
  }
}

}  // namespace

kube::Result<std::string> RenderTemplate(const std::string& text, const nlohmann::json& context) {
  kainjow::mustache::mustache tmpl(text);
  if (!tmpl.is_valid()) return kube::Status(kube::Code::kInternal, "template: " + tmpl.error_message());
  tmpl.set_custom_escape([](const std::string& s) { return s; });
  std::string out = tmpl.render(ToMustache(context));
  if (!tmpl.is_valid()) return kube::Status(kube::Code::kInternal, "template: " + tmpl.error_message());
  return out;
}

kube::Result<std::vector<nlohmann::json>> YamlToObjects(const std::string& yaml) {
  std::vector<nlohmann::json> out;
  try {
    for (const auto& doc : YAML::LoadAll(yaml)) {
      if (!doc.IsDefined() || doc.IsNull()) continue;
      if (!doc.IsMap()) return kube::Status(kube::Code::kInternal, "manifest document is not a mapping");
      nlohmann::json obj = ToJson(doc);
      if (!obj.contains("kind")) continue;
      out.push_back(std::move(obj));
    }
  } catch (const YAML::Exception& e) {
    return kube::Status(kube::Code::kInternal, std::string("rendered manifest is not valid YAML: ") + e.what());
  }
  return out;
}

kube::Result<nlohmann::json> YamlToJson(const std::string& yaml) {
  try {
    const auto documents = YAML::LoadAll(yaml);
    if (documents.size() != 1) {
      return kube::Status(kube::Code::kInvalidArgument,
                          "expected one YAML document, found " + std::to_string(documents.size()));
    }
    return ToJson(documents.front());
  } catch (const YAML::Exception& e) {
    return kube::Status(kube::Code::kInvalidArgument, std::string("not valid YAML: ") + e.what());
  }
}

kube::Result<std::vector<nlohmann::json>> RenderDirectory(const std::string& dir, const nlohmann::json& context) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return kube::Status(kube::Code::kInternal, "no manifest directory " + dir);
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const auto ext = it->path().extension();
    if (it->is_regular_file() && (ext == ".yaml" || ext == ".yml" || ext == ".json")) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  std::vector<nlohmann::json> out;
  for (const auto& f : files) {
    auto text = kube::ReadFile(f.string());
    if (!text.ok()) return text.status();
    auto rendered = RenderTemplate(*text, context);
    if (!rendered.ok()) return rendered.status().WithContext(f.filename().string());
    auto objects = YamlToObjects(*rendered);
    if (!objects.ok()) return objects.status().WithContext(f.filename().string());
    for (auto& o : *objects) out.push_back(std::move(o));
  }
  return out;
}

std::string ManifestRoot() {
  if (const char* env = std::getenv("MANIFESTS_DIR"); env != nullptr && *env != '\0') return env;
  return ACCELOPS_MANIFESTS_DIR;
}

}  // namespace manifests
