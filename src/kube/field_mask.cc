#include "kube/field_mask.h"

namespace kube {

FieldMask::FieldMask(const std::vector<std::string>& paths) {
  for (const auto& p : paths) Add(p);
}

void FieldMask::Add(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  Keep(parts);
}

FieldMask& FieldMask::Keep(const std::vector<std::string>& path) {
  FieldMask* node = this;
  for (const auto& part : path) {
    auto& child = node->children_[part];
    if (!child) child = std::make_unique<FieldMask>();
    node = child.get();
  }
  node->keep_all_ = true;
  return *this;
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
