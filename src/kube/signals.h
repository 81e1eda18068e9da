// Graceful shutdown on SIGTERM and SIGINT: a stop_source that is requested
// when either signal arrives. Call before starting any thread, so every
// thread inherits the blocked signal mask and only the waiter receives them.
#ifndef KUBE_SIGNALS_H_
#define KUBE_SIGNALS_H_

#include <stop_token>
#include <thread>

namespace kube {

class ShutdownSignals {
 public:
  ShutdownSignals();
  ~ShutdownSignals();
  ShutdownSignals(const ShutdownSignals&) = delete;
  ShutdownSignals& operator=(const ShutdownSignals&) = delete;

  std::stop_token token() const { return source_.get_token(); }
  // Requests stop as if a signal had arrived.
  void Trigger() { source_.request_stop(); }
  // The signal that requested stop (0 when none did).
  int signal() const { return signal_; }

 private:
  std::stop_source source_;
  int signal_ = 0;
  std::jthread waiter_;
};

}  // namespace kube

#endif  // KUBE_SIGNALS_H_
