#include "apply_state.h"

namespace operators {
namespace {

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    out += (out.empty() ? "" : "; ") + p;
  }
  return out;
}

}  // namespace

StateProgress ApplyState(OwnedObjects& owned, const Owner& owner, const std::string& default_namespace,
                         StateObjects state, const StateHooks& hooks) {
  StateProgress progress;
  if (kube::Status s = owned.CheckKinds(state.objects); !s.ok()) {
    progress.error = s;
    return progress;
  }
  std::vector<std::string> keep, waiting;
  for (auto& object : state.objects) {
    std::string identity;
    auto live = owned.Apply(std::move(object), owner, state.state, default_namespace, &identity);
    if (!live.ok()) {
      progress.error = live.status();
      return progress;
    }
    keep.push_back(identity);
    if (hooks.after_apply) {
      auto pending = hooks.after_apply(*live);
      if (!pending.ok()) {
        progress.error = pending.status();
        return progress;
      }
      if (!pending->empty()) waiting.push_back(*pending);
    }
    const Readiness r = hooks.readiness ? hooks.readiness(*live) : ObjectReadiness(*live);
    if (!r.ready) waiting.push_back(r.message.empty() ? "an object is not ready" : r.message);
    else if (!r.message.empty()) state.notes.push_back(r.message);
  }
  auto remaining = owned.DeleteStale(state.state, owner.uid, keep);
  if (!remaining.ok()) {
    progress.error = remaining.status();
    return progress;
  }
  if (*remaining > 0) waiting.push_back("removing " + std::to_string(*remaining) + " objects");
  for (auto& w : state.waiting) {
    if (!w.empty()) waiting.push_back(std::move(w));
  }
  progress.ready = waiting.empty();
  progress.message = progress.ready ? Join(state.notes) : Join(waiting);
  return progress;
}

}  // namespace operators
