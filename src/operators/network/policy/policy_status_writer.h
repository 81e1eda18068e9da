// Writes a policy's status (NicClusterPolicy or NicNodePolicy) when it
// differs from the current one, and records an Event when the global state
// changes: Normal "Ready" or "StateChanged", Warning "StateError", with the
// states that are not ready and why.
#ifndef OPERATORS_NETWORK_POLICY_POLICY_STATUS_WRITER_H_
#define OPERATORS_NETWORK_POLICY_POLICY_STATUS_WRITER_H_

#include <string>

#include <nlohmann/json.hpp>

#include "kube/client.h"
#include "kube/event_recorder.h"

namespace network {

kube::Status WritePolicyStatus(kube::Client& client, kube::EventRecorder& recorder, const kube::Resource& resource,
                               const kube::Object& policy, const nlohmann::json& current,
                               const nlohmann::json& desired);

}  // namespace network

#endif  // OPERATORS_NETWORK_POLICY_POLICY_STATUS_WRITER_H_
