// Reads the facts PlanUpgrade decides on from the objects the cluster shows:
// a Node (its upgrade label and annotations, cordon, Ready condition), its
// driver pod against the DaemonSet's newest revision, and which of the node's
// pods the pod deletion and the drain still have to remove. Pure functions of
// the JSON given; thread-safe.
#ifndef OPERATORS_UPGRADE_NODE_FACTS_H_
#define OPERATORS_UPGRADE_NODE_FACTS_H_

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "upgrade_keys.h"
#include "upgrade_plan.h"

namespace upgrade {

// The node's part of NodeFacts (name, state, cordon, readiness, skip, annotations and clocks). A
// state label no state has reads as unknown, so the node is judged afresh.
NodeFacts NodeFactsOf(const nlohmann::json& node, const UpgradeKeys& keys);

// The driver pod's facts: in sync when its controller-revision-hash label is `newest_revision`
// (the DaemonSet's newest ControllerRevision hash).
DriverPodFacts DriverPodFactsOf(const nlohmann::json& pod, const std::string& newest_revision);

// Whether the pod holds the node: not finished (Succeeded/Failed) and not already terminating.
bool Active(const nlohmann::json& pod);
// Whether the pod asks for a GPU (limits or requests of nvidia.com/gpu*, nvidia.com/mig-*), as
// upstream's pod deletion selects them.
bool UsesGpus(const nlohmann::json& pod);
// Whether an eviction may take the pod at all: active, not a DaemonSet's (its controller would put
// it back at once), not a static (mirror) pod. The pod deletion takes those that use GPUs.
bool Removable(const nlohmann::json& pod);
// Whether the drain evicts the pod: removable and not labelled `keys.drain_skip_label`=true.
bool Drainable(const nlohmann::json& pod, const UpgradeKeys& keys);

// What the pod deletion or the drain is allowed to remove (podDeletion/drain force and
// deleteEmptyDir), as upstream's drain helper judges a pod it was asked to remove.
struct RemovalRules {
  bool force = false;             // pods no controller recreates
  bool delete_empty_dir = false;  // pods whose emptyDir data goes with them
};
// Why the pod may not be removed under `rules` ("ns/name has no controller to recreate it and
// force is off"); empty when it may.
std::string RemovalRefused(const nlohmann::json& pod, const RemovalRules& rules);

}  // namespace upgrade

#endif  // OPERATORS_UPGRADE_NODE_FACTS_H_
