#include "policy_status_writer.h"

namespace network {

std::optional<kube::StatusEvent> PolicyStatusEvent(const nlohmann::json& previous, const nlohmann::json& desired) {
  const std::string before = previous.is_object() ? previous.value("state", "") : "";
  const std::string after = desired.value("state", "");
  if (before == after) return std::nullopt;
  std::string message = "state " + after;
  if (desired.contains("reason")) message += ": " + desired.value("reason", "");
  for (const auto& s : desired.value("appliedStates", nlohmann::json::array())) {
    if (s.value("state", "") == "error" || s.value("state", "") == "notReady") {
      message += "; " + s.value("name", "") + ": " + s.value("state", "") +
                 (s.contains("message") ? " (" + s.value("message", "") + ")" : "");
    }
  }
  return kube::StatusEvent{after, after == "error", after == "error"   ? "StateError"
                                                    : after == "ready" ? "Ready"
                                                                       : "StateChanged",
                           message};
}

}  // namespace network
