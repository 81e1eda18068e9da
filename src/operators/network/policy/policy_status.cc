#include "policy_status.h"

#include "condition.h"

namespace network {

const char* SyncStateName(SyncState state) {
  switch (state) {
    case SyncState::kReady: return "ready";
    case SyncState::kNotReady: return "notReady";
    case SyncState::kIgnore: return "ignore";
    case SyncState::kError: return "error";
  }
  return "error";
}

SyncState GlobalState(const std::vector<StateReport>& reports) {
  bool not_ready = false;
  for (const auto& r : reports) {
    if (r.state == SyncState::kError) return SyncState::kError;
    if (r.state == SyncState::kNotReady) not_ready = true;
  }
  return not_ready ? SyncState::kNotReady : SyncState::kReady;
}

using operators::MakeCondition;

nlohmann::json BuildPolicyStatus(const std::vector<StateReport>& reports, int64_t generation,
                                 const nlohmann::json& previous, const std::string& now) {
  nlohmann::json applied = nlohmann::json::array();
  nlohmann::json conditions = nlohmann::json::array();
  std::string not_ready, failed;
  for (const auto& r : reports) {
    nlohmann::json entry = {{"name", r.name}, {"state", SyncStateName(r.state)}};
    if (!r.message.empty()) entry["message"] = r.message;
    applied.push_back(entry);
    if (r.state == SyncState::kIgnore) continue;  // not configured: no condition
    const char* reason = r.state == SyncState::kReady      ? "ComponentReady"
                         : r.state == SyncState::kError    ? "ComponentError"
                                                           : "ComponentNotReady";
    conditions.push_back(MakeCondition(r.condition_type, r.state == SyncState::kReady, reason, r.message, generation,
                                   previous, now));
    if (r.state == SyncState::kError) failed += (failed.empty() ? "" : ", ") + r.name;
    if (r.state == SyncState::kNotReady) not_ready += (not_ready.empty() ? "" : ", ") + r.name;
  }
  const SyncState global = GlobalState(reports);
  if (global == SyncState::kReady) {
    conditions.push_back(MakeCondition("Ready", true, "AllComponentsReady", "",
                                   generation, previous, now));
  } else if (global == SyncState::kError) {
    conditions.push_back(MakeCondition("Ready", false, "ComponentError", "failed: " + failed, generation, previous, now));
  } else {
    conditions.push_back(MakeCondition("Ready", false, "ComponentsNotReady", "not ready: " + not_ready, generation,
                                   previous, now));
  }
  return {{"state", SyncStateName(global)},
          {"appliedStates", applied},
          {"conditions", conditions},
          {"observedGeneration", generation}};
}

nlohmann::json BuildBlockedStatus(const std::string& reason, int64_t generation, const nlohmann::json& previous,
                                  const std::string& now) {
  nlohmann::json conditions = nlohmann::json::array();
  if (previous.is_object() && previous.contains("conditions") && previous["conditions"].is_array()) {
    for (const auto& c : previous["conditions"]) {
      if (c.value("type", "") != "Ready") conditions.push_back(c);
    }
  }
  conditions.push_back(MakeCondition("Ready", false, "PolicyConflict", reason, generation, previous, now));
  nlohmann::json status = {{"state", "error"},
                           {"reason", reason},
                           {"conditions", conditions},
                           {"observedGeneration", generation}};
  if (previous.is_object() && previous.contains("appliedStates")) status["appliedStates"] = previous["appliedStates"];
  return status;
}

}  // namespace network
