// EventCorrelator: decides what to do with an Event before it is sent, as
// client-go's events cache: a repeat of an Event already sent (same object,
// type, reason and message) becomes a count increment of that Event, and a
// per-object token bucket (burst 25, then one per 5 minutes) drops spam.
// Pure logic with an injected clock, so it is unit-tested without a server.
#ifndef KUBE_EVENT_CORRELATOR_H_
#define KUBE_EVENT_CORRELATOR_H_

#include <chrono>
#include <list>
#include <string>
#include <unordered_map>

namespace kube {

class EventCorrelator {
 public:
  using Clock = std::chrono::steady_clock;

  struct Decision {
    enum class Action { kCreate, kIncrement, kDrop } action = Action::kCreate;
    std::string event_name;  // the Event to increment (kIncrement)
    int count = 1;           // the count to write
  };

  explicit EventCorrelator(size_t max_entries = 4096, int burst = 25,
                           Clock::duration refill = std::chrono::minutes(5));

  // `object_key` identifies the regarded object (uid, or kind/namespace/name).
  Decision Observe(const std::string& object_key, const std::string& type, const std::string& reason,
                   const std::string& message, Clock::time_point now);
  // Records the name under which a new Event was created.
  void Created(const std::string& object_key, const std::string& type, const std::string& reason,
               const std::string& message, const std::string& event_name);

 private:
  struct Seen {
    std::string event_name;
    int count = 0;
    std::list<std::string>::iterator lru;
  };
  struct Bucket {
    double tokens;
    Clock::time_point last;
  };
  void Touch(Seen& seen, const std::string& key);

  const size_t max_entries_;
  const int burst_;
  const Clock::duration refill_;
  std::list<std::string> lru_;  // most recent first
  std::unordered_map<std::string, Seen> seen_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace kube

#endif  // KUBE_EVENT_CORRELATOR_H_
