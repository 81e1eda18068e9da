// Sleeps that end early when a stop is requested.
#ifndef KUBE_SLEEP_H_
#define KUBE_SLEEP_H_

#include <chrono>
#include <stop_token>

namespace kube {

// Sleeps for `d`; returns false when `stop` was requested first.
bool SleepFor(std::stop_token stop, std::chrono::nanoseconds d);
// Blocks until `stop` is requested.
void WaitForStop(std::stop_token stop);

}  // namespace kube

#endif  // KUBE_SLEEP_H_
