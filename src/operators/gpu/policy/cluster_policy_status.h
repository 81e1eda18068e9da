// The status of a ClusterPolicy, as upstream writes it: `state`
// (ready/notReady/ignored), `namespace`, and the Ready and Error conditions
// with upstream's reasons. Messages name the states that are not ready and
// why (which DaemonSet, how many nodes), not just the state names.
#ifndef OPERATORS_GPU_POLICY_CLUSTER_POLICY_STATUS_H_
#define OPERATORS_GPU_POLICY_CLUSTER_POLICY_STATUS_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace gpu {

enum class StateOutcome { kReady, kNotReady, kDisabled, kError };

struct StateResult {
  std::string name;  // "state-driver"
  StateOutcome outcome = StateOutcome::kDisabled;
  std::string message;
};

struct StatusContext {
  std::string namespace_;
  int64_t generation = 0;
  std::string ready_reason = "Reconciled";  // or NoGPUNodes, NFDLabelsMissing
  std::string ready_message;                // empty: upstream's
  std::string failure;                      // non-empty: nothing could be reconciled (a bad spec)
};

// `previous` is the current status (or null); `now` an RFC 3339 time.
nlohmann::json BuildClusterPolicyStatus(const std::vector<StateResult>& results, const StatusContext& context,
                                        const nlohmann::json& previous, const std::string& now);

// The status of a ClusterPolicy that is not the effective one.
nlohmann::json BuildIgnoredStatus(const std::string& effective, const StatusContext& context,
                                  const nlohmann::json& previous, const std::string& now);

}  // namespace gpu

#endif  // OPERATORS_GPU_POLICY_CLUSTER_POLICY_STATUS_H_
