// CheckConfigMaps: whether the ConfigMaps a spec names exist. Nothing watches
// ConfigMaps users make, so a missing one is looked for again on a later pass.
#ifndef OPERATORS_GPU_POLICY_CONFIG_MAP_CHECK_H_
#define OPERATORS_GPU_POLICY_CONFIG_MAP_CHECK_H_

#include <string>
#include <vector>

#include "cluster_policy_spec.h"
#include "kube/client.h"

namespace gpu {

// Ok when every one exists in `ns`; InvalidArgument naming the field and the ConfigMap of the
// first that does not; another error reading one, with the field as context.
kube::Status CheckConfigMaps(kube::Client& client, const std::string& ns,
                             const std::vector<ConfigMapReference>& refs);

}  // namespace gpu

#endif  // OPERATORS_GPU_POLICY_CONFIG_MAP_CHECK_H_
