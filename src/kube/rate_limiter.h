// Rate limiters for work-queue retries, as in client-go's workqueue:
// per-item exponential backoff, an overall token bucket, and the maximum of
// several (the default controller limiter).
#ifndef KUBE_RATE_LIMITER_H_
#define KUBE_RATE_LIMITER_H_

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "kube/token_bucket.h"

namespace kube {

class RateLimiter {
 public:
  using Duration = std::chrono::nanoseconds;
  virtual ~RateLimiter() = default;
  // How long `key` should wait before its next retry (counts one failure).
  virtual Duration When(const std::string& key) = 0;
  // Clears the failure history of `key`.
  virtual void Forget(const std::string& key) = 0;
  virtual int NumRequeues(const std::string& key) = 0;
};

// base * 2^failures, capped at max.
class ItemExponentialRateLimiter : public RateLimiter {
 public:
  ItemExponentialRateLimiter(Duration base, Duration max) : base_(base), max_(max) {}
  Duration When(const std::string& key) override;
  void Forget(const std::string& key) override;
  int NumRequeues(const std::string& key) override;

 private:
  const Duration base_, max_;
  std::mutex mu_;
  std::unordered_map<std::string, int> failures_;
};

// An overall token bucket: spreads retries of all keys.
class BucketRateLimiter : public RateLimiter {
 public:
  BucketRateLimiter(double qps, int burst) : bucket_(qps, burst) {}
  Duration When(const std::string&) override { return bucket_.Reserve(); }
  void Forget(const std::string&) override {}
  int NumRequeues(const std::string&) override { return 0; }

 private:
  TokenBucket bucket_;
};

class MaxOfRateLimiter : public RateLimiter {
 public:
  explicit MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters) : limiters_(std::move(limiters)) {}
  Duration When(const std::string& key) override;
  void Forget(const std::string& key) override;
  int NumRequeues(const std::string& key) override;

 private:
  std::vector<std::unique_ptr<RateLimiter>> limiters_;
};

// Per-item 5 ms .. 1000 s, and 10 qps with a burst of 100 overall.
std::unique_ptr<RateLimiter> DefaultControllerRateLimiter();

}  // namespace kube

#endif  // KUBE_RATE_LIMITER_H_
