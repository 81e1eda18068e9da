// ProbeServer: serves /metrics (Prometheus text), /healthz and /readyz
// (named checks, ?verbose) over HTTP, as controller-runtime's metrics and
// health-probe servers.
#ifndef KUBE_PROBE_SERVER_H_
#define KUBE_PROBE_SERVER_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "kube/status.h"

namespace kube {

class ProbeServer {
 public:
  using Check = std::function<Status()>;

  ProbeServer();
  ~ProbeServer();
  ProbeServer(const ProbeServer&) = delete;
  ProbeServer& operator=(const ProbeServer&) = delete;

  void AddHealthCheck(const std::string& name, Check check);
  void AddReadyCheck(const std::string& name, Check check);

  // Binds "host:port" (port 0 picks a free one) and serves in the background.
  Status Start(const std::string& address);
  int port() const { return port_; }
  void Stop();

 private:
  struct Impl;
  std::string RunChecks(const std::map<std::string, Check>& checks, bool verbose, bool* ok) const;

  std::unique_ptr<Impl> impl_;
  mutable std::mutex mu_;
  std::map<std::string, Check> health_;
  std::map<std::string, Check> ready_;
  int port_ = 0;
  std::thread thread_;
};

// Splits "host:port"; a clear error when malformed.
Result<std::pair<std::string, int>> ParseHostPort(const std::string& address);

}  // namespace kube

#endif  // KUBE_PROBE_SERVER_H_
