#include "rpc/unix_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "kube/json_limits.h"

namespace ipam {
namespace {

constexpr size_t kMaxMessage = 1 << 20;

kube::Result<sockaddr_un> Address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return kube::Status(kube::Code::kInvalidArgument, "socket path too long: " + path);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

// Waits for `events` on fd until `deadline`; false on timeout.
bool WaitFor(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    const int r = poll(&p, 1, static_cast<int>(left.count()));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
}

kube::Status WriteAll(int fd, const std::string& data, std::chrono::steady_clock::time_point deadline) {
  size_t done = 0;
  while (done < data.size()) {
    if (!WaitFor(fd, POLLOUT, deadline)) return kube::Status(kube::Code::kTimeout, "timed out sending");
    const ssize_t n = send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return kube::Status(kube::Code::kUnavailable, std::string("send: ") + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  return kube::Status::Ok();
}

kube::Result<std::string> ReadAll(int fd, std::chrono::steady_clock::time_point deadline) {
  std::string data;
  char buf[8192];
  while (true) {
    if (!WaitFor(fd, POLLIN, deadline)) return kube::Status(kube::Code::kTimeout, "timed out waiting for an answer");
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return kube::Status(kube::Code::kUnavailable, std::string("recv: ") + std::strerror(errno));
    if (n == 0) return data;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > kMaxMessage) return kube::Status(kube::Code::kInvalidArgument, "message too large");
  }
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

kube::Result<std::unique_ptr<UnixSocketServer>> UnixSocketServer::Start(const std::string& path, Handler handler) {
  auto addr = Address(path);
  if (!addr.ok()) return addr.status();
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  ::unlink(path.c_str());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return kube::Status(kube::Code::kUnavailable, std::string("socket: ") + std::strerror(errno));
  if (bind(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) != 0 || listen(fd, 256) != 0) {
    const std::string err = std::strerror(errno);
    close(fd);
    return kube::Status(kube::Code::kUnavailable, "cannot listen on " + path + ": " + err);
  }
  chmod(path.c_str(), 0600);
  return std::unique_ptr<UnixSocketServer>(new UnixSocketServer(path, fd, std::move(handler)));
}

UnixSocketServer::UnixSocketServer(std::string path, int fd, Handler handler)
    : path_(std::move(path)), listen_fd_(fd), handler_(std::move(handler)) {
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

UnixSocketServer::~UnixSocketServer() {
  stopping_ = true;
  shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  close(listen_fd_);
  while (in_flight_.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ::unlink(path_.c_str());
}

void UnixSocketServer::AcceptLoop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++in_flight_;
    std::thread([this, fd] {
      Serve(fd);
      --in_flight_;
    }).detach();
  }
}

void UnixSocketServer::Serve(int raw_fd) {
  Fd fd{raw_fd};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  auto data = ReadAll(fd.fd, deadline);
  nlohmann::json response;
  if (!data.ok()) return;
  auto request = kube::ParseJson(*data);
  if (!request.ok()) {
    response = {{"error", {{"code", "InvalidArgument"}, {"message", "the request " + request.status().message()}}}};
  } else {
    try {
      response = handler_(*request);
    } catch (const std::exception& e) {
      // A handler checks its input; reaching this is a bug, reported without the library's wording.
      response = {{"error", {{"code", "Internal"}, {"message", "the node daemon failed on this request"}}}};
    }
  }
  (void)WriteAll(fd.fd, response.dump(), deadline);
}

kube::Result<nlohmann::json> CallUnixSocket(const std::string& path, const nlohmann::json& request,
                                            std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto addr = Address(path);
  if (!addr.ok()) return addr.status();
  Fd fd{socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (fd.fd < 0) return kube::Status(kube::Code::kUnavailable, std::string("socket: ") + std::strerror(errno));
  if (connect(fd.fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) != 0) {
    return kube::Status(kube::Code::kUnavailable,
                        "cannot reach the nv-ipam node daemon at " + path + ": " + std::strerror(errno));
  }
  KUBE_RETURN_IF_ERROR(WriteAll(fd.fd, request.dump(), deadline));
  shutdown(fd.fd, SHUT_WR);
  auto data = ReadAll(fd.fd, deadline);
  if (!data.ok()) return data.status().WithContext("nv-ipam node daemon at " + path);
  if (data->empty()) {
    return kube::Status(kube::Code::kUnavailable,
                        "the nv-ipam node daemon at " + path + " closed the connection without answering (daemon unreachable)");
  }
  auto response = kube::ParseJson(*data);
  if (!response.ok()) {
    // A daemon that dies mid-answer leaves a cut document: it is unreachable, not confused.
    return kube::Status(kube::Code::kUnavailable, "the nv-ipam node daemon at " + path +
                                                      " broke off its answer (daemon unreachable): " +
                                                      response.status().message());
  }
  return response;
}

}  // namespace ipam
