#include "node/kube_pool_catalog.h"

namespace ipam {

KubePoolCatalog::KubePoolCatalog(kube::Informer& ippools, kube::Informer& cidrpools, std::string pools_namespace,
                                 std::string node)
    : ippools_(ippools), cidrpools_(cidrpools), namespace_(std::move(pools_namespace)), node_(std::move(node)) {}

kube::Result<NodePoolConfig> KubePoolCatalog::Get(const PoolRef& pool) const {
  kube::Informer& informer = pool.type == PoolType::kIPPool ? ippools_ : cidrpools_;
  const char* kind = pool.type == PoolType::kIPPool ? "IPPool " : "CIDRPool ";
  if (!informer.HasSynced()) {
    return kube::Status(kube::Code::kUnavailable, "the node daemon is still loading the pools");
  }
  kube::ObjectPtr object = informer.store().Get(kube::ObjectKey(namespace_, pool.name));
  if (!object) {
    return kube::Status(kube::Code::kNotFound, std::string(kind) + pool.name + " does not exist in namespace " + namespace_);
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cache_.find(pool.Key());
  if (it == cache_.end() || it->second.resource_version != object->resource_version()) {
    Cached fresh{object->resource_version(), NodePoolConfigFor(pool.name, object->Tree(), pool.type, node_)};
    it = cache_.insert_or_assign(pool.Key(), std::move(fresh)).first;
  }
  return it->second.config;
}

}  // namespace ipam
