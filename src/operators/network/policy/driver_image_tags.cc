#include "driver_image_tags.h"

#include "kube/log.h"
#include "registry/credentials.h"
#include "registry/image_repository.h"
#include "registry/tag_lister.h"

namespace network {

DriverImageTags::DriverImageTags(kube::Client& client, std::string ns, std::chrono::milliseconds timeout,
                                 registry::TagCache::Options options)
    : client_(client), namespace_(std::move(ns)), timeout_(timeout), cache_(std::move(options)) {}

registry::TagCache::Answer DriverImageTags::Lookup(const std::string& repository,
                                                   const std::vector<std::string>& pull_secrets) {
  std::string key = repository;
  for (const auto& s : pull_secrets) key += "\n" + s;
  return cache_.Lookup(key, [this, repository, pull_secrets] { return List(repository, pull_secrets); });
}

TagLookup DriverImageTags::AsLookup() {
  return [this](const std::string& repository, const std::vector<std::string>& pull_secrets) {
    return Lookup(repository, pull_secrets);
  };
}

kube::Result<std::vector<std::string>> DriverImageTags::List(const std::string& repository,
                                                             const std::vector<std::string>& pull_secrets) {
  auto repo = registry::ParseImageRepository(repository);
  if (!repo.ok()) return repo.status();
  registry::ListOptions options;
  options.timeout = timeout_;
  for (const auto& name : pull_secrets) {
    auto secret = client_.Get(kube::resources::Secrets(), namespace_, name);
    if (kube::IsNotFound(secret.status())) continue;
    if (!secret.ok()) return secret.status().WithContext("reading pull secret " + namespace_ + "/" + name);
    auto credentials =
        registry::CredentialsFor(secret->Tree().value("data", nlohmann::json::object()), name, repo->host);
    if (!credentials.ok()) return credentials.status();
    if (*credentials) {
      options.credentials = std::move(*credentials);
      break;
    }
  }
  auto tags = registry::ListTags(*repo, options);
  if (tags.ok()) {
    kube::log::Info("listed driver image tags", {{"repository", repo->Name()}, {"tags", std::to_string(tags->size())}});
  } else {
    kube::log::Info("cannot list driver image tags", {{"repository", repo->Name()}, {"error", tags.status().message()}});
  }
  return tags;
}

}  // namespace network
