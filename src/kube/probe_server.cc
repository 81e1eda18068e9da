#include "kube/probe_server.h"

#include <httplib.h>

#include "kube/metrics.h"

namespace kube {

struct ProbeServer::Impl {
  httplib::Server server;
};

Result<std::pair<std::string, int>> ParseHostPort(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) return Status(Code::kInvalidArgument, "address \"" + address + "\" is not host:port");
  std::string host = address.substr(0, colon);
  if (host.empty()) host = "0.0.0.0";
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port_text = address.substr(colon + 1);
  char* end = nullptr;
  long port = std::strtol(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end != '\0' || port < 0 || port > 65535) {
    return Status(Code::kInvalidArgument, "address \"" + address + "\" has an invalid port");
  }
  return std::make_pair(host, static_cast<int>(port));
}

ProbeServer::ProbeServer() : impl_(std::make_unique<Impl>()) {}

ProbeServer::~ProbeServer() { Stop(); }

void ProbeServer::AddHealthCheck(const std::string& name, Check check) {
  std::lock_guard lock(mu_);
  health_[name] = std::move(check);
}

void ProbeServer::AddReadyCheck(const std::string& name, Check check) {
  std::lock_guard lock(mu_);
  ready_[name] = std::move(check);
}

std::string ProbeServer::RunChecks(const std::map<std::string, Check>& checks, bool verbose, bool* ok) const {
  std::string body;
  *ok = true;
  for (const auto& [name, check] : checks) {
    Status s = check();
    if (!s.ok()) *ok = false;
    if (verbose || !s.ok()) body += "[" + std::string(s.ok() ? "+" : "-") + "]" + name + (s.ok() ? " ok" : " failed: " + s.message()) + "\n";
  }
  body += *ok ? "ok\n" : "check failed\n";
  return body;
}

Status ProbeServer::Start(const std::string& address) {
  auto hp = ParseHostPort(address);
  if (!hp.ok()) return hp.status();
  auto& srv = impl_->server;
  srv.set_keep_alive_max_count(10);
  srv.set_keep_alive_timeout(5);
  srv.Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics::Default().Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  auto probe = [this](const std::map<std::string, Check>& checks) {
    return [this, &checks](const httplib::Request& req, httplib::Response& res) {
      std::map<std::string, Check> copy;
      {
        std::lock_guard lock(mu_);
        copy = checks;
      }
      bool ok = false;
      res.set_content(RunChecks(copy, req.has_param("verbose"), &ok), "text/plain");
      res.status = ok ? 200 : 500;
    };
  };
  srv.Get("/healthz", probe(health_));
  srv.Get("/readyz", probe(ready_));
  int port = hp->second;
  if (port == 0) {
    port = srv.bind_to_any_port(hp->first);
    if (port < 0) return Status(Code::kUnavailable, "cannot bind " + address);
  } else if (!srv.bind_to_port(hp->first, port)) {
    return Status(Code::kUnavailable, "cannot bind " + address + " (in use?)");
  }
  port_ = port;
  thread_ = std::thread([this] { impl_->server.listen_after_bind(); });
  return Status::Ok();
}

void ProbeServer::Stop() {
  if (thread_.joinable()) {
    impl_->server.stop();
    thread_.join();
  }
}

}  // namespace kube
