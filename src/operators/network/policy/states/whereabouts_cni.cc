// state-whereabouts-cni: the Whereabouts IPAM plugin and its reconciler.
#include "states/states.h"

namespace network::states {

StateDefinition WhereaboutsCni() {
  StateDefinition s;
  s.name = "state-whereabouts-cni";
  s.manifests = "network-operator/state-whereabouts-cni";
  s.kinds = {"CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "DaemonSet"};
  s.condition_type = "WhereaboutsCNIReady";
  s.section = "/secondaryNetwork/ipamPlugin";
  s.containers = {"whereabouts"};
  s.listed_when_unset = false;  // gone from upstream's list
  return s;
}

}  // namespace network::states
