// DriverImageTags: which tags an OFED driver repository has, for the
// precompiled-image choice, answered from a registry::TagCache so that a
// reconcile never waits on a registry. A listing signs in with the first of
// the policy's pull secrets (Secrets in the operand namespace; missing ones
// are skipped, as upstream) that holds credentials for the registry, and
// gives up after `timeout`. Thread-safe.
#ifndef OPERATORS_NETWORK_POLICY_DRIVER_IMAGE_TAGS_H_
#define OPERATORS_NETWORK_POLICY_DRIVER_IMAGE_TAGS_H_

#include <chrono>
#include <string>
#include <vector>

#include "kube/client.h"
#include "registry/tag_cache.h"
#include "state.h"

namespace network {

class DriverImageTags {
 public:
  // `options.on_change` runs (on the cache's thread) whenever an answer changes.
  DriverImageTags(kube::Client& client, std::string ns, std::chrono::milliseconds timeout,
                  registry::TagCache::Options options);

  registry::TagCache::Answer Lookup(const std::string& repository, const std::vector<std::string>& pull_secrets);
  // Lookup, as the states take it; valid while this object lives.
  TagLookup AsLookup();

 private:
  kube::Result<std::vector<std::string>> List(const std::string& repository,
                                              const std::vector<std::string>& pull_secrets);

  kube::Client& client_;
  const std::string namespace_;
  const std::chrono::milliseconds timeout_;
  registry::TagCache cache_;  // last: its thread calls List
};

}  // namespace network

#endif  // OPERATORS_NETWORK_POLICY_DRIVER_IMAGE_TAGS_H_
