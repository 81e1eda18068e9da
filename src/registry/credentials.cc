#include "registry/credentials.h"

#include <nlohmann/json.hpp>

#include "kube/base64.h"

namespace registry {
namespace {

// The host an auths key names: scheme, path and Docker Hub's aliases taken off.
std::string KeyHost(std::string key) {
  if (const size_t scheme = key.find("://"); scheme != std::string::npos) key = key.substr(scheme + 3);
  key = key.substr(0, key.find('/'));
  if (key == "index.docker.io" || key == "docker.io") return "registry-1.docker.io";
  return key;
}

}  // namespace

kube::Result<std::optional<Credentials>> CredentialsFor(const nlohmann::json& secret_data, const std::string& secret,
                                                        const std::string& host) {
  auto invalid = [&secret](const std::string& why) {
    return kube::Status(kube::Code::kInvalidArgument, "pull secret " + kube::Quoted(secret) + ": " + why);
  };
  if (!secret_data.is_object()) return invalid("has no data");
  std::string key = ".dockerconfigjson";
  if (!secret_data.contains(key)) key = ".dockercfg";
  if (!secret_data.contains(key) || !secret_data[key].is_string()) {
    return invalid("holds neither .dockerconfigjson nor .dockercfg");
  }
  auto text = kube::Base64Decode(secret_data[key].get<std::string>(), key);
  if (!text.ok()) return invalid(text.status().message());
  nlohmann::json config = nlohmann::json::parse(*text, nullptr, false);
  if (config.is_discarded() || !config.is_object()) return invalid(key + " is not a JSON object");
  const nlohmann::json& auths = key == ".dockerconfigjson" ? config.value("auths", nlohmann::json::object()) : config;
  if (!auths.is_object()) return invalid(key + ": auths is not an object");
  for (const auto& [name, entry] : auths.items()) {
    if (KeyHost(name) != host || !entry.is_object()) continue;
    Credentials c;
    if (entry.contains("auth") && entry["auth"].is_string() && !entry["auth"].get<std::string>().empty()) {
      auto pair = kube::Base64Decode(entry["auth"].get<std::string>(), "auth of " + name);
      if (!pair.ok()) return invalid(pair.status().message());
      const size_t colon = pair->find(':');
      if (colon == std::string::npos) return invalid("auth of " + kube::Quoted(name) + " is not user:password");
      c.username = pair->substr(0, colon);
      c.password = pair->substr(colon + 1);
    } else {
      const auto user = entry.find("username");
      const auto pass = entry.find("password");
      if (user == entry.end() || !user->is_string() || pass == entry.end() || !pass->is_string()) continue;
      c.username = user->get<std::string>();
      c.password = pass->get<std::string>();
    }
    return std::optional<Credentials>(std::move(c));
  }
  return std::optional<Credentials>();
}

}  // namespace registry
