// node-inventory: an example controller on the runtime. It keeps the
// ConfigMap "node-inventory" in step with the cluster's nodes.
#include <CLI/CLI.hpp>

#include <iostream>

#include "inventory_reconciler.h"
#include "kube/log.h"
#include "kube/manager.h"
#include "kube/signals.h"

int main(int argc, char** argv) {
  CLI::App app{"Keeps a ConfigMap in step with the cluster's nodes."};
  std::string kubeconfig, ns, name = "node-inventory", metrics = "127.0.0.1:8080", probes = "127.0.0.1:8081";
  std::string log_level = "info", log_format = "json";
  bool leader_elect = false;
  double lease_duration = 15, renew_deadline = 10, retry_period = 2;
  int workers = 1;
  app.add_option("--kubeconfig", kubeconfig, "Path to a kubeconfig (default: $KUBECONFIG, in-cluster, ~/.kube/config)");
  app.add_option("--namespace", ns, "Namespace of the ConfigMap and the lease (default: the context's)");
  app.add_option("--name", name, "Name of the ConfigMap");
  app.add_option("--metrics-bind-address", metrics, "Address of /metrics (0 disables)");
  app.add_option("--health-probe-bind-address", probes, "Address of /healthz and /readyz (0 disables)");
  app.add_flag("--leader-elect", leader_elect, "Run only while holding the leader lease");
  app.add_option("--leader-elect-lease-duration", lease_duration, "Seconds a lease is held without renewal");
  app.add_option("--leader-elect-renew-deadline", renew_deadline, "Seconds the leader keeps trying to renew");
  app.add_option("--leader-elect-retry-period", retry_period, "Seconds between lease attempts");
  app.add_option("--workers", workers, "Concurrent reconciles");
  app.add_option("--log-level", log_level, "debug, info, warn or error");
  app.add_option("--log-format", log_format, "json or text");
  CLI11_PARSE(app, argc, argv);

  kube::log::Level level;
  if (!kube::log::ParseLevel(log_level, &level)) {
    std::cerr << "error: --log-level must be debug, info, warn or error\n";
    return 2;
  }
  kube::log::Configure(level, log_format == "text" ? kube::log::Format::kText : kube::log::Format::kJson);
  kube::ShutdownSignals signals;  // before any thread starts

  auto config = kube::Config::Load(kubeconfig);
  if (!config.ok()) {
    kube::log::Error("cannot load Kubernetes configuration", {{"error", config.status().ToString()}});
    return 1;
  }
  if (ns.empty()) ns = config->namespace_;
  kube::ManagerOptions options;
  options.name = "node-inventory";
  options.metrics_address = metrics;
  options.probe_address = probes;
  options.leader_elect = leader_elect;
  options.leader_election.name = "node-inventory";
  options.leader_election.namespace_ = ns;
  auto ms = [](double s) { return std::chrono::milliseconds(static_cast<int64_t>(s * 1000)); };
  options.leader_election.lease_duration = ms(lease_duration);
  options.leader_election.renew_deadline = ms(renew_deadline);
  options.leader_election.retry_period = ms(retry_period);
  auto manager = kube::Manager::Create(*config, options);
  if (!manager.ok()) {
    kube::log::Error("cannot create manager", {{"error", manager.status().ToString()}});
    return 1;
  }
  auto& mgr = **manager;
  kube::InformerOptions node_options;
  // Only what the inventory reads: conditions and labels (metadata is always kept).
  node_options.mask = std::make_shared<kube::FieldMask>(kube::FieldMask::WithMetadata({"status.conditions"}));
  auto& nodes = mgr.GetInformer(kube::resources::Nodes(), node_options);
  kube::InformerOptions cm_options;
  cm_options.namespace_ = ns;
  cm_options.field_selector = "metadata.name=" + name;
  auto& config_maps = mgr.GetInformer(kube::resources::ConfigMaps(), cm_options);

  auto reconciler = std::make_shared<inventory::InventoryReconciler>(mgr.client(), mgr.recorder(), nodes, config_maps,
                                                                     ns, name);
  kube::ControllerOptions copts;
  copts.workers = workers;
  auto controller = std::make_unique<kube::Controller>("node-inventory", reconciler, std::move(copts));
  const kube::ReconcileRequest singleton{ns, name};
  controller->Watch(nodes, kube::handlers::EnqueueConstant(singleton), kube::predicates::ResourceVersionChanged());
  controller->Watch(config_maps, kube::handlers::EnqueueConstant(singleton), kube::predicates::ResourceVersionChanged());
  mgr.AddController(std::move(controller));

  kube::Status s = mgr.Run(signals.token());
  if (!s.ok()) {
    kube::log::Error("node-inventory stopped", {{"error", s.ToString()}});
    return 1;
  }
  kube::log::Info("node-inventory stopped cleanly");
  return 0;
}
