#include "kube/sleep.h"

#include <condition_variable>
#include <mutex>

namespace kube {

bool SleepFor(std::stop_token stop, std::chrono::nanoseconds d) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock lock(m);
  return !cv.wait_for(lock, stop, d, [] { return false; }) && !stop.stop_requested();
}

void WaitForStop(std::stop_token stop) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock lock(m);
  cv.wait(lock, stop, [] { return false; });
}

}  // namespace kube
