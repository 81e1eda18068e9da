// StateSyncer: brings one state of a policy to its desired objects and says
// how far it got.
//
// Rendering errors put the state in `error` and apply nothing of it (one that
// waits on an answer still out, Unavailable, puts it in `notReady`). Each
// rendered object gets the state label, the policy as controller owner and a
// revision annotation; it is applied (server-side) only when the cached live
// object's revision differs, so a policy at rest costs no writes. Objects the
// state made before but no longer renders are deleted; a state whose section
// was removed is `notReady` while its objects go, then `ignore`.
#ifndef OPERATORS_NETWORK_POLICY_STATE_SYNCER_H_
#define OPERATORS_NETWORK_POLICY_STATE_SYNCER_H_

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/client.h"
#include "kube/informer.h"
#include "owned_objects.h"
#include "policy_status.h"
#include "state.h"
#include "network_labels.h"

namespace network {

using operators::ManagedKinds;

// The kinds of the implemented states.
std::vector<kube::Resource> StateResources();

// `policy_spec` with the registry override of `settings` applied to every image repository it
// names (the spec itself when there is none): what StateSyncer::Sync renders from. Computed once
// per reconcile.
nlohmann::json MirroredSpec(const nlohmann::json& policy_spec, const OperandSettings& settings);

class StateSyncer {
 public:
  StateSyncer(kube::Client& client, const ManagedKinds& kinds, std::string field_manager);

  // `policy` is a NicClusterPolicy or a NicNodePolicy (`kind`); a node policy's objects carry its
  // name and select its nodes (`scope`, empty for the cluster policy).
  struct Owner {
    const kube::Object& policy;
    std::string kind;                               // "NicClusterPolicy" or "NicNodePolicy"
    std::string node_policy;                        // the NicNodePolicy's name
    std::map<std::string, std::string> node_selector;  // its nodeSelector
  };
  // `spec` is the policy's MirroredSpec.
  StateReport Sync(const StateDefinition& state, const Owner& owner, const nlohmann::json& spec,
                   const OperandSettings& settings, const std::vector<NodeLabels>& nodes);

 private:
  // The driver container's image of the cached DaemonSet `ns/daemonset`, "" when there is none.
  std::string LiveDriverImage(const std::string& ns, const std::string& daemonset) const;

  kube::Client& client_;
  const ManagedKinds& kinds_;
  operators::OwnedObjects objects_;
};

}  // namespace network

#endif  // OPERATORS_NETWORK_POLICY_STATE_SYNCER_H_
