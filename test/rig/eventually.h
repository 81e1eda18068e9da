// Eventually: polls a condition until it holds or the time is up, for tests
// that wait on controllers. Returns the condition's last value.
//
// Every wait of the rig suites goes through Patience: a wait that ends as soon
// as its condition holds costs nothing when it is long, and a machine loaded
// by other work may be many times slower than the one a timeout was chosen on.
// A wait that runs out says where it was and how long it waited.
#ifndef TEST_RIG_EVENTUALLY_H_
#define TEST_RIG_EVENTUALLY_H_

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <thread>

namespace rig {

// How long a wait given `timeout` really waits: four times as long, and at least two minutes;
// a zero timeout (a look, not a wait) stays zero.
inline std::chrono::milliseconds Patience(std::chrono::milliseconds timeout) {
  if (timeout.count() <= 0) return timeout;
  return std::max<std::chrono::milliseconds>(timeout * 4, std::chrono::minutes(2));
}

// Where a wait was called from. (std::source_location needs a newer clang than the sanitizer
// tree's; these builtins are in both compilers, and a default argument takes the caller's.)
struct CallSite {
  CallSite(const char* f = __builtin_FILE(), unsigned l = __builtin_LINE()) : file(f), line(l) {}
  const char* file;
  unsigned line;
};

inline bool Eventually(const std::function<bool()>& done,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(30000),
                       CallSite where = CallSite()) {
  const auto waited = Patience(timeout);
  const auto deadline = std::chrono::steady_clock::now() + waited;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (done()) return true;
  std::fprintf(stderr, "rig: waited %llds for the condition at %s:%u, in vain\n",
               static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(waited).count()),
               where.file, where.line);
  return false;
}

}  // namespace rig

#endif  // TEST_RIG_EVENTUALLY_H_
