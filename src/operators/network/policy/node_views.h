// NodeViews: the cached Nodes and driver Pods as the policy reconcilers read
// them (a node's labels and taints; a driver pod's node and readiness),
// converted once per object version rather than on every reconcile: with a
// thousand nodes, parsing them all each pass was most of a reconcile's time.
// Thread-safe; shared by the reconcilers.
#ifndef OPERATORS_NETWORK_POLICY_NODE_VIEWS_H_
#define OPERATORS_NETWORK_POLICY_NODE_VIEWS_H_

#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "kube/informer.h"
#include "ofed_pools.h"
#include "wait_labels.h"

namespace network {

class NodeViews {
 public:
  // `daemonsets` is the cache of the driver DaemonSets, whose template generation tells whether a
  // pod is current; null: every pod counts as current.
  NodeViews(kube::Informer& nodes, kube::Informer& driver_pods, kube::Informer* daemonsets = nullptr)
      : nodes_(nodes), driver_pods_(driver_pods), daemonsets_(daemonsets) {}

  std::vector<NodeLabels> Nodes();
  std::vector<DriverPod> DriverPods();

 private:
  template <typename T>
  struct Versioned {
    std::string resource_version;
    T value;
  };
  template <typename T, typename Convert>
  static std::vector<T> Read(kube::Informer& informer, std::unordered_map<std::string, Versioned<T>>* memo,
                             Convert convert);

  kube::Informer& nodes_;
  kube::Informer& driver_pods_;
  kube::Informer* daemonsets_;
  std::mutex mu_;
  std::unordered_map<std::string, Versioned<NodeLabels>> node_memo_;  // by object key
  std::unordered_map<std::string, Versioned<DriverPod>> pod_memo_;
};

}  // namespace network

#endif  // OPERATORS_NETWORK_POLICY_NODE_VIEWS_H_
