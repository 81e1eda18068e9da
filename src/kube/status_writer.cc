#include "kube/status_writer.h"

#include <nlohmann/json.hpp>

#include "kube/log.h"

namespace kube {

Result<bool> StatusWriter::Write(const Resource& resource, const Object& object, const nlohmann::json& desired,
                                 const StatusEventRule& rule) {
  const nlohmann::json current = object.StatusTree();
  const std::string& uid = object.meta().uid;
  if (current == desired) {
    // Nothing changed: nothing to tell (and a restart repeats no Event). Once the cache shows
    // what was last written, the cache alone is the previous status: the entry is dropped.
    std::lock_guard<std::mutex> lock(mu_);
    auto last = last_written_.find(uid);
    if (last != last_written_.end() && last->second == current.dump()) last_written_.erase(last);
    return false;
  }
  nlohmann::json metadata = {{"name", object.name()}};
  if (resource.namespaced) metadata["namespace"] = object.namespace_();
  const nlohmann::json body = {{"apiVersion", resource.ApiVersion()},
                               {"kind", resource.kind},
                               {"metadata", std::move(metadata)},
                               {"status", desired}};
  auto applied = client_.Apply(resource, body, {field_manager_, true, "status"});
  if (!applied.ok()) return applied.status().WithContext("writing status of " + resource.kind + " " + object.Key());
  std::optional<StatusEvent> event;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto last = last_written_.find(uid);
    const nlohmann::json previous = last != last_written_.end() ? nlohmann::json::parse(last->second) : current;
    last_written_[uid] = desired.dump();
    if (rule) event = rule(previous, desired);
    if (event) {
      std::string& last_key = last_event_[uid];
      if (last_key == event->key) event.reset();
      else last_key = event->key;
    }
  }
  if (event) {
    log::Info("status changed", {{"kind", resource.kind}, {"name", object.Key()}, {"reason", event->reason},
                                 {"message", event->message}});
    const auto ref = ObjectReference::To(object, resource.ApiVersion(), resource.kind);
    if (event->warning) recorder_.Warning(ref, event->reason, event->message);
    else recorder_.Normal(ref, event->reason, event->message);
  }
  return true;
}

}  // namespace kube
