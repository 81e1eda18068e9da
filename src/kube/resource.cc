#include "kube/resource.h"

namespace kube {

GroupVersionKind GroupVersionKind::FromApiVersion(const std::string& api_version, const std::string& kind) {
  auto slash = api_version.find('/');
  if (slash == std::string::npos) return {"", api_version, kind};
  return {api_version.substr(0, slash), api_version.substr(slash + 1), kind};
}

std::string Resource::CollectionPath(const std::string& ns) const {
  std::string path = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  if (namespaced && !ns.empty()) path += "/namespaces/" + ns;
  return path + "/" + plural;
}

std::string Resource::ObjectPath(const std::string& ns, const std::string& name) const {
  return CollectionPath(ns) + "/" + name;
}

namespace resources {
Resource ConfigMaps() { return {"", "v1", "configmaps", "ConfigMap", true}; }
Resource Secrets() { return {"", "v1", "secrets", "Secret", true}; }
Resource Namespaces() { return {"", "v1", "namespaces", "Namespace", false}; }
Resource Nodes() { return {"", "v1", "nodes", "Node", false}; }
Resource Pods() { return {"", "v1", "pods", "Pod", true}; }
Resource Events() { return {"", "v1", "events", "Event", true}; }
Resource Leases() { return {"coordination.k8s.io", "v1", "leases", "Lease", true}; }
Resource DaemonSets() { return {"apps", "v1", "daemonsets", "DaemonSet", true}; }
Resource Deployments() { return {"apps", "v1", "deployments", "Deployment", true}; }
Resource CustomResourceDefinitions() {
  return {"apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false};
}
Resource ServiceAccounts() { return {"", "v1", "serviceaccounts", "ServiceAccount", true}; }
Resource Services() { return {"", "v1", "services", "Service", true}; }
Resource ControllerRevisions() { return {"apps", "v1", "controllerrevisions", "ControllerRevision", true}; }
Resource Roles() { return {"rbac.authorization.k8s.io", "v1", "roles", "Role", true}; }
Resource RoleBindings() { return {"rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true}; }
Resource ClusterRoles() { return {"rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false}; }
Resource ClusterRoleBindings() {
  return {"rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false};
}
}  // namespace resources

}  // namespace kube
