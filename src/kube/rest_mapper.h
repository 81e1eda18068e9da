// RestMapper: finds the REST resource (plural name, scope) that serves a
// kind, by API discovery. Results are cached per group-version and looked up
// again on a miss, so kinds of CRDs created later are found.
#ifndef KUBE_REST_MAPPER_H_
#define KUBE_REST_MAPPER_H_

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "kube/resource.h"
#include "kube/rest_client.h"

namespace kube {

class RestMapper {
 public:
  explicit RestMapper(RestClient& rest) : rest_(rest) {}
  Result<Resource> ResourceFor(const GroupVersionKind& gvk);

 private:
  Result<std::vector<Resource>> Discover(const std::string& group, const std::string& version);
  RestClient& rest_;
  std::mutex mu_;
  std::map<std::string, std::vector<Resource>> by_group_version_;
};

}  // namespace kube

#endif  // KUBE_REST_MAPPER_H_
