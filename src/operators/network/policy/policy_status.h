// The status of a NicClusterPolicy (or NicNodePolicy) from its states'
// results: `appliedStates` in state order, one `<Component>Ready` condition
// per configured component plus `Ready`, the global `state`, and
// `observedGeneration`. A condition keeps its lastTransitionTime while its
// status does not change, so an unchanged policy gets an identical status
// (and no write).
#ifndef OPERATORS_NETWORK_POLICY_POLICY_STATUS_H_
#define OPERATORS_NETWORK_POLICY_POLICY_STATUS_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace network {

enum class SyncState { kReady, kNotReady, kIgnore, kError };

// "ready", "notReady", "ignore", "error".
const char* SyncStateName(SyncState state);

struct StateReport {
  std::string name;            // "state-multus-cni"
  std::string condition_type;  // "MultusCNIReady"
  SyncState state = SyncState::kIgnore;
  std::string message;
};

// `previous` is the current status (or null); `now` an RFC 3339 time.
nlohmann::json BuildPolicyStatus(const std::vector<StateReport>& reports, int64_t generation,
                                 const nlohmann::json& previous, const std::string& now);

// The status of a policy that may not apply anything (a NicNodePolicy in conflict):
// `state: error`, the reason, a False Ready condition; the states' last reports are kept.
nlohmann::json BuildBlockedStatus(const std::string& reason, int64_t generation, const nlohmann::json& previous,
                                  const std::string& now);

// The global state: error when any state failed, notReady when any is not
// ready yet, else ready (ignored states count as fine).
SyncState GlobalState(const std::vector<StateReport>& reports);

}  // namespace network

#endif  // OPERATORS_NETWORK_POLICY_POLICY_STATUS_H_
