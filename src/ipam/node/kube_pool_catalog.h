// KubePoolCatalog: a PoolCatalog read from the IPPool and CIDRPool informers
// of the pools' namespace, for one node. A pool's config is computed once per
// version of the pool object, not on every CNI call (a pool's status lists
// every node, so parsing it is the expensive part of an ADD).
#ifndef IPAM_NODE_KUBE_POOL_CATALOG_H_
#define IPAM_NODE_KUBE_POOL_CATALOG_H_

#include <map>
#include <mutex>
#include <string>

#include "kube/informer.h"
#include "node/pool_catalog.h"

namespace ipam {

class KubePoolCatalog : public PoolCatalog {
 public:
  KubePoolCatalog(kube::Informer& ippools, kube::Informer& cidrpools, std::string pools_namespace, std::string node);
  kube::Result<NodePoolConfig> Get(const PoolRef& pool) const override;

 private:
  kube::Informer& ippools_;
  kube::Informer& cidrpools_;
  const std::string namespace_;
  const std::string node_;

  struct Cached {
    std::string resource_version;
    kube::Result<NodePoolConfig> config;
  };
  mutable std::mutex mu_;
  mutable std::map<std::string, Cached> cache_;  // by PoolRef::Key()
};

}  // namespace ipam

#endif  // IPAM_NODE_KUBE_POOL_CATALOG_H_
