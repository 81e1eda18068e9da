// A request/response transport over a Unix stream socket: the client sends
// one JSON document and half-closes; the server answers one document and
// closes. Small on purpose: the plugin makes one call per CNI command.
#ifndef IPAM_RPC_UNIX_SOCKET_H_
#define IPAM_RPC_UNIX_SOCKET_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "kube/status.h"

namespace ipam {

class UnixSocketServer {
 public:
  using Handler = std::function<nlohmann::json(const nlohmann::json& request)>;

  // Binds `path` (a stale socket file is replaced; its folder is created), then serves
  // each connection on its own thread until destroyed.
  static kube::Result<std::unique_ptr<UnixSocketServer>> Start(const std::string& path, Handler handler);
  ~UnixSocketServer();  // stops accepting, waits for calls in flight, removes the socket file

 private:
  UnixSocketServer(std::string path, int fd, Handler handler);
  void AcceptLoop();
  void Serve(int fd);

  const std::string path_;
  const int listen_fd_;
  const Handler handler_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> in_flight_{0};
  std::thread acceptor_;
};

// Sends `request` to the server at `path`; the whole call is bounded by `timeout`.
// Unavailable when nothing listens, Timeout when the answer is late.
kube::Result<nlohmann::json> CallUnixSocket(const std::string& path, const nlohmann::json& request,
                                            std::chrono::milliseconds timeout);

}  // namespace ipam

#endif  // IPAM_RPC_UNIX_SOCKET_H_
