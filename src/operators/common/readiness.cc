#include "readiness.h"

namespace operators {
namespace {

int64_t Int(const nlohmann::json& j, const char* key, int64_t fallback = 0) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

std::string Name(const nlohmann::json& live) {
  return live["kind"].get<std::string>() + " " + live["metadata"].value("name", "");
}

}  // namespace

Readiness ObjectReadiness(const nlohmann::json& live) {
  const std::string kind = live.value("kind", "");
  const nlohmann::json status = live.value("status", nlohmann::json::object());
  const int64_t generation = Int(live["metadata"], "generation");
  if (kind == "DaemonSet") {
    if (Int(status, "observedGeneration") < generation) return {false, Name(live) + " is being updated"};
    const int64_t desired = Int(status, "desiredNumberScheduled");
    const int64_t available = Int(status, "numberAvailable");
    const int64_t updated = Int(status, "updatedNumberScheduled");
    if (desired == 0) return {true, Name(live) + " targets no node"};
    if (desired == available && updated == available) return {true, ""};
    return {false, Name(live) + ": " + std::to_string(available) + " of " + std::to_string(desired) +
                       " pods available, " + std::to_string(updated) + " updated"};
  }
  if (kind == "Deployment") {
    if (Int(status, "observedGeneration") < generation) return {false, Name(live) + " is being updated"};
    const int64_t wanted = Int(live.value("spec", nlohmann::json::object()), "replicas", 1);
    const int64_t available = Int(status, "availableReplicas");
    const int64_t updated = Int(status, "updatedReplicas");
    if (available >= wanted && updated >= wanted) return {true, ""};
    return {false, Name(live) + ": " + std::to_string(available) + " of " + std::to_string(wanted) +
                       " replicas available"};
  }
  return {true, ""};
}

bool PodReady(const nlohmann::json& pod) {
  const nlohmann::json status = pod.value("status", nlohmann::json::object());
  if (status.value("phase", "") != "Running") return false;
  const nlohmann::json containers = status.value("containerStatuses", nlohmann::json::array());
  if (containers.empty()) return false;
  for (const auto& c : containers) {
    if (!c.value("ready", false)) return false;
  }
  return true;
}

}  // namespace operators
