// Which Event marks a change of a policy's status (NicClusterPolicy or
// NicNodePolicy): one per change of the global state, Normal "Ready" or
// "StateChanged", Warning "StateError", naming the states that are not
// ready and why. The policy reconcilers write status through
// kube::StatusWriter with this rule.
#ifndef OPERATORS_NETWORK_POLICY_POLICY_STATUS_WRITER_H_
#define OPERATORS_NETWORK_POLICY_POLICY_STATUS_WRITER_H_

#include <optional>

#include <nlohmann/json.hpp>

#include "kube/status_writer.h"

namespace network {

std::optional<kube::StatusEvent> PolicyStatusEvent(const nlohmann::json& previous, const nlohmann::json& desired);

}  // namespace network

#endif  // OPERATORS_NETWORK_POLICY_POLICY_STATUS_WRITER_H_
