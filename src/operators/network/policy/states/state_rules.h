// What several NicClusterPolicy states check or share: field errors, DNS names, device-plugin
// resource configs, and upstream's small-daemon resources. Stateless functions.
#ifndef OPERATORS_NETWORK_POLICY_STATES_STATE_RULES_H_
#define OPERATORS_NETWORK_POLICY_STATES_STATE_RULES_H_

#include <string>

#include <nlohmann/json.hpp>

#include "kube/status.h"
#include "state.h"

namespace network::states {

// Invalid, saying "<field>: <message>".
kube::Status Invalid(const std::string& field, const std::string& message);

// Dot-separated DNS-1123 labels, as domain names and Kubernetes object names are spelled
// (object names are also at most 253 characters).
bool IsDnsSubdomain(const std::string& name);

// A device plugin's config: JSON text holding an object with the array `list_key`, whose
// entries are objects that each name a resource. Returns the parsed config.
kube::Result<nlohmann::json> ParseResourceConfig(const RenderInputs& in, const std::string& list_key);

// Upstream's resources for the CNI installers: a tenth of a CPU and 50 MiB, guaranteed.
nlohmann::json SmallDaemonResources();

}  // namespace network::states

#endif  // OPERATORS_NETWORK_POLICY_STATES_STATE_RULES_H_
