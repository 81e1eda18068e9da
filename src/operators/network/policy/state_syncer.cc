#include "state_syncer.h"

#include <algorithm>

#include "apply_state.h"
#include "image_registry.h"
#include "network_labels.h"

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

nlohmann::json MirroredSpec(const nlohmann::json& policy_spec, const OperandSettings& settings) {
  // The registry override reaches every image the states render, and the tags asked of registries.
  if (settings.image_registry.empty()) return policy_spec;
  return operators::WithRegistryInRepositories(policy_spec, settings.image_registry);
}

StateReport StateSyncer::Sync(const StateDefinition& state, const Owner& owner, const nlohmann::json& spec,
                              const OperandSettings& settings, const std::vector<NodeLabels>& nodes) {
  const std::string& ns = settings.namespace_;
  const kube::Object& policy = owner.policy;
  const operators::Owner owner_ref{"mellanox.com/v1alpha1", owner.kind, policy.name(), policy.meta().uid};
  const nlohmann::json::json_pointer pointer(state.section);
  const bool configured = spec.contains(pointer) && spec.at(pointer).is_object();
  operators::StateObjects desired{state.name, {}, {}, {}};
  if (configured) {
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
                    [this, &ns](const std::string& daemonset) { return LiveDriverImage(ns, daemonset); },
                    settings.cni_bin_dir, settings.cni_network_dir};
    auto rendered = RenderState(state, in);
    if (!rendered.ok()) {
      // Unavailable: an answer the state needs is still out (the registry's); nothing is applied.
      const bool waiting = rendered.status().code() == kube::Code::kUnavailable;
      return {state.name, state.condition_type, waiting ? SyncState::kNotReady : SyncState::kError,
              rendered.status().message()};
    }
    desired.objects = std::move(rendered->objects);
    desired.waiting.push_back(rendered->pending);
    desired.notes.push_back(rendered->note);
  }
  const operators::StateProgress progress = operators::ApplyState(objects_, owner_ref, ns, std::move(desired));
  if (!progress.error.ok()) {
    // A refused object or template is the state's error; anything else passes.
    const bool invalid = progress.error.code() == kube::Code::kInvalid;
    return {state.name, state.condition_type, invalid ? SyncState::kError : SyncState::kNotReady,
            progress.error.message()};
  }
  // A state whose section is unset is ignored once its objects are gone.
  const SyncState outcome = !progress.ready ? SyncState::kNotReady : configured ? SyncState::kReady : SyncState::kIgnore;
  return {state.name, state.condition_type, outcome, progress.message};
}

}  // namespace network
