// state-ipoib-cni: the IPoIB CNI plugin installed on every node.
#include "states/states.h"

#include "states/state_rules.h"

namespace network::states {

StateDefinition IpoibCni() {
  StateDefinition s;
  s.name = "state-ipoib-cni";
  s.manifests = "network-operator/state-ipoib-cni";
  s.kinds = {"DaemonSet"};
  s.condition_type = "IPoIBCNIReady";
  s.section = "/secondaryNetwork/ipoib";
  s.containers = {"ipoib-cni"};
  s.default_resources = {{"ipoib-cni", SmallDaemonResources()}};
  return s;
}

}  // namespace network::states
