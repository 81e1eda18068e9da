#include "kube/config.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "kube/base64.h"
#include "kube/yaml.h"

namespace kube {
namespace {

namespace fs = std::filesystem;

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute() || base_dir.empty()) return path;
  return (fs::path(base_dir) / path).string();
}

using nlohmann::json;

// Finds the entry named `name` in a kubeconfig list ("clusters", "users", "contexts").
const json* FindNamed(const json& root, const char* list, const std::string& name) {
  const auto it = root.find(list);
  if (it == root.end() || !it->is_array()) return nullptr;
  for (const auto& entry : *it) {
    if (entry.is_object() && entry.contains("name") && entry["name"].is_string() &&
        entry["name"].get<std::string>() == name) {
      return &entry;
    }
  }
  return nullptr;
}

// The member `key` of `node` as text (a plain true or 443 is read as written); empty when absent.
std::string Str(const json* node, const std::string& key) {
  if (node == nullptr || !node->is_object()) return "";
  const auto it = node->find(key);
  if (it == node->end() || it->is_null() || it->is_object() || it->is_array()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

const json* Member(const json* node, const char* key) {
  if (node == nullptr || !node->is_object()) return nullptr;
  const auto it = node->find(key);
  return it == node->end() || !it->is_object() ? nullptr : &*it;
}

// Loads "<key>-data" (base64) or "<key>" (a file path).
Result<std::string> DataOrFile(const json* node, const std::string& key, const std::string& base_dir) {
  std::string data = Str(node, key + "-data");
  if (!data.empty()) return Base64Decode(data, key + "-data");
  std::string file = Str(node, key);
  if (file.empty()) return std::string();
  return ReadFile(Resolve(base_dir, file));
}

}  // namespace

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Code::kInvalidArgument, "cannot read " + path + ": " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<Config> Config::FromKubeconfigText(const std::string& text, const std::string& base_dir,
                                          const std::string& context_name) {
  auto parsed = ParseYamlDocument(text);
  if (!parsed.ok()) return parsed.status().WithContext("kubeconfig");
  const json& root = *parsed;
  if (!root.is_object()) return Status(Code::kInvalidArgument, "kubeconfig is not a YAML mapping");
  std::string ctx_name = context_name.empty() ? Str(&root, "current-context") : context_name;
  if (ctx_name.empty()) return Status(Code::kInvalidArgument, "kubeconfig has no current-context");
  const json* ctx = FindNamed(root, "contexts", ctx_name);
  if (ctx == nullptr) return Status(Code::kInvalidArgument, "kubeconfig has no context named \"" + ctx_name + "\"");
  const json* c = Member(ctx, "context");
  std::string cluster_name = Str(c, "cluster");
  std::string user_name = Str(c, "user");
  const json* cluster = Member(FindNamed(root, "clusters", cluster_name), "cluster");
  if (cluster == nullptr) {
    return Status(Code::kInvalidArgument, "kubeconfig context \"" + ctx_name + "\" names unknown cluster \"" +
                                              cluster_name + "\"");
  }
  Config cfg;
  cfg.server = Str(cluster, "server");
  if (cfg.server.empty()) {
    return Status(Code::kInvalidArgument, "kubeconfig cluster \"" + cluster_name + "\" has no server");
  }
  if (cfg.server.rfind("https://", 0) != 0 && cfg.server.rfind("http://", 0) != 0) {
    return Status(Code::kInvalidArgument, "kubeconfig server \"" + cfg.server + "\" is not an http(s) URL");
  }
  while (!cfg.server.empty() && cfg.server.back() == '/') cfg.server.pop_back();
  cfg.tls_server_name = Str(cluster, "tls-server-name");
  cfg.insecure_skip_tls_verify = Str(cluster, "insecure-skip-tls-verify") == "true";
  auto ca = DataOrFile(cluster, "certificate-authority", base_dir);
  if (!ca.ok()) return ca.status().WithContext("kubeconfig certificate-authority");
  cfg.ca_pem = *ca;

  cfg.namespace_ = Str(c, "namespace");
  if (cfg.namespace_.empty()) cfg.namespace_ = "default";

  if (!user_name.empty()) {
    const json* user_entry = FindNamed(root, "users", user_name);
    if (user_entry == nullptr) {
      return Status(Code::kInvalidArgument, "kubeconfig context \"" + ctx_name + "\" names unknown user \"" +
                                                user_name + "\"");
    }
    if (const json* user = Member(user_entry, "user"); user != nullptr) {
      auto cert = DataOrFile(user, "client-certificate", base_dir);
      if (!cert.ok()) return cert.status().WithContext("kubeconfig client-certificate");
      auto key = DataOrFile(user, "client-key", base_dir);
      if (!key.ok()) return key.status().WithContext("kubeconfig client-key");
      if (cert->empty() != key->empty()) {
        return Status(Code::kInvalidArgument, "kubeconfig user \"" + user_name +
                                                  "\" has a client certificate without a key, or a key without one");
      }
      cfg.client_cert_pem = *cert;
      cfg.client_key_pem = *key;
      cfg.bearer_token = Str(user, "token");
      std::string token_file = Str(user, "tokenFile");
      if (!token_file.empty()) {
        cfg.token_file = Resolve(base_dir, token_file);
        auto token = ReadFile(cfg.token_file);
        if (!token.ok()) return token.status().WithContext("kubeconfig tokenFile");
      }
      if (user->contains("exec") || user->contains("auth-provider")) {
        return Status(Code::kInvalidArgument, "kubeconfig user \"" + user_name +
                                                  "\" uses an exec or auth-provider plugin, which is not supported");
      }
    }
  }
  return cfg;
}

Result<Config> Config::FromKubeconfigFile(const std::string& path, const std::string& context) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status().WithContext("loading kubeconfig");
  auto cfg = FromKubeconfigText(*text, fs::path(path).parent_path().string(), context);
  if (!cfg.ok()) return cfg.status().WithContext(path);
  return cfg;
}

