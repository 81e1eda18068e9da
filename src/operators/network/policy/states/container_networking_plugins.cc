// state-container-networking-plugins: the reference CNI plugins (macvlan, host-device, ...) installed on every node.
#include "states/states.h"

#include "states/state_rules.h"

namespace network::states {

StateDefinition ContainerNetworkingPlugins() {
  StateDefinition s;
  s.name = "state-container-networking-plugins";
  s.manifests = "network-operator/state-container-networking-plugins";
  s.kinds = {"DaemonSet"};
  s.condition_type = "CNIPluginsReady";
  s.section = "/secondaryNetwork/cniPlugins";
  s.containers = {"cni-plugins"};
  s.default_resources = {{"cni-plugins", SmallDaemonResources()}};
  return s;
}

}  // namespace network::states
