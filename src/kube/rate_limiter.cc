#include "kube/rate_limiter.h"

#include <algorithm>

namespace kube {

RateLimiter::Duration ItemExponentialRateLimiter::When(const std::string& key) {
  std::lock_guard lock(mu_);
  const int exp = failures_[key]++;
  if (exp >= 62) return max_;
  const double d = static_cast<double>(base_.count()) * static_cast<double>(1ULL << std::min(exp, 62));
  if (d >= static_cast<double>(max_.count())) return max_;
  return Duration(static_cast<Duration::rep>(d));
}

void ItemExponentialRateLimiter::Forget(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

int ItemExponentialRateLimiter::NumRequeues(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

RateLimiter::Duration MaxOfRateLimiter::When(const std::string& key) {
  Duration longest = Duration::zero();
  for (auto& l : limiters_) longest = std::max(longest, l->When(key));
  return longest;
}

void MaxOfRateLimiter::Forget(const std::string& key) {
  for (auto& l : limiters_) l->Forget(key);
}

int MaxOfRateLimiter::NumRequeues(const std::string& key) {
  int most = 0;
  for (auto& l : limiters_) most = std::max(most, l->NumRequeues(key));
  return most;
}

std::unique_ptr<RateLimiter> DefaultControllerRateLimiter() {
  std::vector<std::unique_ptr<RateLimiter>> limiters;
  limiters.push_back(std::make_unique<ItemExponentialRateLimiter>(std::chrono::milliseconds(5), std::chrono::seconds(1000)));
  limiters.push_back(std::make_unique<BucketRateLimiter>(10, 100));
  return std::make_unique<MaxOfRateLimiter>(std::move(limiters));
}

}  // namespace kube
