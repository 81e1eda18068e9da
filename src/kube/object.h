// Object: one Kubernetes object as the runtime holds it.
//
// The object's metadata is decoded into a small struct for indexing and
// routing; the object itself is kept as compact (minified) JSON text, which
// costs about its wire size, instead of a tree of nodes that costs several
// times more. Code that needs fields parses the text on demand.
#ifndef KUBE_OBJECT_H_
#define KUBE_OBJECT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kube/status.h"

namespace kube {

struct OwnerReference {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string uid;
  bool controller = false;
};

struct ObjectMeta {
  std::string name;
  std::string namespace_;
  std::string uid;
  std::string resource_version;
  int64_t generation = 0;
  bool deleting = false;  // deletionTimestamp is set
  // A fingerprint of the labels, to notice label changes without holding them
  // twice (Object::Labels() reads them from the object's JSON).
  uint64_t labels_hash = 0;
  std::vector<OwnerReference> owner_references;

  // The owner reference with controller: true, or nullptr.
  const OwnerReference* ControllerOwner() const;
};

class Object {
 public:
  Object() = default;
  Object(ObjectMeta meta, std::string json) : meta_(std::move(meta)), json_(std::move(json)) {}

  // Decodes metadata from JSON text and keeps the text as given.
  static Result<Object> FromJson(std::string json);
  // Serializes a JSON tree compactly and decodes its metadata.
  static Result<Object> FromTree(const nlohmann::json& tree);

  const ObjectMeta& meta() const { return meta_; }
  const std::string& name() const { return meta_.name; }
  const std::string& namespace_() const { return meta_.namespace_; }
  const std::string& resource_version() const { return meta_.resource_version; }
  // "namespace/name", or "name" for cluster-scoped objects.
  std::string Key() const;

  const std::string& json() const { return json_; }
  // Ok, or InvalidArgument when the object is nested deeper than kMaxNestingDepth (a
  // free-form field can be): a reconciler checks it first and reports the object as bad.
  [[nodiscard]] Status CheckNesting() const;
  // Parses the JSON text into a tree (allocates; for code paths that edit or read many fields).
  // An object that fails CheckNesting gives a discarded value, whose use throws: the work is
  // refused (and retried) rather than done on a tree that is not the object.
  nlohmann::json Tree() const;
  // The member at `pointer` (e.g. "/status") as a tree, null when absent: its depth is checked
  // on its own, so the status of an object whose spec is too deep can still be read.
  [[nodiscard]] Result<nlohmann::json> MemberTree(std::string_view pointer) const;
  // The status, read on its own (MemberTree): {} when there is none or it cannot be read.
  nlohmann::json StatusTree() const;
  // metadata.creationTimestamp (RFC 3339), read on its own; empty when absent.
  std::string CreationTimestamp() const;
  // metadata.labels, read from the JSON text.
  std::map<std::string, std::string> Labels() const;

 private:
  ObjectMeta meta_;
  std::string json_;
};

using ObjectPtr = std::shared_ptr<const Object>;

// "namespace/name" or "name".
std::string ObjectKey(std::string_view ns, std::string_view name);

}  // namespace kube

#endif  // KUBE_OBJECT_H_
