// PoolCatalog: where the node daemon learns this node's share of a pool.
// The daemon reads it from the pool objects in the API; tests and benchmarks
// may hand it fixed configs.
#ifndef IPAM_NODE_POOL_CATALOG_H_
#define IPAM_NODE_POOL_CATALOG_H_

#include "kube/status.h"
#include "pool/node_pool_config.h"
#include "rpc/ipam_protocol.h"

namespace ipam {

class PoolCatalog {
 public:
  virtual ~PoolCatalog() = default;
  // NotFound when the pool does not exist or has nothing for this node; Unavailable while
  // the catalog is still loading.
  virtual kube::Result<NodePoolConfig> Get(const PoolRef& pool) const = 0;
};

}  // namespace ipam

#endif  // IPAM_NODE_POOL_CATALOG_H_
