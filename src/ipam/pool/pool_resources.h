// The nv-ipam.nvidia.com/v1alpha1 resources.
#ifndef IPAM_POOL_POOL_RESOURCES_H_
#define IPAM_POOL_POOL_RESOURCES_H_

#include "kube/resource.h"
#include "pool/pool_spec.h"

namespace ipam {

inline kube::Resource PoolResource(PoolType type) {
  return type == PoolType::kIPPool ? kube::Resource{"nv-ipam.nvidia.com", "v1alpha1", "ippools", "IPPool", true}
                                   : kube::Resource{"nv-ipam.nvidia.com", "v1alpha1", "cidrpools", "CIDRPool", true};
}

}  // namespace ipam

#endif  // IPAM_POOL_POOL_RESOURCES_H_
