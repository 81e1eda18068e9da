// TokenBucket: a thread-safe rate limiter (qps, burst), as client-go's flowcontrol.
#ifndef KUBE_TOKEN_BUCKET_H_
#define KUBE_TOKEN_BUCKET_H_

#include <chrono>
#include <mutex>

namespace kube {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;
  TokenBucket(double qps, int burst);

  // Takes one token and returns how long the caller must wait before using it
  // (zero when a token was available). Never blocks.
  Clock::duration Reserve();

 private:
  std::mutex mu_;
  const double qps_;
  const double burst_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace kube

#endif  // KUBE_TOKEN_BUCKET_H_
