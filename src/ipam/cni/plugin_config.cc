#include "cni/plugin_config.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <iterator>
#include <sstream>

#include <nlohmann/json.hpp>

#include "kube/json_fields.h"
#include "kube/json_limits.h"

namespace ipam {
namespace {

kube::Status Invalid(const std::string& message) { return kube::Status(kube::Code::kInvalidArgument, message); }

// Parts of `s` between separators, trimmed; empty ones are kept only when asked for.
std::vector<std::string> Split(const std::string& s, char sep, bool keep_empty = false) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string::npos) end = s.size();
    std::string part = s.substr(start, end - start);
    part.erase(0, part.find_first_not_of(" \t"));
    part.erase(part.find_last_not_of(" \t") + 1);
    if (!part.empty() || keep_empty) out.push_back(part);
    start = end + 1;
  }
  return out;
}

std::map<std::string, std::string> ParseCniArgs(const std::string& args) {
  std::map<std::string, std::string> out;
  for (const auto& kv : Split(args, ';')) {
    const auto eq = kv.find('=');
    if (eq != std::string::npos) out[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return out;
}

// "10.0.0.5" or "10.0.0.5/24".
kube::Result<IPAddress> StaticAddress(const std::string& text) {
  auto a = IPAddress::Parse(text.substr(0, text.find('/')));
  if (!a.ok()) return Invalid("static address " + a.status().message());
  return *a;
}

kube::Result<PoolType> ParsePoolType(std::string type) {
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
  if (type.empty() || type == "ippool") return PoolType::kIPPool;
  if (type == "cidrpool") return PoolType::kCIDRPool;
  return Invalid("poolType must be ippool or cidrpool, not \"" + type + "\"");
}

}  // namespace

kube::Result<PluginConfig> LoadPluginConfig(const nlohmann::json& conf, const std::string& cni_args) {
  if (!conf.is_object()) return Invalid("the network configuration is not a JSON object");
  PluginConfig c;
  kube::JsonFields top(conf, "");
  c.cni_version = top.String("cniVersion");
  c.network_name = top.String("name");
  const nlohmann::json& ipam = top.Object("ipam");
  kube::JsonFields args_fields(top.Object("args"), "args");
  const nlohmann::json& args = args_fields.Object("cni");
  kube::JsonFields runtime_config(top.Object("runtimeConfig"), "runtimeConfig");
  const nlohmann::json runtime_ips = runtime_config.Has("ips") ? runtime_config.Array("ips") : nlohmann::json();
  for (const auto* f : {&top, &args_fields, &runtime_config}) {
    if (!f->ok()) return f->status();
  }

  // Defaults file first; the network config overrides it.
  nlohmann::json defaults = nlohmann::json::object();
  kube::JsonFields ipam_fields(ipam, "ipam");
  const std::string conf_dir = ipam_fields.String("confDir", std::string(kDefaultConfDir));
  if (!ipam_fields.ok()) return ipam_fields.status();
  if (std::ifstream in(conf_dir + "/nv-ipam.conf"); in) {
    const std::string text(std::istreambuf_iterator<char>(in), {});
    auto parsed = kube::ParseJson(text);
    if (!parsed.ok()) return Invalid(conf_dir + "/nv-ipam.conf " + parsed.status().message());
    if (!parsed->is_object()) return Invalid(conf_dir + "/nv-ipam.conf is not a JSON object");
    defaults = std::move(*parsed);
  }
  auto setting = [&](const char* key) -> nlohmann::json {
    if (ipam.contains(key)) return ipam[key];
    return defaults.value(key, nlohmann::json());
  };
  auto string_setting = [&](const char* key, const std::string& fallback) -> kube::Result<std::string> {
    const auto v = setting(key);
    if (v.is_null()) return fallback;
    if (!v.is_string()) return Invalid(std::string("ipam.") + key + " must be a string");
    return v.get<std::string>();
  };

  auto socket = string_setting("daemonSocket", kDefaultDaemonSocket);
  if (!socket.ok()) return socket.status();
  c.daemon_socket = socket->rfind("unix://", 0) == 0 ? socket->substr(7) : *socket;
  const nlohmann::json timeout = {{"daemonCallTimeoutSeconds", setting("daemonCallTimeoutSeconds")}};
  kube::JsonFields timeout_field(timeout, "ipam");
  if (auto seconds = timeout_field.OptionalInt("daemonCallTimeoutSeconds", 1, 3600)) {
    c.daemon_timeout = std::chrono::seconds(*seconds);
  }
  if (!timeout_field.ok()) return timeout_field.status();
  auto log_file = string_setting("logFile", kDefaultLogFile);
  auto log_level = string_setting("logLevel", kDefaultLogLevel);
  auto pool_name = string_setting("poolName", "");
  auto pool_type = string_setting("poolType", "ippool");
  for (const auto* r : {&log_file, &log_level, &pool_name, &pool_type}) {
    if (!r->ok()) return r->status();
  }
  c.log_file = *log_file;
  c.log_level = *log_level;
  const bool force_pool_name = setting("forcePoolName").is_boolean() && setting("forcePoolName").get<bool>();

  // Pools, as upstream picks them: args.cni.poolNames (from multus) always wins; then
  // ipam.poolName; then, unless forcePoolName says a pool must be named, the network's name.
  std::vector<std::string> names;
  std::string names_from = "ipam.poolName";
  if (args.contains("poolNames")) {
    if (!args["poolNames"].is_array()) return Invalid("args.cni.poolNames must be a list");
    for (const auto& n : args["poolNames"]) {
      if (!n.is_string()) return Invalid("args.cni.poolNames must be a list of names");
      names.push_back(n.get<std::string>());
    }
    names_from = "args.cni.poolNames";
  } else if (!pool_name->empty()) {
    names = Split(*pool_name, ',', true);
  } else if (force_pool_name) {
    return Invalid("ipam.forcePoolName is set but no pool is named (ipam.poolName or args.cni.poolNames)");
  } else {
    names = Split(c.network_name, ',');
    names_from = "the network name";
  }
  for (const auto& n : names) {
    if (n.empty()) return Invalid(names_from + " has an empty pool name");
  }
  std::string type_text = *pool_type;
  if (args.contains("poolType")) {
    if (!args["poolType"].is_string()) return Invalid("args.cni.poolType must be a string");
    type_text = args["poolType"].get<std::string>();
  }
  auto type = ParsePoolType(type_text);
  if (!type.ok()) return type.status();
  if (names.empty()) return Invalid("no pool: set ipam.poolName (or name the network after the pool)");
  if (names.size() > 2) return Invalid("at most two pools (one per address family) may be named, got " +
                                       std::to_string(names.size()));
  for (const auto& n : names) c.pools.push_back({*type, n});

  // Static addresses from the first source that has any, in upstream's order: runtimeConfig,
  // then args.cni, then CNI_ARGS' IP. Sources are not merged.
  std::vector<std::string> ips;
  const std::pair<const char*, nlohmann::json> ip_lists[] = {
      {"runtimeConfig.ips", runtime_ips}, {"args.cni.ips", args.value("ips", nlohmann::json())}};
  for (const auto& [where, list] : ip_lists) {
    if (list.is_null()) continue;
    if (!list.is_array()) return Invalid(std::string(where) + " must be a list");
    if (!ips.empty()) continue;
    for (const auto& ip : list) {
      if (!ip.is_string()) return Invalid(std::string(where) + " must be a list of addresses");
      ips.push_back(ip.get<std::string>());
    }
  }
  const auto env_args = ParseCniArgs(cni_args);
  if (auto ip = env_args.find("IP"); ip != env_args.end() && ips.empty()) {
    for (const auto& one : Split(ip->second, ',')) ips.push_back(one);
  }
  for (const auto& ip : ips) {
    auto a = StaticAddress(ip);
    if (!a.ok()) return a.status();
    if (std::find(c.static_ips.begin(), c.static_ips.end(), *a) == c.static_ips.end()) c.static_ips.push_back(*a);
  }
  if (args.contains("allocateDefaultGateway")) {
    if (!args["allocateDefaultGateway"].is_boolean()) return Invalid("args.cni.allocateDefaultGateway must be a boolean");
    c.allocate_default_gateway = args["allocateDefaultGateway"].get<bool>();
  }
  kube::JsonFields cni(args, "args.cni");
  if (auto index = cni.OptionalInt("allocateIPWithIndex", 0, INT64_MAX)) c.ip_index = static_cast<uint64_t>(*index);
  if (!cni.ok()) return cni.status();
  const int modes = (c.allocate_default_gateway ? 1 : 0) + (c.static_ips.empty() ? 0 : 1) + (c.ip_index ? 1 : 0);
  if (modes > 1) {
    return Invalid("static ips, allocateDefaultGateway and allocateIPWithIndex exclude each other");
  }
  auto get = [&](const char* key) {
    auto it = env_args.find(key);
    return it == env_args.end() ? std::string() : it->second;
  };
  c.pod = {get("K8S_POD_NAMESPACE"), get("K8S_POD_NAME"), get("K8S_POD_UID")};
  if (c.pod.name.empty() || c.pod.namespace_.empty()) {
    return Invalid("CNI_ARGS must name the pod (K8S_POD_NAME and K8S_POD_NAMESPACE)");
  }
  return c;
}

}  // namespace ipam
