#include "nvidiadriver/nvidia_driver_status.h"

#include "condition.h"

namespace gpu {

using operators::MakeCondition;

std::string DriverOutcomeReason(DriverOutcome outcome) {
  switch (outcome) {
    case DriverOutcome::kNotReady:
      return "DriverNotReady";
    case DriverOutcome::kConflict:
      return "ConflictingNodeSelector";
    case DriverOutcome::kFailed:
      return "ReconcileFailed";
    case DriverOutcome::kDisabled:
      return "Disabled";
    case DriverOutcome::kReady:
      break;
  }
  return "";
}

nlohmann::json BuildNvidiaDriverStatus(const DriverStatusInput& in, const nlohmann::json& previous,
                                       const std::string& now) {
  nlohmann::json status = {{"namespace", in.namespace_}};
  nlohmann::json conditions = nlohmann::json::array();
  const std::string reason = DriverOutcomeReason(in.outcome);
  if (in.outcome == DriverOutcome::kReady) {
    const std::string message =
        in.message.empty() ? "All resources have been successfully reconciled" : in.message;
    status["state"] = "ready";
    conditions.push_back(MakeCondition("Ready", true, "Reconciled", message, in.generation, previous, now));
    conditions.push_back(MakeCondition("Error", false, "Ready", "", in.generation, previous, now));
  } else if (in.outcome == DriverOutcome::kDisabled) {
    status["state"] = "disabled";
    conditions.push_back(MakeCondition("Ready", false, reason, in.message, in.generation, previous, now));
    conditions.push_back(MakeCondition("Error", false, reason, "", in.generation, previous, now));
  } else {
    status["state"] = "notReady";
    conditions.push_back(MakeCondition("Ready", false, "Error", in.message, in.generation, previous, now));
    conditions.push_back(MakeCondition("Error", true, reason, in.message, in.generation, previous, now));
  }
  status["conditions"] = std::move(conditions);
  return status;
}

}  // namespace gpu
