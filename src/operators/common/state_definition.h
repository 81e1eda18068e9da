// StateDefinition: what a state of either operator is. A state is one
// component of a policy (the OFED driver, Multus, the device plugin, ...):
// its name (upstream's, and the state label's value on what it creates),
// its template directory, the kinds its templates create, the values it adds
// to the context every template of its operator gets, and how its objects
// are judged ready. Each operator's definition adds what only it needs (the
// spec section, enable rule, pools) and keeps one definition per file beside
// the state's golden test; rendering, applying (ApplyState), judging and
// reporting are shared.
//
// Plain data: safe to read from any thread once built.
#ifndef OPERATORS_COMMON_STATE_DEFINITION_H_
#define OPERATORS_COMMON_STATE_DEFINITION_H_

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kube/status.h"

namespace operators {

// How a state's applied objects are judged ready.
enum class StateReadiness {
  kObjects,        // ObjectReadiness: DaemonSets rolled out, Deployments available, the rest exist
  kDriverRollout,  // OnDelete DaemonSets by their pods' revisions: drivers are replaced node by node
};

// What a state is whatever its operator's inputs: its name, templates, kinds and readiness.
struct StateBase {
  std::string name;       // upstream's state name: "state-multus-cni"
  std::string manifests;  // its template directory below the manifest root: "network-operator/state-multus-cni"
  // The kinds its templates may render ("DaemonSet", "ClusterRole", ...); a rendered object of
  // another kind is the state's error. Each is one its operator watches.
  std::vector<std::string> kinds;
  StateReadiness readiness = StateReadiness::kObjects;
};

template <typename Inputs>
struct StateDefinition : StateBase {
  // Adds the state's own values to the common context; Invalid (or InvalidArgument) names the field.
  std::function<kube::Status(const Inputs& in, nlohmann::json* context)> customize;
};

// The state's templates rendered with `context`, every object checked to be of one of its kinds.
[[nodiscard]] kube::Result<std::vector<nlohmann::json>> RenderStateTemplates(const StateBase& state,
                                                                            const nlohmann::json& context);

// Invalid, naming the state and the object, when one of `objects` is of a kind not in `kinds`.
[[nodiscard]] kube::Status CheckStateKinds(const std::string& state, const std::vector<std::string>& kinds,
                                           const std::vector<nlohmann::json>& objects);

}  // namespace operators

#endif  // OPERATORS_COMMON_STATE_DEFINITION_H_
