// Eventually: polls a condition until it holds or the time is up, for tests
// that wait on controllers. Returns the condition's last value.
#ifndef TEST_RIG_EVENTUALLY_H_
#define TEST_RIG_EVENTUALLY_H_

#include <chrono>
#include <functional>
#include <thread>

namespace rig {

inline bool Eventually(const std::function<bool()>& done,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(30000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

}  // namespace rig

#endif  // TEST_RIG_EVENTUALLY_H_
