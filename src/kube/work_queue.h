// WorkQueue: the controller's queue of keys, as client-go's workqueue.
//
// A key added many times before it is processed is processed once; a key
// added while being processed is processed again after Done, never by two
// workers at once. AddAfter delays a key; AddRateLimited delays it by the
// rate limiter's backoff. ShutDown wakes every waiting worker.
#ifndef KUBE_WORK_QUEUE_H_
#define KUBE_WORK_QUEUE_H_

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "kube/rate_limiter.h"

namespace kube {

namespace metrics {
class Series;
}

class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;
  WorkQueue(std::string name, std::unique_ptr<RateLimiter> limiter);
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void Add(const std::string& key);
  void AddAfter(const std::string& key, Clock::duration delay);
  void AddRateLimited(const std::string& key);
  void Forget(const std::string& key);
  int NumRequeues(const std::string& key);

  // Blocks until a key is ready; nullopt once the queue is shut down.
  std::optional<std::string> Get();
  // Marks a key from Get as processed.
  void Done(const std::string& key);

  void ShutDown();
  bool ShuttingDown() const;
  size_t Len() const;

 private:
  void AddLocked(const std::string& key);
  void DelayLoop(std::stop_token stop);

  const std::string name_;
  std::unique_ptr<RateLimiter> limiter_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::unordered_set<std::string> dirty_;
  std::unordered_set<std::string> processing_;
  std::unordered_map<std::string, Clock::time_point> added_at_;
  bool shutting_down_ = false;
  // Delayed keys: ready time per key (earliest wins) and the reverse ordering.
  std::unordered_map<std::string, Clock::time_point> waiting_;
  std::multimap<Clock::time_point, std::string> waiting_by_time_;
  std::condition_variable_any delay_cv_;
  metrics::Series* depth_;
  metrics::Series* adds_;
  metrics::Series* retries_;
  metrics::Series* queue_duration_;
  std::jthread delayer_;  // last: joins before the members it uses are destroyed
};

}  // namespace kube

#endif  // KUBE_WORK_QUEUE_H_
