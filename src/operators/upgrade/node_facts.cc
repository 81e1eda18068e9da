#include "node_facts.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include <nlohmann/json.hpp>

#include "readiness.h"

namespace upgrade {
namespace {

using nlohmann::json;

const json& At(const json& j, const char* key) {
  static const json kNull;
  return j.is_object() && j.contains(key) ? j[key] : kNull;
}

std::string Text(const json& map, const std::string& key) {
  if (!map.is_object()) return "";
  auto it = map.find(key);
  return it != map.end() && it->is_string() ? it->get<std::string>() : "";
}

std::optional<int64_t> Epoch(const json& annotations, const std::string& key) {
  const std::string s = Text(annotations, key);
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// The owner reference marked controller, or null.
const json* Controller(const json& meta) {
  const json& owners = At(meta, "ownerReferences");
  if (!owners.is_array()) return nullptr;
  for (const auto& o : owners) {
    if (At(o, "controller") == true) return &o;
  }
  return nullptr;
}

bool Terminating(const json& pod) {
  const json& meta = At(pod, "metadata");
  return meta.is_object() && meta.contains("deletionTimestamp") && !meta["deletionTimestamp"].is_null();
}

}  // namespace

NodeFacts NodeFactsOf(const json& node, const UpgradeKeys& keys) {
  const json& meta = At(node, "metadata");
  const json& labels = At(meta, "labels");
  const json& annotations = At(meta, "annotations");
  NodeFacts n;
  n.name = Text(meta, "name");
  n.state = ParseState(Text(labels, keys.state_label)).value_or(UpgradeState::kUnknown);
  n.skip = Text(labels, keys.skip_label) == "true";
  n.unschedulable = At(At(node, "spec"), "unschedulable") == true;
  n.ready = false;
  const json& conditions = At(At(node, "status"), "conditions");
  if (conditions.is_array()) {
    for (const auto& c : conditions) {
      if (Text(c, "type") == "Ready") n.ready = Text(c, "status") == "True";
    }
  }
  n.safe_load = annotations.is_object() && annotations.contains(keys.safe_load_annotation);
  n.requested = Text(annotations, keys.requested_annotation) == "true";
  n.initially_unschedulable = Text(annotations, keys.initial_unschedulable_annotation) == "true";
  n.failure_reason = Text(annotations, keys.failure_annotation);
  n.wait_started = Epoch(annotations, keys.wait_start_annotation);
  n.eviction_started = Epoch(annotations, keys.eviction_start_annotation);
  n.validation_started = Epoch(annotations, keys.validation_start_annotation);
  return n;
}

DriverPodFacts DriverPodFactsOf(const json& pod, const std::string& newest_revision) {
  DriverPodFacts p;
  if (!pod.is_object()) return p;
  const json& meta = At(pod, "metadata");
  p.exists = true;
  p.in_sync = !newest_revision.empty() && Text(At(meta, "labels"), "controller-revision-hash") == newest_revision;
  p.terminating = Terminating(pod);
  p.ready = operators::PodReady(pod);
  for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
    const json& statuses = At(At(pod, "status"), list);
    if (!statuses.is_array()) continue;
    for (const auto& c : statuses) {
      p.restarts = std::max(p.restarts, At(c, "restartCount").is_number_integer() ? At(c, "restartCount").get<int>() : 0);
    }
  }
  return p;
}

bool Active(const json& pod) {
  const std::string phase = Text(At(pod, "status"), "phase");
  return phase != "Succeeded" && phase != "Failed" && !Terminating(pod);
}

bool UsesGpus(const json& pod) {
  if (!Active(pod)) return false;
  for (const char* list : {"initContainers", "containers"}) {
    const json& containers = At(At(pod, "spec"), list);
    if (!containers.is_array()) continue;
    for (const auto& c : containers) {
      for (const char* kind : {"limits", "requests"}) {
        const json& resources = At(At(c, "resources"), kind);
        if (!resources.is_object()) continue;
        for (const auto& [name, quantity] : resources.items()) {
          if (StartsWith(name, "nvidia.com/gpu") || StartsWith(name, "nvidia.com/mig-")) return true;
        }
      }
    }
  }
  return false;
}

bool Removable(const json& pod) {
  if (!Active(pod)) return false;
  const json& meta = At(pod, "metadata");
  if (At(meta, "annotations").is_object() && At(meta, "annotations").contains("kubernetes.io/config.mirror")) return false;
  const json* controller = Controller(meta);
  return controller == nullptr || Text(*controller, "kind") != "DaemonSet";
}

bool Drainable(const json& pod, const UpgradeKeys& keys) {
  return Removable(pod) && Text(At(At(pod, "metadata"), "labels"), keys.drain_skip_label) != "true";
}

std::string RemovalRefused(const json& pod, const RemovalRules& rules) {
  const json& meta = At(pod, "metadata");
  const std::string name = Text(meta, "namespace") + "/" + Text(meta, "name");
  if (!rules.force && Controller(meta) == nullptr) {
    return "pod " + name + " has no controller to recreate it and force is off";
  }
  if (!rules.delete_empty_dir) {
    const json& volumes = At(At(pod, "spec"), "volumes");
    if (volumes.is_array()) {
      for (const auto& v : volumes) {
        if (v.is_object() && v.contains("emptyDir")) {
          return "pod " + name + " keeps data in an emptyDir volume and deleteEmptyDir is off";
        }
      }
    }
  }
  return "";
}

}  // namespace upgrade
