#include "kube/event_correlator.h"

#include <algorithm>

namespace kube {
namespace {
std::string SeenKey(const std::string& obj, const std::string& type, const std::string& reason,
                    const std::string& message) {
  return obj + '\x1f' + type + '\x1f' + reason + '\x1f' + message;
}
}  // namespace

EventCorrelator::EventCorrelator(size_t max_entries, int burst, Clock::duration refill)
    : max_entries_(max_entries), burst_(burst), refill_(refill) {}

void EventCorrelator::Touch(Seen& seen, const std::string& key) {
  lru_.erase(seen.lru);
  lru_.push_front(key);
  seen.lru = lru_.begin();
}

EventCorrelator::Decision EventCorrelator::Observe(const std::string& object_key, const std::string& type,
                                                   const std::string& reason, const std::string& message,
                                                   Clock::time_point now) {
  Decision d;
  auto [it, fresh] = buckets_.try_emplace(object_key, Bucket{static_cast<double>(burst_), now});
  Bucket& b = it->second;
  if (!fresh) {
    const double refilled = std::chrono::duration<double>(now - b.last) / std::chrono::duration<double>(refill_);
    b.tokens = std::min<double>(burst_, b.tokens + refilled);
    b.last = now;
  }
  if (b.tokens < 1) {
    d.action = Decision::Action::kDrop;
    return d;
  }
  b.tokens -= 1;
  const std::string key = SeenKey(object_key, type, reason, message);
  auto s = seen_.find(key);
  if (s != seen_.end() && !s->second.event_name.empty()) {
    d.action = Decision::Action::kIncrement;
    d.event_name = s->second.event_name;
    d.count = ++s->second.count;
    Touch(s->second, key);
  }
  return d;
}

void EventCorrelator::Created(const std::string& object_key, const std::string& type, const std::string& reason,
                              const std::string& message, const std::string& event_name) {
  const std::string key = SeenKey(object_key, type, reason, message);
  auto it = seen_.find(key);
  if (it == seen_.end()) {
    lru_.push_front(key);
    it = seen_.emplace(key, Seen{event_name, 1, lru_.begin()}).first;
  } else {
    it->second.event_name = event_name;
    it->second.count = 1;
    Touch(it->second, key);
  }
  while (seen_.size() > max_entries_) {
    seen_.erase(lru_.back());
    lru_.pop_back();
  }
}

}  // namespace kube
