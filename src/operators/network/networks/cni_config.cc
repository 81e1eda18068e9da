#include "cni_config.h"

#include <re2/re2.h>

#include "kube/json_limits.h"

namespace network {
namespace {

kube::Status Invalid(const std::string& field, const std::string& message) {
  return kube::Status(kube::Code::kInvalid, field + ": " + message);
}

// Parses a JSON object given as text; empty text is {}.
kube::Result<nlohmann::ordered_json> ParseObject(const std::string& field, const std::string& text) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return nlohmann::ordered_json::object();
  auto parsed = kube::ParseOrderedJson(text);
  if (!parsed.ok()) return Invalid(field, parsed.status().message());
  if (!parsed->is_object()) return Invalid(field, "must be a JSON object");
  return parsed;
}

// metaPlugins is comma-separated plugin objects: parse it as the inside of an array.
kube::Result<nlohmann::ordered_json> ParseMetaPlugins(const std::string& text) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return nlohmann::ordered_json::array();
  auto parsed = kube::ParseOrderedJson("[" + text + "]", kube::kMaxNestingDepth + 1);
  if (!parsed.ok()) {
    return Invalid("spec.metaPlugins", "is not a comma-separated list of JSON objects (" + parsed.status().message() + ")");
  }
  for (const auto& p : *parsed) {
    if (!p.is_object() || !p.contains("type")) {
      return Invalid("spec.metaPlugins", "every plugin must be a JSON object with a \"type\"");
    }
  }
  return parsed;
}

// An extended resource name: an optional DNS subdomain prefix and "/", then a
// name of at most 63 characters, as the device plugins register them.
kube::Status CheckResourceName(const std::string& field, const std::string& resource) {
  static const RE2 kName("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
  static const RE2 kPrefix("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  const auto slash = resource.find('/');
  const std::string local = slash == std::string::npos ? resource : resource.substr(slash + 1);
  const std::string prefix = slash == std::string::npos ? "" : resource.substr(0, slash);
  if (local.empty() || local.size() > 63 || !RE2::FullMatch(local, kName)) {
    return Invalid(field, kube::Quoted(resource) +
                              " is not a resource name: [prefix/]name, the name at most 63 letters, digits, '-', '_' "
                              "or '.', starting and ending with a letter or digit");
  }
  if (slash != std::string::npos && (prefix.empty() || prefix.size() > 253 || !RE2::FullMatch(prefix, kPrefix))) {
    return Invalid(field, kube::Quoted(resource) + " has a prefix that is not a DNS subdomain");
  }
  return kube::Status::Ok();
}

std::string StringField(const nlohmann::json& spec, const char* key) {
  auto it = spec.find(key);
  return it != spec.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

kube::Result<AttachmentSpec> RenderAttachment(const NetworkKind& kind, const nlohmann::json& network) {
  const nlohmann::json spec = network.value("spec", nlohmann::json::object());
  AttachmentSpec out;
  out.name = network["metadata"].value("name", "");
  out.namespace_ = StringField(spec, "networkNamespace");
  if (out.namespace_.empty()) out.namespace_ = "default";
  static const RE2 kDns1123Label("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  if (out.namespace_.size() > 63 || !RE2::FullMatch(out.namespace_, kDns1123Label)) {
    return Invalid("spec.networkNamespace", kube::Quoted(out.namespace_) + " is not a valid namespace name");
  }

  auto ipam = ParseObject("spec.ipam", StringField(spec, "ipam"));
  if (!ipam.ok()) return ipam.status();

  // The main plugin, in upstream's key order.
  nlohmann::ordered_json plugin;
  plugin["type"] = kind.cni_type;
  const std::string master = StringField(spec, "master");
  if (kind.cni_type == "macvlan") {
    if (!master.empty()) plugin["master"] = master;
    const std::string mode = StringField(spec, "mode");
    if (!mode.empty()) {
      if (mode != "bridge" && mode != "private" && mode != "vepa" && mode != "passthru") {
        return Invalid("spec.mode", "\"" + mode + "\" is not one of bridge, private, vepa, passthru");
      }
      plugin["mode"] = mode;
    }
    if (spec.contains("mtu")) {
      if (!spec["mtu"].is_number_integer() || spec["mtu"].get<int64_t>() < 0 || spec["mtu"].get<int64_t>() > 65535) {
        return Invalid("spec.mtu", "must be an integer from 0 to 65535");
      }
      if (spec["mtu"].get<int64_t>() > 0) plugin["mtu"] = spec["mtu"].get<int64_t>();
    }
  } else if (kind.cni_type == "ipoib") {
    plugin["master"] = master;
  } else if (kind.cni_type == "host-device") {
    std::string resource = StringField(spec, "resourceName");
    if (auto s = CheckResourceName("spec.resourceName", resource); !s.ok()) return s;
    const auto slash = resource.find('/');
    out.resource_name = slash == std::string::npos ? "nvidia.com/" + resource : resource;
  }
  plugin["ipam"] = *ipam;

  auto meta_plugins = ParseMetaPlugins(StringField(spec, "metaPlugins"));
  if (!meta_plugins.ok()) return meta_plugins.status();

  nlohmann::ordered_json config;
  config["cniVersion"] = "0.3.1";
  config["name"] = out.name;
  if (meta_plugins->empty()) {
    for (auto& [k, v] : plugin.items()) config[k] = v;
  } else {
    nlohmann::ordered_json plugins = nlohmann::ordered_json::array({plugin});
    for (const auto& p : *meta_plugins) plugins.push_back(p);
    config["plugins"] = plugins;
  }
  out.config = config.dump();
  return out;
}

}  // namespace network