Result<Config> Config::InCluster(const std::string& root) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || port == nullptr || *host == '\0') {
    return Status(Code::kInvalidArgument, "not running in a cluster: KUBERNETES_SERVICE_HOST is not set");
  }
  const std::string dir = root + "/var/run/secrets/kubernetes.io/serviceaccount";
  Config cfg;
  std::string h = host;
  cfg.server = "https://" + (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + port;
  cfg.token_file = dir + "/token";
  auto token = ReadFile(cfg.token_file);
  if (!token.ok()) return token.status().WithContext("in-cluster config");
  auto ca = ReadFile(dir + "/ca.crt");
  if (!ca.ok()) return ca.status().WithContext("in-cluster config");
  cfg.ca_pem = *ca;
  auto ns = ReadFile(dir + "/namespace");
  cfg.namespace_ = ns.ok() ? *ns : "default";
  return cfg;
}

Result<Config> Config::Load(const std::string& explicit_path) {
  if (!explicit_path.empty()) return FromKubeconfigFile(explicit_path);
  if (const char* env = std::getenv("KUBECONFIG"); env != nullptr && *env != '\0') {
    std::string first(env);
    first = first.substr(0, first.find(':'));
    return FromKubeconfigFile(first);
  }
  if (std::getenv("KUBERNETES_SERVICE_HOST") != nullptr) return InCluster();
  if (const char* home = std::getenv("HOME"); home != nullptr) {
    std::string path = std::string(home) + "/.kube/config";
    if (fs::exists(path)) return FromKubeconfigFile(path);
  }
  return Status(Code::kInvalidArgument,
                "no Kubernetes configuration: pass --kubeconfig, set KUBECONFIG, run in a cluster, "
                "or create ~/.kube/config");
}

}  // namespace kube
