// state-nic-feature-discovery: the daemon publishing NIC features as node feature labels.
#include "states/states.h"

namespace network::states {

StateDefinition NicFeatureDiscovery() {
  StateDefinition s;
  s.name = "state-nic-feature-discovery";
  s.manifests = "network-operator/state-nic-feature-discovery";
  s.kinds = {"DaemonSet"};
  s.condition_type = "NICFeatureDiscoveryReady";
  s.section = "/nicFeatureDiscovery";
  s.containers = {"nic-feature-discovery"};
  s.default_resources = {{"nic-feature-discovery", {{"requests", {{"cpu", "100m"}, {"memory", "50Mi"}}}, {"limits", {{"cpu", "300m"}, {"memory", "150Mi"}}}}}};
  return s;
}

}  // namespace network::states
