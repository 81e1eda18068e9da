// OwnedObjects: applies the objects an operator renders for one state of one
// owner (a policy), and removes the ones it rendered before but no longer
// does.
//
// Each object gets the state label, the owner as controller and a revision
// annotation (a hash of the desired object); it is applied (server-side)
// only when the cached live object carries another revision, so an owner at
// rest costs no writes. Stale objects are found in the informers of the
// managed kinds by the owner index and the state label.
#ifndef OPERATORS_COMMON_OWNED_OBJECTS_H_
#define OPERATORS_COMMON_OWNED_OBJECTS_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/client.h"
#include "kube/informer.h"

namespace operators {

// The kinds states create, each with an informer on objects carrying the state label.
class ManagedKinds {
 public:
  void Add(const kube::Resource& resource, kube::Informer* informer);
  // nullptr for a kind no state may create.
  const std::pair<kube::Resource, kube::Informer*>* Find(const std::string& api_version, const std::string& kind) const;
  const std::map<std::string, std::pair<kube::Resource, kube::Informer*>>& all() const { return kinds_; }

 private:
  std::map<std::string, std::pair<kube::Resource, kube::Informer*>> kinds_;  // "apiVersion/Kind"
};

// The object that owns what a state applies.
struct Owner {
  std::string api_version;  // "nvidia.com/v1"
  std::string kind;         // "ClusterPolicy"
  std::string name;
  std::string uid;
};

struct OwnedObjectsOptions {
  std::string field_manager;        // server-side apply field manager
  std::string state_label;          // label naming the state: "nvidia.com/gpu-operator.state"
  std::string managed_by;           // value of app.kubernetes.io/managed-by
  std::string revision_annotation;  // where the desired object's hash goes
};

class OwnedObjects {
 public:
  OwnedObjects(kube::Client& client, const ManagedKinds& kinds, OwnedObjectsOptions options)
      : client_(client), kinds_(kinds), options_(std::move(options)) {}

  // Invalid when an object is of a kind no state may create; checked before anything is applied.
  kube::Status CheckKinds(const std::vector<nlohmann::json>& objects) const;

  // Stamps `object` for `state` of `owner` and applies it unless the live object is current.
  // Returns the live object. Namespaced objects without a namespace go to `default_namespace`.
  // `identity` receives the object's identity for DeleteStale's keep list.
  kube::Result<nlohmann::json> Apply(nlohmann::json object, const Owner& owner, const std::string& state,
                                     const std::string& default_namespace, std::string* identity);

  // Deletes the objects of `state` owned by `owner_uid` whose identity is not in `keep`.
  // Returns how many are still there (being deleted).
  kube::Result<int> DeleteStale(const std::string& state, const std::string& owner_uid,
                                const std::vector<std::string>& keep);

  const OwnedObjectsOptions& options() const { return options_; }

 private:
  kube::Client& client_;
  const ManagedKinds& kinds_;
  const OwnedObjectsOptions options_;
};

}  // namespace operators

#endif  // OPERATORS_COMMON_OWNED_OBJECTS_H_
