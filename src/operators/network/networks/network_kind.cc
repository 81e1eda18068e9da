#include "network_kind.h"

namespace network {

NetworkKind MacvlanNetworkKind() {
  return {{"mellanox.com", "v1alpha1", "macvlannetworks", "MacvlanNetwork", false},
          "state-Macvlan-Network", "macvlanNetworkAttachmentDef", "macvlan",
          "operator.macvlannetwork.mellanox.com/last-network-namespace"};
}

NetworkKind HostDeviceNetworkKind() {
  return {{"mellanox.com", "v1alpha1", "hostdevicenetworks", "HostDeviceNetwork", false},
          "state-host-device-network", "hostDeviceNetworkAttachmentDef", "host-device", "", true};
}

NetworkKind IPoIBNetworkKind() {
  return {{"mellanox.com", "v1alpha1", "ipoibnetworks", "IPoIBNetwork", false},
          "state-IPoIB-Network", "ipoibNetworkAttachmentDef", "ipoib",
          "operator.ipoibnetwork.mellanox.com/last-network-namespace"};
}

kube::Resource NetworkAttachmentDefinitions() {
  return {"k8s.cni.cncf.io", "v1", "network-attachment-definitions", "NetworkAttachmentDefinition", true};
}

}  // namespace network
