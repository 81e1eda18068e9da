// ApplyState: the one apply path of both operators. It brings one state of
// one owner to the objects the state renders now, and says how far it got.
//
// Every object is checked to be of a managed kind before any is applied, so
// a state is never half-applied because of one bad template. Each object is
// applied through OwnedObjects (no write when the live object is current)
// and judged: by the state's own readiness when it has one, else by
// ObjectReadiness. Objects the state made before and no longer renders are
// deleted; a state that renders nothing (it is off) is ready once its
// objects are gone.
//
// Thread-compatible: called from one reconcile at a time.
#ifndef OPERATORS_COMMON_APPLY_STATE_H_
#define OPERATORS_COMMON_APPLY_STATE_H_

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/status.h"
#include "owned_objects.h"
#include "readiness.h"

namespace operators {

struct StateObjects {
  std::string state;                    // the state label's value: "state-multus-cni"
  std::vector<nlohmann::json> objects;  // what the state renders now; none when it is off
  std::vector<std::string> waiting;     // what else keeps it from being ready (said after the objects)
  std::vector<std::string> notes;       // said when it is ready
};

struct StateHooks {
  // Judges an applied object as the server returned it; unset: ObjectReadiness.
  std::function<Readiness(const nlohmann::json& live)> readiness;
  // Runs after an object is applied; a non-empty answer is something the state waits for.
  std::function<kube::Result<std::string>(const nlohmann::json& live)> after_apply;
};

struct StateProgress {
  kube::Status error;   // not ok: the state failed there (objects after the failing one were not applied)
  bool ready = false;
  std::string message;  // what it waits for; when ready, its notes ("" when none)
};

[[nodiscard]] StateProgress ApplyState(OwnedObjects& owned, const Owner& owner, const std::string& default_namespace,
                                       StateObjects state, const StateHooks& hooks = {});

}  // namespace operators

#endif  // OPERATORS_COMMON_APPLY_STATE_H_
