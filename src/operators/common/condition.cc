#include "condition.h"

namespace operators {

nlohmann::json MakeCondition(const std::string& type, bool ok, const std::string& reason, const std::string& message,
                             int64_t generation, const nlohmann::json& previous, const std::string& now) {
  const std::string status = ok ? "True" : "False";
  std::string transition = now;
  if (previous.is_object() && previous.contains("conditions") && previous["conditions"].is_array()) {
    for (const auto& c : previous["conditions"]) {
      if (c.value("type", "") == type && c.value("status", "") == status) {
        transition = c.value("lastTransitionTime", now);
      }
    }
  }
  return {{"type", type},       {"status", status},   {"reason", reason},
          {"message", message}, {"observedGeneration", generation}, {"lastTransitionTime", transition}};
}

}  // namespace operators
