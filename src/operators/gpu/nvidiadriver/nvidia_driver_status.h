// The status of an NVIDIADriver, as upstream writes it: `state`
// (ready/notReady/disabled), `namespace`, and the Ready and Error
// conditions. Not ready carries one of upstream's reasons:
// ConflictingNodeSelector, DriverNotReady (the message names the DaemonSets
// and how many pods lag) or ReconcileFailed (the message names the field).
#ifndef OPERATORS_GPU_NVIDIADRIVER_NVIDIA_DRIVER_STATUS_H_
#define OPERATORS_GPU_NVIDIADRIVER_NVIDIA_DRIVER_STATUS_H_

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace gpu {

enum class DriverOutcome { kReady, kNotReady, kConflict, kFailed, kDisabled };

struct DriverStatusInput {
  DriverOutcome outcome = DriverOutcome::kReady;
  std::string message;  // empty when ready: upstream's
  std::string namespace_;
  int64_t generation = 0;
};

// `previous` is the current status (or null); `now` an RFC 3339 time.
nlohmann::json BuildNvidiaDriverStatus(const DriverStatusInput& input, const nlohmann::json& previous,
                                       const std::string& now);

// The Error condition's reason for an outcome ("ConflictingNodeSelector"), or "" when none.
std::string DriverOutcomeReason(DriverOutcome outcome);

}  // namespace gpu

#endif  // OPERATORS_GPU_NVIDIADRIVER_NVIDIA_DRIVER_STATUS_H_
