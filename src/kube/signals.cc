#include "kube/signals.h"

#include <pthread.h>
#include <signal.h>

#include <cstring>

#include "kube/log.h"

namespace kube {

ShutdownSignals::ShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGUSR1);  // used only to wake the waiter on destruction
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  waiter_ = std::jthread([this, set] {
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (sig == SIGUSR1) return;
      if (!source_.stop_requested()) {
        signal_ = sig;
        log::Info("shutdown requested", {{"signal", strsignal(sig)}});
        source_.request_stop();
      }
    }
  });
}

ShutdownSignals::~ShutdownSignals() {
  pthread_kill(waiter_.native_handle(), SIGUSR1);
}

}  // namespace kube
