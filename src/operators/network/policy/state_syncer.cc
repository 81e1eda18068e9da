#include "state_syncer.h"

#include <algorithm>

#include "readiness.h"
#include "revision.h"

namespace network {

std::vector<kube::Resource> StateResources() {
  namespace r = kube::resources;
  return {r::ServiceAccounts(),
          r::ConfigMaps(),
          r::DaemonSets(),
          r::Deployments(),
          r::Services(),
          {"", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true},
          r::ClusterRoles(),
          r::ClusterRoleBindings(),
          r::Roles(),
          r::RoleBindings(),
          r::CustomResourceDefinitions()};
}

StateSyncer::StateSyncer(kube::Client& client, const ManagedKinds& kinds, std::string field_manager)
    : client_(client),
      kinds_(kinds),
      objects_(client, kinds, {std::move(field_manager), kStateLabel, "network-operator", kRevisionAnnotation}) {}

std::string StateSyncer::LiveDriverImage(const std::string& ns, const std::string& daemonset) const {
  const auto* kind = kinds_.Find("apps/v1", "DaemonSet");
  if (kind == nullptr) return "";
  kube::ObjectPtr live = kind->second->store().Get(ns + "/" + daemonset);
  if (!live) return "";
  const nlohmann::json& tree = live->Tree();
  const nlohmann::json::json_pointer containers("/spec/template/spec/containers");
  if (!tree.contains(containers) || !tree.at(containers).is_array()) return "";
  for (const auto& c : tree.at(containers)) {
    if (c.is_object() && c.value("name", "") == "mofed-container") return c.value("image", "");
  }
  return "";
}

StateReport StateSyncer::Sync(const StateDefinition& state, const Owner& owner, const nlohmann::json& spec,
                              const OperandSettings& settings, const std::vector<NodeLabels>& nodes) {
  const std::string& ns = settings.namespace_;
  const kube::Object& policy = owner.policy;
  StateReport report{state.name, state.condition_type, SyncState::kIgnore, ""};
  const nlohmann::json::json_pointer pointer(state.section);
  const bool configured = spec.contains(pointer) && spec.at(pointer).is_object();
  if (!configured) {
    auto remaining = objects_.DeleteStale(state.name, policy.meta().uid, {});
    if (!remaining.ok()) return {state.name, state.condition_type, SyncState::kError, remaining.status().message()};
    if (*remaining > 0) {
      report.state = SyncState::kNotReady;
      report.message = "removing " + std::to_string(*remaining) + " objects";
    }
    return report;
  }

  std::string field = "spec" + state.section;
  std::replace(field.begin(), field.end(), '/', '.');
  RenderInputs in{spec, spec.at(pointer), field, ns, &nodes, owner.node_policy, owner.node_selector,
                  settings.ofed_init_image,
                  [this](const std::string& cm_ns, const std::string& name) -> kube::Result<nlohmann::json> {
                    auto cm = client_.Get(kube::resources::ConfigMaps(), cm_ns, name);
                    if (!cm.ok()) return cm.status();
                    return cm->Tree().value("data", nlohmann::json::object());
                  },
                  settings.driver_tags,
                  [this, &ns](const std::string& daemonset) { return LiveDriverImage(ns, daemonset); }};
  auto rendered = RenderState(state, in);
  if (!rendered.ok()) {
    // Unavailable: an answer the state needs is still out (the registry's); nothing is applied.
    const bool waiting = rendered.status().code() == kube::Code::kUnavailable;
    return {state.name, state.condition_type, waiting ? SyncState::kNotReady : SyncState::kError,
            rendered.status().message()};
  }
  std::vector<nlohmann::json>* objects = &rendered->objects;

  // Check every object is of a managed kind before applying any: nothing half-applied.
  if (kube::Status s = objects_.CheckKinds(*objects); !s.ok()) {
    return {state.name, state.condition_type, SyncState::kError, s.message()};
  }
  const operators::Owner owner_ref{"mellanox.com/v1alpha1", owner.kind, policy.name(), policy.meta().uid};
  std::vector<std::string> keep;
  std::vector<std::string> waiting;
  std::vector<std::string> notes;
  for (auto& obj : *objects) {
    std::string identity;
    auto live = objects_.Apply(std::move(obj), owner_ref, state.name, ns, &identity);
    if (!live.ok()) {
      return {state.name, state.condition_type,
              live.status().code() == kube::Code::kInvalid ? SyncState::kError : SyncState::kNotReady,
              live.status().message()};
    }
    keep.push_back(identity);
    operators::Readiness r = operators::ObjectReadiness(*live);
    if (!r.ready) waiting.push_back(r.message);
    else if (!r.message.empty()) notes.push_back(r.message);
  }
  auto remaining = objects_.DeleteStale(state.name, policy.meta().uid, keep);
  if (!remaining.ok()) return {state.name, state.condition_type, SyncState::kError, remaining.status().message()};
  if (*remaining > 0) waiting.push_back("removing " + std::to_string(*remaining) + " objects");
  if (!rendered->pending.empty()) waiting.push_back(rendered->pending);
  if (!rendered->note.empty()) notes.push_back(rendered->note);

  auto join = [](const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
    return out;
  };
  report.state = waiting.empty() ? SyncState::kReady : SyncState::kNotReady;
  report.message = waiting.empty() ? join(notes) : join(waiting);
  return report;
}

}  // namespace network
