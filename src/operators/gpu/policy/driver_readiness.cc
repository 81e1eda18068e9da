#include "driver_readiness.h"
#include "well_known_labels.h"

namespace gpu {
namespace {

int64_t Int(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

}  // namespace

operators::Readiness OnDeleteReadiness(const nlohmann::json& live, const std::vector<DriverPod>& pods,
                                       const std::string& newest) {
  const std::string name = "DaemonSet " + live["metadata"].value("name", "");
  const nlohmann::json status = live.value("status", nlohmann::json::object());
  if (Int(status, "observedGeneration") < Int(live["metadata"], "generation")) return {false, name + " is being updated"};
  const int64_t desired = Int(status, "desiredNumberScheduled");
  if (desired == 0) return {true, name + " targets no node"};
  if (Int(status, "numberUnavailable") != 0 || Int(status, "numberAvailable") < desired) {
    return {false, name + ": " + std::to_string(Int(status, "numberAvailable")) + " of " + std::to_string(desired) +
                       " pods available"};
  }
  if (newest.empty()) return {false, name + ": its revisions are not known yet"};
  int old = 0, unready = 0;
  for (const auto& pod : pods) {
    if (pod.revision != newest) ++old;
    else if (!pod.ready) ++unready;
  }
  if (old > 0) {
    return {false, name + ": " + std::to_string(old) + " of " + std::to_string(pods.size()) +
                       " pods run an older revision (OnDelete: they are replaced node by node)"};
  }
  if (unready > 0) {
    return {false, name + ": " + std::to_string(unready) + " of " + std::to_string(pods.size()) + " pods not ready"};
  }
  return {true, ""};
}

std::string NewestRevisionHash(const kube::Informer& revisions, const std::string& uid) {
  std::string newest;
  int64_t newest_revision = -1;
  for (const auto& rev : revisions.store().ByIndex(kube::Store::kOwnerIndex, uid)) {
    const nlohmann::json tree = rev->Tree();
    const int64_t r = Int(tree, "revision");
    if (r > newest_revision) {
      newest_revision = r;
      newest = tree["metadata"].value("labels", nlohmann::json::object()).value(operators::kControllerRevisionHashLabel, "");
    }
  }
  return newest;
}

operators::Readiness DriverDaemonSetReadiness(const nlohmann::json& live, const kube::Informer& pod_informer,
                                              const kube::Informer& revisions) {
  const std::string uid = live["metadata"].value("uid", "");
  const std::string newest = NewestRevisionHash(revisions, uid);
  std::vector<DriverPod> pods;
  for (const auto& pod : pod_informer.store().ByIndex(kube::Store::kOwnerIndex, uid)) {
    const nlohmann::json tree = pod->Tree();
    pods.push_back({pod->name(),
                    tree["metadata"].value("labels", nlohmann::json::object()).value(operators::kControllerRevisionHashLabel, ""),
                    operators::PodReady(tree)});
  }
  return OnDeleteReadiness(live, pods, newest);
}

}  // namespace gpu
