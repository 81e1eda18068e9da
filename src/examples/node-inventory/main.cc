// node-inventory: an example controller on the runtime. It keeps the
// ConfigMap "node-inventory" in step with the cluster's nodes.
#include <CLI/CLI.hpp>

#include "inventory_reconciler.h"
#include "kube/log.h"
#include "kube/manager.h"
#include "kube/manager_flags.h"
#include "kube/signals.h"
#include "version/version.h"

int main(int argc, char** argv) {
  CLI::App app{"Keeps a ConfigMap in step with the cluster's nodes."};
  app.set_version_flag("--version", version::VersionLine("node-inventory"));
  kube::ManagerFlags flags;
  flags.Register(app);
  std::string ns, name = "node-inventory";
  int workers = 1;
  app.add_option("--namespace", ns, "Namespace of the ConfigMap and the lease (default: the context's)");
  app.add_option("--name", name, "Name of the ConfigMap");
  app.add_option("--workers", workers, "Concurrent reconciles");
  CLI11_PARSE(app, argc, argv);
  flags.ConfigureLogging();
  kube::ShutdownSignals signals;  // before any thread starts

  auto config = kube::Config::Load(flags.kubeconfig);
  if (!config.ok()) {
    kube::log::Error("cannot load Kubernetes configuration", {{"error", config.status().ToString()}});
    return 1;
  }
  if (ns.empty()) ns = config->namespace_;
  if (flags.leader_election_namespace.empty()) flags.leader_election_namespace = ns;
  auto manager = kube::Manager::Create(*config, flags.Options("node-inventory", "node-inventory", *config));
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
