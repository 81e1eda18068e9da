// Names of API types: GroupVersionKind, and the REST resource that serves it.
#ifndef KUBE_RESOURCE_H_
#define KUBE_RESOURCE_H_

#include <string>

namespace kube {

struct GroupVersionKind {
  std::string group;    // "" for the core group
  std::string version;
  std::string kind;

  // "apps/v1" or "v1" for the core group.
  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
  static GroupVersionKind FromApiVersion(const std::string& api_version, const std::string& kind);
  bool operator==(const GroupVersionKind&) const = default;
};

// A REST resource: where a kind lives on the server and whether it is namespaced.
struct Resource {
  std::string group;
  std::string version;
  std::string plural;     // "configmaps"
  std::string kind;       // "ConfigMap"
  bool namespaced = true;

  // "/api/v1/namespaces/ns/configmaps" or "/apis/apps/v1/daemonsets" (ns empty: all namespaces).
  std::string CollectionPath(const std::string& ns) const;
  // CollectionPath + "/" + name.
  std::string ObjectPath(const std::string& ns, const std::string& name) const;
  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
  bool operator==(const Resource&) const = default;
};

// Well-known built-in resources, so common code needs no discovery round trip.
namespace resources {
Resource ConfigMaps();
Resource Secrets();
Resource Namespaces();
Resource Nodes();
Resource Pods();
Resource Events();
Resource Leases();
Resource DaemonSets();
Resource Deployments();
Resource CustomResourceDefinitions();
Resource ServiceAccounts();
Resource Services();
Resource ControllerRevisions();
Resource Roles();
Resource RoleBindings();
Resource ClusterRoles();
Resource ClusterRoleBindings();
}  // namespace resources

}  // namespace kube

#endif  // KUBE_RESOURCE_H_
