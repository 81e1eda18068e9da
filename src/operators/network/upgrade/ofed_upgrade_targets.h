// The OFED drivers as the upgrade engine sees them: the NicClusterPolicy's
// (spec.ofedDriver.upgradePolicy) on the nodes its driver pods run on, or,
// without one, each NicNodePolicy's in force on the nodes it selects. Where no
// policy runs the driver, the state labels go. Reads the informers' caches;
// thread-safe as they are.
#ifndef OPERATORS_NETWORK_UPGRADE_OFED_UPGRADE_TARGETS_H_
#define OPERATORS_NETWORK_UPGRADE_OFED_UPGRADE_TARGETS_H_

#include <map>
#include <string>
#include <vector>

#include "kube/informer.h"
#include "node_views.h"
#include "upgrade_reconciler.h"

namespace network {

// The label selector of `selector` ("a=1,b=2"); empty for every node.
std::string LabelSelectorOf(const std::map<std::string, std::string>& selector);

std::vector<upgrade::UpgradeTarget> OfedUpgradeTargets(const kube::Informer& cluster_policies,
                                                       const kube::Informer& node_policies, NodeViews& views,
                                                       const std::string& operand_namespace);

}  // namespace network

#endif  // OPERATORS_NETWORK_UPGRADE_OFED_UPGRADE_TARGETS_H_
