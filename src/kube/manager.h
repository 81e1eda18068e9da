// Manager: runs an operator process, as controller-runtime's manager.
//
// It checks the server is reachable and the credentials work, serves
// /metrics, /healthz and /readyz, runs one shared informer per resource and
// selector, waits for their caches (failing fast, with the server's reason,
// when a list is Forbidden), optionally wins a leader election, then runs the
// controllers. On stop it drains in-flight reconciles, then releases the
// lease. A lost lease stops the controllers and makes Run return an error.
#ifndef KUBE_MANAGER_H_
#define KUBE_MANAGER_H_

#include <chrono>
#include <map>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "kube/client.h"
#include "kube/config.h"
#include "kube/controller.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/leader_election.h"
#include "kube/probe_server.h"

namespace kube {

struct ManagerOptions {
  std::string name = "manager";                       // component name: events, logs
  std::string metrics_address = "127.0.0.1:8080";     // "" or "0": off
  std::string probe_address = "127.0.0.1:8081";       // "" or "0": off
  bool leader_elect = false;
  LeaderElectionConfig leader_election;
  std::chrono::seconds cache_sync_timeout{120};
  std::chrono::seconds graceful_shutdown{30};
};

class Manager {
 public:
  static Result<std::unique_ptr<Manager>> Create(Config config, ManagerOptions options);
  ~Manager();

  Client& client() { return *client_; }
  EventRecorder& recorder() { return *recorder_; }
  const Config& config() const { return config_; }

  // The shared informer for this resource and options (created on first call; before Run).
  Informer& GetInformer(const Resource& resource, InformerOptions options = {});
  void AddController(std::unique_ptr<Controller> controller);

  // Runs until `stop` is requested (Ok) or something fatal happens (the error).
  Status Run(std::stop_token stop);

  // Port the metrics server bound (after Run started it; for tests with port 0).
  int metrics_port() const { return metrics_server_ ? metrics_server_->port() : 0; }
  bool synced() const;

 private:
  Manager(Config config, ManagerOptions options, std::shared_ptr<Client> client);
  Status Preflight();
  Status StartServers();
  Status WaitForCaches(std::stop_token stop);

  Config config_;
  ManagerOptions options_;
  std::shared_ptr<Client> client_;
  std::unique_ptr<EventRecorder> recorder_;
  std::map<std::string, std::unique_ptr<Informer>> informers_;
  std::vector<std::unique_ptr<Controller>> controllers_;
  std::unique_ptr<ProbeServer> metrics_server_;
  std::unique_ptr<ProbeServer> probe_server_;
};

}  // namespace kube

#endif  // KUBE_MANAGER_H_
