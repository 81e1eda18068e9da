#include "owned_objects.h"

#include <algorithm>

#include "fnv_hash.h"
#include "kube/log.h"
#include "well_known_labels.h"

namespace operators {
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

kube::Status OwnedObjects::CheckKinds(const std::vector<nlohmann::json>& objects) const {
  for (const auto& obj : objects) {
    if (!kinds_.Find(obj.value("apiVersion", ""), obj.value("kind", ""))) {
      return kube::Status(kube::Code::kInvalid, "template renders an unmanaged kind " + obj.value("kind", ""));
    }
  }
  return kube::Status::Ok();
}

kube::Result<nlohmann::json> OwnedObjects::Apply(nlohmann::json obj, const Owner& owner, const std::string& state,
                                                 const std::string& default_namespace, std::string* identity) {
  const auto* entry = kinds_.Find(obj.value("apiVersion", ""), obj.value("kind", ""));
  if (!entry) return kube::Status(kube::Code::kInvalid, "template renders an unmanaged kind " + obj.value("kind", ""));
  const kube::Resource& resource = entry->first;
  auto& md = obj["metadata"];
  md["labels"][options_.state_label] = state;
  md["labels"][kManagedByLabel] = options_.managed_by;
  md["ownerReferences"] = nlohmann::json::array({{{"apiVersion", owner.api_version},
                                                  {"kind", owner.kind},
                                                  {"name", owner.name},
                                                  {"uid", owner.uid},
                                                  {"controller", true},
                                                  {"blockOwnerDeletion", true}}});
  if (resource.namespaced && !md.contains("namespace")) md["namespace"] = default_namespace;
  if (!resource.namespaced) md.erase("namespace");
  const std::string revision = std::to_string(Fnv32(obj.dump()));
  md["annotations"][options_.revision_annotation] = revision;
  const std::string ns = resource.namespaced ? md["namespace"].get<std::string>() : "";
  const std::string name = md.value("name", "");
  if (identity) *identity = Identity(resource.ApiVersion(), resource.kind, ns, name);

  kube::ObjectPtr live = entry->second->store().Get(kube::ObjectKey(ns, name));
  if (live) {
    nlohmann::json tree = live->Tree();
    const auto& annotations = tree["metadata"].value("annotations", nlohmann::json::object());
    if (annotations.value(options_.revision_annotation, "") == revision) return tree;
  }
  auto applied = client_.Apply(resource, obj, {options_.field_manager, true, ""});
  if (!applied.ok()) return applied.status().WithContext("applying " + resource.kind + " " + name);
  return applied->Tree();
}

kube::Result<int> OwnedObjects::DeleteStale(const std::string& state, const std::string& owner_uid,
                                            const std::vector<std::string>& keep) {
  int remaining = 0;
  for (const auto& [key, entry] : kinds_.all()) {
    const auto& [resource, informer] = entry;
    for (const auto& obj : informer->store().ByIndex(kube::Store::kOwnerIndex, owner_uid)) {
      auto labels = obj->Labels();
      auto it = labels.find(options_.state_label);
      if (it == labels.end() || it->second != state) continue;
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
                      {{"state", state}, {"kind", resource.kind}, {"name", obj->Key()}});
    }
  }
  return remaining;
}

}  // namespace operators
