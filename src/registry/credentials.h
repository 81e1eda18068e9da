// Registry credentials from image pull secrets: the `.dockerconfigjson`
// ({"auths": {...}}) and legacy `.dockercfg` ({...}) layouts the kubelet
// reads, matched to a registry host the way the kubelet matches them
// ("nvcr.io", "https://nvcr.io", "https://nvcr.io/v1/" all name nvcr.io;
// Docker Hub's "https://index.docker.io/v1/" names registry-1.docker.io).
// Pure; thread-safe.
#ifndef REGISTRY_CREDENTIALS_H_
#define REGISTRY_CREDENTIALS_H_

#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "kube/status.h"

namespace registry {

struct Credentials {
  std::string username;
  std::string password;
};

// The credentials one pull secret's data (its base64 `data` map) holds for `host`; nullopt
// when it holds none for that host. InvalidArgument naming `secret` when the data cannot be read.
[[nodiscard]] kube::Result<std::optional<Credentials>> CredentialsFor(const nlohmann::json& secret_data,
                                                                      const std::string& secret,
                                                                      const std::string& host);

}  // namespace registry

#endif  // REGISTRY_CREDENTIALS_H_
