// The NetworkAttachmentDefinition content of a secondary-network resource:
// its namespace, the CNI configuration JSON (the same JSON upstream's
// operator produces, in compact form) and the device-plugin resource name.
// Pure: validated from the resource's spec, without the API server.
#ifndef OPERATORS_NETWORK_NETWORKS_CNI_CONFIG_H_
#define OPERATORS_NETWORK_NETWORKS_CNI_CONFIG_H_

#include <string>

#include <nlohmann/json.hpp>

#include "kube/status.h"
#include "network_kind.h"

namespace network {

struct AttachmentSpec {
  std::string namespace_;
  std::string name;
  std::string config;         // CNI configuration JSON text
  std::string resource_name;  // k8s.v1.cni.cncf.io/resourceName, host-device only
};

// Invalid input gives a Status of code Invalid whose message names the field.
kube::Result<AttachmentSpec> RenderAttachment(const NetworkKind& kind, const nlohmann::json& network);

}  // namespace network

#endif  // OPERATORS_NETWORK_NETWORKS_CNI_CONFIG_H_
