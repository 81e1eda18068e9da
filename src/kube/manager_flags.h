// ManagerFlags: the command-line flags every operator process shares
// (kubeconfig, metrics and probe addresses, leader election, logging), with
// controller-runtime's names and defaults, and their conversion into
// ManagerOptions. Header-only over CLI11, so the runtime library does not
// depend on it.
#ifndef KUBE_MANAGER_FLAGS_H_
#define KUBE_MANAGER_FLAGS_H_

#include <CLI/CLI.hpp>

#include <chrono>
#include <string>

#include "kube/log.h"
#include "kube/manager.h"

namespace kube {

struct ManagerFlags {
  std::string kubeconfig;
  std::string metrics_address = "127.0.0.1:8080";
  std::string probe_address = "127.0.0.1:8081";
  bool leader_elect = false;
  std::string leader_election_namespace;
  double lease_duration = 15, renew_deadline = 10, retry_period = 2;
  std::string log_level = "info";
  std::string log_format = "json";
  int verbosity = -1;  // component-base's --v; -1 when not given

  void Register(CLI::App& app) {
    app.add_option("--kubeconfig", kubeconfig, "Path to a kubeconfig (default: $KUBECONFIG, in-cluster, ~/.kube/config)");
    app.add_option("--metrics-bind-address", metrics_address, "Address of /metrics (0 disables)");
    app.add_option("--health-probe-bind-address", probe_address, "Address of /healthz and /readyz (0 disables)");
    app.add_flag("--leader-elect", leader_elect, "Run the controllers only while holding the leader lease");
    app.add_option("--leader-election-namespace", leader_election_namespace, "Namespace of the lease (default: the context's)");
    app.add_option("--leader-elect-lease-duration", lease_duration, "Seconds a lease is held without renewal");
    app.add_option("--leader-elect-renew-deadline", renew_deadline, "Seconds the leader keeps trying to renew");
    app.add_option("--leader-elect-retry-period", retry_period, "Seconds between lease attempts");
    app.add_option("--log-level", log_level, "debug, info, warn or error")->check(CLI::IsMember({"debug", "info", "warn", "error"}));
    app.add_option("--log-format", log_format, "json or text")->check(CLI::IsMember({"json", "text"}));
  }

  // The logging flags of Kubernetes' component-base (--v, --logging-format), for programs that stand in
  // for one built on it and are started with its flags.
  void RegisterComponentBaseLogging(CLI::App& app) {
    app.add_option("--v", verbosity, "Log verbosity as component-base counts it: 0-1 info, 2 and more debug")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--logging-format", log_format, "Same as --log-format: json or text")
        ->check(CLI::IsMember({"json", "text"}));
  }

  void ConfigureLogging() const {
    log::Level level = log::Level::kInfo;
    log::ParseLevel(log_level, &level);
    if (verbosity >= 2) level = log::Level::kDebug;
    log::Configure(level, log_format == "text" ? log::Format::kText : log::Format::kJson);
  }

  // Options for a manager named `name` whose lease is `lease_name`.
  ManagerOptions Options(const std::string& name, const std::string& lease_name, const Config& config) const {
    auto ms = [](double s) { return std::chrono::milliseconds(static_cast<int64_t>(s * 1000)); };
    ManagerOptions o;
    o.name = name;
    o.metrics_address = metrics_address;
    o.probe_address = probe_address;
    o.leader_elect = leader_elect;
    o.leader_election.name = lease_name;
    o.leader_election.namespace_ = leader_election_namespace.empty() ? config.namespace_ : leader_election_namespace;
    o.leader_election.lease_duration = ms(lease_duration);
    o.leader_election.renew_deadline = ms(renew_deadline);
    o.leader_election.retry_period = ms(retry_period);
    return o;
  }
};

}  // namespace kube

#endif  // KUBE_MANAGER_FLAGS_H_
