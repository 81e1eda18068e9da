#include "state_syncer.h"

#include <algorithm>

#include "kube/log.h"
#include "readiness.h"
#include "revision.h"

namespace network {
namespace {

std::string Identity(const std::string& api_version, const std::string& kind, const std::string& ns,
                     const std::string& name) {
  return api_version + "/" + kind + "/" + ns + "/" + name;
}

}  // namespace

void ManagedKinds::Add(const kube::Resource& resource, kube::Informer* informer) {
  kinds_[resource.ApiVersion() + "/" + resource.kind] = {resource, informer};
}

const std::pair<kube::Resource, kube::Informer*>* ManagedKinds::Find(const std::string& api_version,
                                                                     const std::string& kind) const {
  auto it = kinds_.find(api_version + "/" + kind);
  return it == kinds_.end() ? nullptr : &it->second;
}

std::vector<kube::Resource> StateResources() {
  return {{"", "v1", "serviceaccounts", "ServiceAccount", true},
          kube::resources::ConfigMaps(),
          kube::resources::DaemonSets(),
          kube::resources::Deployments(),
          {"", "v1", "services", "Service", true},
          {"", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true},
          {"rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false},
          {"rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false},
          {"rbac.authorization.k8s.io", "v1", "roles", "Role", true},
          {"rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true},
          kube::resources::CustomResourceDefinitions()};
}

kube::Result<int> StateSyncer::DeleteStale(const StateDefinition& state, const kube::Object& policy,
                                           const std::vector<std::string>& keep) {
  int remaining = 0;
  for (const auto& [key, entry] : kinds_.all()) {
    const auto& [resource, informer] = entry;
    for (const auto& obj : informer->store().ByIndex(kube::Store::kOwnerIndex, policy.meta().uid)) {
      auto labels = obj->Labels();
      auto it = labels.find(kStateLabel);
      if (it == labels.end() || it->second != state.name) continue;
      const std::string id = Identity(resource.ApiVersion(), resource.kind, obj->namespace_(), obj->name());
      if (std::find(keep.begin(), keep.end(), id) != keep.end()) continue;
      ++remaining;
      if (obj->meta().deleting) continue;
      kube::DeleteOptions opts;
      opts.precondition_uid = obj->meta().uid;
      opts.propagation_policy = "Background";
      kube::Status s = client_.Delete(resource, obj->namespace_(), obj->name(), opts);
      if (!s.ok() && !kube::IsNotFound(s)) return s.WithContext("deleting " + resource.kind + " " + obj->name());
      kube::log::Info("deleted object the state no longer renders",
                      {{"state", state.name}, {"kind", resource.kind}, {"name", obj->Key()}});
    }
  }
  return remaining;
}

StateReport StateSyncer::Sync(const StateDefinition& state, const Owner& owner, const nlohmann::json& spec,
                              const std::string& ns, const std::vector<NodeLabels>& nodes) {
  const kube::Object& policy = owner.policy;
  StateReport report{state.name, state.condition_type, SyncState::kIgnore, ""};
  const nlohmann::json::json_pointer pointer(state.section);
  const bool configured = spec.contains(pointer) && spec.at(pointer).is_object();
  if (!configured) {
    auto remaining = DeleteStale(state, policy, {});
    if (!remaining.ok()) return {state.name, state.condition_type, SyncState::kError, remaining.status().message()};
    if (*remaining > 0) {
      report.state = SyncState::kNotReady;
      report.message = "removing " + std::to_string(*remaining) + " objects";
    }
    return report;
  }

  std::string field = "spec" + state.section;
  std::replace(field.begin(), field.end(), '/', '.');
  RenderInputs in{spec, spec.at(pointer), field, ns, &nodes, owner.node_policy, owner.node_selector};
  auto rendered = RenderState(state, in);
  if (!rendered.ok()) return {state.name, state.condition_type, SyncState::kError, rendered.status().message()};
  std::vector<nlohmann::json>* objects = &rendered->objects;

  // Check every object is of a managed kind before applying any: nothing half-applied.
  for (const auto& obj : *objects) {
    if (!kinds_.Find(obj.value("apiVersion", ""), obj.value("kind", ""))) {
      return {state.name, state.condition_type, SyncState::kError,
              "template renders an unmanaged kind " + obj.value("kind", "")};
    }
  }
  std::vector<std::string> keep;
  std::vector<std::string> waiting;
  std::vector<std::string> notes;
  for (auto& obj : *objects) {
    const auto* entry = kinds_.Find(obj["apiVersion"], obj["kind"]);
    const kube::Resource& resource = entry->first;
    auto& md = obj["metadata"];
    md["labels"][kStateLabel] = state.name;
    md["labels"]["app.kubernetes.io/managed-by"] = "network-operator";
    md["ownerReferences"] = nlohmann::json::array({{{"apiVersion", "mellanox.com/v1alpha1"},
                                                    {"kind", owner.kind},
                                                    {"name", policy.name()},
                                                    {"uid", policy.meta().uid},
                                                    {"controller", true},
                                                    {"blockOwnerDeletion", true}}});
    const std::string revision = Revision(obj);
    md["annotations"][kRevisionAnnotation] = revision;
    const std::string obj_ns = resource.namespaced ? md.value("namespace", ns) : "";
    keep.push_back(Identity(resource.ApiVersion(), resource.kind, obj_ns, md.value("name", "")));

    kube::ObjectPtr live = entry->second->store().Get(kube::ObjectKey(obj_ns, md.value("name", "")));
    nlohmann::json live_tree = live ? live->Tree() : nlohmann::json();
    const bool current = live && live_tree["metadata"].value("annotations", nlohmann::json::object())
                                         .value(kRevisionAnnotation, "") == revision;
    if (!current) {
      auto applied = client_.Apply(resource, obj, {field_manager_, true, ""});
      if (!applied.ok()) {
        return {state.name, state.condition_type,
                applied.status().code() == kube::Code::kInvalid ? SyncState::kError : SyncState::kNotReady,
                "applying " + resource.kind + " " + md.value("name", "") + ": " + applied.status().message()};
      }
      live_tree = applied->Tree();
    }
    Readiness r = ObjectReadiness(live_tree);
    if (!r.ready) waiting.push_back(r.message);
    else if (!r.message.empty()) notes.push_back(r.message);
  }
  auto remaining = DeleteStale(state, policy, keep);
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
