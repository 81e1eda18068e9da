#include "kube/store.h"

namespace kube {

Store::Store() {
  AddIndex(kNamespaceIndex, [](const Object& o) { return std::vector<std::string>{o.namespace_()}; });
  AddIndex(kOwnerIndex, [](const Object& o) {
    const OwnerReference* owner = o.meta().ControllerOwner();
    return owner ? std::vector<std::string>{owner->uid} : std::vector<std::string>{};
  });
}

void Store::AddIndex(const std::string& name, IndexFunc fn) {
  std::lock_guard lock(mu_);
  auto& index = indexes_[name];
  index.fn = std::move(fn);
  index.keys_by_value.clear();
  for (const auto& [key, obj] : items_) {
    for (auto& v : index.fn(*obj)) index.keys_by_value[v].insert(key);
  }
}

void Store::IndexLocked(const ObjectPtr& obj) {
  const std::string key = obj->Key();
  for (auto& [name, index] : indexes_) {
    for (auto& v : index.fn(*obj)) index.keys_by_value[v].insert(key);
  }
}

void Store::UnindexLocked(const ObjectPtr& obj) {
  const std::string key = obj->Key();
  for (auto& [name, index] : indexes_) {
    for (auto& v : index.fn(*obj)) {
      auto it = index.keys_by_value.find(v);
      if (it == index.keys_by_value.end()) continue;
      it->second.erase(key);
      if (it->second.empty()) index.keys_by_value.erase(it);
    }
  }
}

ObjectPtr Store::Upsert(ObjectPtr object) {
  std::lock_guard lock(mu_);
  auto& slot = items_[object->Key()];
  ObjectPtr previous = std::move(slot);
  if (previous) UnindexLocked(previous);
  slot = std::move(object);
  IndexLocked(slot);
  return previous;
}

ObjectPtr Store::Remove(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = items_.find(key);
  if (it == items_.end()) return nullptr;
  ObjectPtr previous = std::move(it->second);
  items_.erase(it);
  UnindexLocked(previous);
  return previous;
}

Store::Delta Store::Replace(std::vector<ObjectPtr> objects) {
  std::lock_guard lock(mu_);
  Delta delta;
  std::unordered_map<std::string, ObjectPtr> next;
  next.reserve(objects.size());
  for (auto& obj : objects) {
    std::string key = obj->Key();
    auto old = items_.find(key);
    if (old == items_.end()) {
      delta.added.push_back(obj);
    } else if (old->second->resource_version() != obj->resource_version()) {
      delta.updated.emplace_back(old->second, obj);
    } else {
      obj = old->second;  // unchanged: keep the instance consumers already hold
    }
    next.emplace(std::move(key), std::move(obj));
  }
  for (const auto& [key, obj] : items_) {
    if (!next.count(key)) delta.deleted.push_back(obj);
  }
  items_ = std::move(next);
  for (auto& [name, index] : indexes_) index.keys_by_value.clear();
  for (const auto& [key, obj] : items_) IndexLocked(obj);
  return delta;
}

ObjectPtr Store::Get(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = items_.find(key);
  return it == items_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Store::List() const {
  std::lock_guard lock(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(items_.size());
  for (const auto& [key, obj] : items_) out.push_back(obj);
  return out;
}

std::vector<ObjectPtr> Store::ByIndex(const std::string& index, const std::string& value) const {
  std::lock_guard lock(mu_);
  std::vector<ObjectPtr> out;
  auto idx = indexes_.find(index);
  if (idx == indexes_.end()) return out;
  auto it = idx->second.keys_by_value.find(value);
  if (it == idx->second.keys_by_value.end()) return out;
  for (const auto& key : it->second) out.push_back(items_.at(key));
  return out;
}

size_t Store::size() const {
  std::lock_guard lock(mu_);
  return items_.size();
}

}  // namespace kube
