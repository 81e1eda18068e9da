// The `upgrade` part of a policy's status: how far its driver's upgrade has
// got, counted from the nodes' state labels (and the failure annotation) as
// the policy reconciler's node cache shows them, so the one status writer of
// the policy reports it and an operator restarted mid-upgrade reports the
// same. Pure; thread-safe.
#ifndef OPERATORS_UPGRADE_UPGRADE_STATUS_H_
#define OPERATORS_UPGRADE_UPGRADE_STATUS_H_

#include <functional>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kube/status.h"
#include "upgrade_plan.h"
#include "upgrade_policy.h"

namespace upgrade {

// {total, pending, inProgress, done, failed, failedNodes: [{name, reason}], summary} over the
// nodes that carry a state; `summary` ("18/20 upgraded, 1 upgrading, 1 failed") is the printer
// column's. Nodes without a state are not counted; none at all gives {total: 0, summary: "no nodes"}.
nlohmann::json UpgradeStatus(const std::vector<NodeFacts>& nodes);

// The policy's upgrade part as its status shows it: {error, summary: "upgradePolicy refused"} when
// the upgradePolicy does not read, null (no part) with autoUpgrade off, else UpgradeStatus of the
// driver's nodes (`nodes` is asked only then).
nlohmann::json UpgradeStatusOf(const kube::Result<UpgradePolicy>& policy,
                               const std::function<std::vector<NodeFacts>()>& nodes);

}  // namespace upgrade

#endif  // OPERATORS_UPGRADE_UPGRADE_STATUS_H_
