// FieldMask: which fields of an object to keep in a cache.
//
// Large clusters make full-object caches expensive (the upstream GPU operator
// was OOM-killed by a cluster-wide pod cache). A mask keeps only the listed
// paths; metadata.name/namespace/uid/resourceVersion/generation/labels/
// ownerReferences/deletionTimestamp are always kept so the cache can index.
#ifndef KUBE_FIELD_MASK_H_
#define KUBE_FIELD_MASK_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kube {

class FieldMask {
 public:
  // Paths are dot-separated: "spec.nodeName", "status.conditions", "metadata.annotations".
  explicit FieldMask(const std::vector<std::string>& paths);

  // Keeps the field at `path`, given as its parts: for keys that hold dots, such as one
  // annotation ({"metadata", "annotations", "example.com/key"}).
  FieldMask& Keep(const std::vector<std::string>& path);

  // True when the whole subtree below this node is kept.
  bool keeps_all() const { return keep_all_; }
  // The mask for a child field, or nullptr when the field is dropped.
  const FieldMask* Child(const std::string& field) const;

  // An empty mask keeps nothing.
  FieldMask() = default;

  // Always-kept metadata plus `paths`.
  static FieldMask WithMetadata(const std::vector<std::string>& paths);

 private:
  void Add(const std::string& path);

  bool keep_all_ = false;
  std::map<std::string, std::unique_ptr<FieldMask>, std::less<>> children_;
};

}  // namespace kube

#endif  // KUBE_FIELD_MASK_H_
