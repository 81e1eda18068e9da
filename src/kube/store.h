// Store: a thread-safe, indexed cache of objects keyed "namespace/name".
//
// Indexes map an object to index values (its namespace, its controller
// owner's uid, or anything a caller defines) so lookups by those values need
// no scan. Replace() swaps in a full relist and reports exactly what changed,
// so consumers see no duplicate and no lost events across relists.
#ifndef KUBE_STORE_H_
#define KUBE_STORE_H_

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "kube/object.h"

namespace kube {

class Store {
 public:
  using IndexFunc = std::function<std::vector<std::string>(const Object&)>;

  struct Delta {
    std::vector<ObjectPtr> added;
    std::vector<std::pair<ObjectPtr, ObjectPtr>> updated;  // (old, new)
    std::vector<ObjectPtr> deleted;
  };

  Store();

  // Adds an index; objects already stored are indexed too.
  void AddIndex(const std::string& name, IndexFunc fn);

  // Inserts or replaces; returns the previous object or nullptr.
  ObjectPtr Upsert(ObjectPtr object);
  // Removes by key; returns the removed object or nullptr.
  ObjectPtr Remove(const std::string& key);
  // Replaces the whole content with `objects`; objects whose resourceVersion
  // is unchanged are neither added nor updated.
  Delta Replace(std::vector<ObjectPtr> objects);

  ObjectPtr Get(const std::string& key) const;
  std::vector<ObjectPtr> List() const;
  std::vector<ObjectPtr> ByIndex(const std::string& index, const std::string& value) const;
  size_t size() const;

  static constexpr const char* kNamespaceIndex = "namespace";
  static constexpr const char* kOwnerIndex = "owner-uid";  // controller owner's uid

 private:
  struct Index {
    IndexFunc fn;
    std::unordered_map<std::string, std::set<std::string>> keys_by_value;
  };
  void IndexLocked(const ObjectPtr& obj);
  void UnindexLocked(const ObjectPtr& obj);

  mutable std::mutex mu_;
  std::unordered_map<std::string, ObjectPtr> items_;
  std::map<std::string, Index> indexes_;
};

}  // namespace kube

#endif  // KUBE_STORE_H_
