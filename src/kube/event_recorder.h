// EventRecorder: records core/v1 Events about objects, asynchronously, so a
// reconcile never waits on (or fails because of) an Event. Repeats are
// aggregated into a count on one Event; spam is dropped (EventCorrelator).
#ifndef KUBE_EVENT_RECORDER_H_
#define KUBE_EVENT_RECORDER_H_

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "kube/client.h"
#include "kube/event_correlator.h"

namespace kube {

struct ObjectReference {
  std::string api_version;
  std::string kind;
  std::string namespace_;
  std::string name;
  std::string uid;
  static ObjectReference To(const Object& object, const std::string& api_version, const std::string& kind);
};

class EventRecorder {
 public:
  EventRecorder(Client& client, std::string component, std::string default_namespace);
  ~EventRecorder();  // sends what is queued (bounded by a short deadline), then stops
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  void Normal(const ObjectReference& regarding, const std::string& reason, const std::string& message) {
    Record(regarding, "Normal", reason, message);
  }
  void Warning(const ObjectReference& regarding, const std::string& reason, const std::string& message) {
    Record(regarding, "Warning", reason, message);
  }
  void Record(const ObjectReference& regarding, const std::string& type, const std::string& reason,
              const std::string& message);
  // Waits until every queued Event was sent (for tests and shutdown).
  void Flush();

 private:
  struct Pending {
    ObjectReference regarding;
    std::string type, reason, message;
  };
  void Loop(std::stop_token stop);
  void Send(const Pending& e);

  Client& client_;
  const std::string component_;
  const std::string default_namespace_;
  EventCorrelator correlator_;
  std::mutex mu_;
  std::condition_variable_any cv_;
  std::deque<Pending> queue_;
  bool sending_ = false;
  std::jthread worker_;  // last: stops before the members it uses go away
};

}  // namespace kube

#endif  // KUBE_EVENT_RECORDER_H_
