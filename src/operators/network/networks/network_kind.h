// NetworkKind: what differs between MacvlanNetwork, HostDeviceNetwork and
// IPoIBNetwork; everything else about them is handled by one reconciler.
#ifndef OPERATORS_NETWORK_NETWORKS_NETWORK_KIND_H_
#define OPERATORS_NETWORK_NETWORKS_NETWORK_KIND_H_

#include <string>

#include "kube/resource.h"

namespace network {

struct NetworkKind {
  kube::Resource resource;
  std::string state_name;   // upstream's state name, also a label on the NAD
  std::string status_link;  // status field naming the NAD
  std::string cni_type;     // "macvlan", "host-device", "ipoib"
  // The annotation on the network recording its NAD's namespace, as upstream keeps it
  // (none for HostDeviceNetwork, as upstream).
  std::string namespace_annotation;
  // Whether the status lists the state in appliedStates, as upstream's HostDeviceNetwork does.
  bool applied_states = false;
};

NetworkKind MacvlanNetworkKind();
NetworkKind HostDeviceNetworkKind();
NetworkKind IPoIBNetworkKind();

// The NetworkAttachmentDefinition resource.
kube::Resource NetworkAttachmentDefinitions();

}  // namespace network

#endif  // OPERATORS_NETWORK_NETWORKS_NETWORK_KIND_H_
