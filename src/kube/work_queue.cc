#include "kube/work_queue.h"

#include "kube/metrics.h"

namespace kube {

WorkQueue::WorkQueue(std::string name, std::unique_ptr<RateLimiter> limiter)
    : name_(std::move(name)), limiter_(std::move(limiter)) {
  auto& reg = metrics::Default();
  depth_ = &reg.Gauge("workqueue_depth", "Current depth of workqueue", {"name", "controller"}).With({name_, name_});
  adds_ = &reg.Counter("workqueue_adds_total", "Total number of adds handled by workqueue", {"name", "controller"})
               .With({name_, name_});
  retries_ = &reg.Counter("workqueue_retries_total", "Total number of retries handled by workqueue",
                          {"name", "controller"})
                  .With({name_, name_});
  queue_duration_ = &reg.Histogram("workqueue_queue_duration_seconds",
                                   "How long in seconds an item stays in workqueue before being requested",
                                   {"name", "controller"}, metrics::ExponentialBuckets(1e-8, 10, 10))
                         .With({name_, name_});
  delayer_ = std::jthread([this](std::stop_token stop) { DelayLoop(stop); });
}

WorkQueue::~WorkQueue() {
  ShutDown();
  delayer_.request_stop();
  delay_cv_.notify_all();
}

void WorkQueue::AddLocked(const std::string& key) {
  if (shutting_down_ || dirty_.count(key)) return;
  adds_->Add(1);
  dirty_.insert(key);
  if (processing_.count(key)) return;  // re-queued by Done
  queue_.push_back(key);
  added_at_.emplace(key, Clock::now());
  depth_->Set(static_cast<double>(queue_.size()));
  cv_.notify_one();
}

void WorkQueue::Add(const std::string& key) {
  std::lock_guard lock(mu_);
  AddLocked(key);
}

void WorkQueue::AddAfter(const std::string& key, Clock::duration delay) {
  if (delay <= Clock::duration::zero()) return Add(key);
  std::lock_guard lock(mu_);
  if (shutting_down_) return;
  const auto ready = Clock::now() + delay;
  auto it = waiting_.find(key);
  if (it != waiting_.end()) {
    if (it->second <= ready) return;  // an earlier wake-up is already planned
    auto range = waiting_by_time_.equal_range(it->second);
    for (auto w = range.first; w != range.second; ++w) {
      if (w->second == key) {
        waiting_by_time_.erase(w);
        break;
      }
    }
  }
  waiting_[key] = ready;
  waiting_by_time_.emplace(ready, key);
  delay_cv_.notify_one();
}

void WorkQueue::AddRateLimited(const std::string& key) {
  retries_->Add(1);
  AddAfter(key, limiter_->When(key));
}

void WorkQueue::Forget(const std::string& key) { limiter_->Forget(key); }
int WorkQueue::NumRequeues(const std::string& key) { return limiter_->NumRequeues(key); }

void WorkQueue::DelayLoop(std::stop_token stop) {
  std::unique_lock lock(mu_);
  while (!stop.stop_requested()) {
    const auto now = Clock::now();
    while (!waiting_by_time_.empty() && waiting_by_time_.begin()->first <= now) {
      std::string key = std::move(waiting_by_time_.begin()->second);
      waiting_by_time_.erase(waiting_by_time_.begin());
      waiting_.erase(key);
      AddLocked(key);
    }
    if (waiting_by_time_.empty()) {
      delay_cv_.wait(lock, stop, [this] { return !waiting_by_time_.empty(); });
    } else {
      // A copy: the entry may go (or an earlier one come) while the lock is released, and the
      // wait reads its deadline again after each wake.
      const Clock::time_point until = waiting_by_time_.begin()->first;
      delay_cv_.wait_until(lock, stop, until, [this, until] {
        return waiting_by_time_.empty() || waiting_by_time_.begin()->first < until;
      });
    }
  }
}

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return !queue_.empty() || shutting_down_; });
  if (queue_.empty()) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  depth_->Set(static_cast<double>(queue_.size()));
  if (auto it = added_at_.find(key); it != added_at_.end()) {
    queue_duration_->Observe(std::chrono::duration<double>(Clock::now() - it->second).count());
    added_at_.erase(it);
  }
  processing_.insert(key);
  dirty_.erase(key);
  return key;
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard lock(mu_);
  processing_.erase(key);
  if (dirty_.count(key) && !shutting_down_) {
    queue_.push_back(key);
    added_at_.emplace(key, Clock::now());
    depth_->Set(static_cast<double>(queue_.size()));
    cv_.notify_one();
  }
}

void WorkQueue::ShutDown() {
  std::lock_guard lock(mu_);
  shutting_down_ = true;
  queue_.clear();
  cv_.notify_all();
}

bool WorkQueue::ShuttingDown() const {
  std::lock_guard lock(mu_);
  return shutting_down_;
}

size_t WorkQueue::Len() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

}  // namespace kube
