// ListTags: asks a registry which tags a repository has (the distribution
// API's GET /v2/<name>/tags/list, following every page), signing in the way
// the registry's 401 asks: Basic with the credentials, or a Bearer token from
// its token service (anonymous when there are no credentials). The whole
// listing has one deadline. Thread-safe: each call has its own connection.
#ifndef REGISTRY_TAG_LISTER_H_
#define REGISTRY_TAG_LISTER_H_

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "kube/status.h"
#include "registry/credentials.h"
#include "registry/image_repository.h"

namespace registry {

struct ListOptions {
  std::optional<Credentials> credentials;
  std::chrono::milliseconds timeout{20000};  // for the whole listing, sign-in included
  int page_size = 1000;                      // tags asked for per page (the `n` parameter)
};

// The tags, in the registry's order. Errors: Unauthorized / Forbidden (credentials missing or
// refused), NotFound (no such repository), Unavailable (cannot connect: DNS, TLS, refused),
// Timeout, ServerError (any other answer); each message names the repository.
[[nodiscard]] kube::Result<std::vector<std::string>> ListTags(const ImageRepository& repo, const ListOptions& options);

}  // namespace registry

#endif  // REGISTRY_TAG_LISTER_H_
