#include "kube/retry.h"

#include <chrono>
#include <random>
#include <thread>

namespace kube {

Status RetryOnConflict(const std::function<Status()>& attempt, int max_attempts) {
  thread_local std::minstd_rand rng(std::random_device{}());
  Status s;
  for (int i = 0; i < max_attempts; ++i) {
    s = attempt();
    if (!IsConflict(s)) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(10 + static_cast<int>(rng() % 2)));
  }
  return s;
}

}  // namespace kube
