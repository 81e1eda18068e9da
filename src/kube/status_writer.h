// StatusWriter: the one way a reconciler writes the status of the objects it
// reconciles. The status subresource is applied (server-side, forced) only
// when the desired status differs from the object's, so an object at rest
// costs no write; after a write, an Event is recorded when the caller's rule
// says the change is worth one, and only once per distinct event key, so a status that flaps
// between writes does not repeat an Event for the same condition.
//
// Transitions are judged against the status this writer last wrote for the
// object (by uid) when it wrote one: the informer's cache may not have caught
// up with it yet, and an Event must be neither missed nor doubled.
//
// Thread-safe.
#ifndef KUBE_STATUS_WRITER_H_
#define KUBE_STATUS_WRITER_H_

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "kube/client.h"
#include "kube/event_recorder.h"

namespace kube {

struct StatusEvent {
  std::string key;  // Events are recorded when this changes: "ready/Reconciled", "error/<message>"
  bool warning = false;
  std::string reason;   // "Ready", "StateError"
  std::string message;
};

// The Event, if any, that marks going from `previous` (null when the object had no status) to `desired`.
using StatusEventRule =
    std::function<std::optional<StatusEvent>(const nlohmann::json& previous, const nlohmann::json& desired)>;

class StatusWriter {
 public:
  StatusWriter(Client& client, EventRecorder& recorder, std::string field_manager)
      : client_(client), recorder_(recorder), field_manager_(std::move(field_manager)) {}

  // Writes `desired` as `object`'s status unless it already is; then records the rule's Event.
  // Returns whether a write was made.
  [[nodiscard]] Result<bool> Write(const Resource& resource, const Object& object, const nlohmann::json& desired,
                                   const StatusEventRule& rule = nullptr);

 private:
  Client& client_;
  EventRecorder& recorder_;
  const std::string field_manager_;
  std::mutex mu_;
  // By uid: the status last written, as JSON text, until the cache shows it.
  std::map<std::string, std::string> last_written_;
  std::map<std::string, std::string> last_event_;       // by uid: the key of the last Event
};

}  // namespace kube

#endif  // KUBE_STATUS_WRITER_H_
