// The `network.nvidia.com/operator.mofed.wait` node label, which holds the
// device plugins back until a node's NIC driver is up: "true" on a NIC node
// whose driver pod is not ready, "true" on any node (NIC or no longer) where
// no policy runs the driver but a leftover driver pod is still going, "false"
// on a NIC node ready for them, and absent elsewhere. Pure: which nodes need which change.
#ifndef OPERATORS_NETWORK_POLICY_WAIT_LABELS_H_
#define OPERATORS_NETWORK_POLICY_WAIT_LABELS_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ofed_pools.h"
#include "network_labels.h"

namespace network {

// The same gate for NIC firmware configuration. Without a NIC configuration operator in the
// policy, the operator keeps it "false" on NIC nodes (as for the driver); with one, its
// configuration daemon owns the label.

// A driver pod: the node it runs on, and whether its driver container is ready.
struct DriverPod {
  std::string node;
  bool ready = false;
  bool current = true;  // it runs its DaemonSet's current pod template
  std::string daemonset;            // "namespace/name" of its DaemonSet
  std::string template_generation;  // its pod-template-generation label
};

// Node name -> the label value it must get (nullopt: remove the label); only nodes that need a change.
// `driver_configured` says whether a policy (cluster or node) runs the driver on a node.
std::map<std::string, std::optional<std::string>> WaitLabelChanges(
    const std::vector<NodeLabels>& nodes, const std::vector<DriverPod>& driver_pods,
    const std::function<bool(const NodeLabels&)>& driver_configured, const std::string& label = kMofedWaitLabel);

}  // namespace network

#endif  // OPERATORS_NETWORK_POLICY_WAIT_LABELS_H_
