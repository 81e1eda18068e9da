#include "kube/field_mask.h"

namespace kube {

FieldMask::FieldMask(const std::vector<std::string>& paths) {
  for (const auto& p : paths) Add(p);
}

void FieldMask::Add(const std::string& path) {
  FieldMask* node = this;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    auto& child = node->children_[part];
    if (!child) child = std::make_unique<FieldMask>();
    node = child.get();
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  node->keep_all_ = true;
}

const FieldMask* FieldMask::Child(const std::string& field) const {
  auto it = children_.find(field);
  return it == children_.end() ? nullptr : it->second.get();
}

FieldMask FieldMask::WithMetadata(const std::vector<std::string>& paths) {
  std::vector<std::string> all = {
      "apiVersion", "kind", "metadata.name", "metadata.namespace", "metadata.uid",
      "metadata.resourceVersion", "metadata.generation", "metadata.labels",
      "metadata.ownerReferences", "metadata.deletionTimestamp"};
  all.insert(all.end(), paths.begin(), paths.end());
  return FieldMask(all);
}

}  // namespace kube
