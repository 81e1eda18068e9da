// ipam-controller: hands each node a block of every IPPool and a prefix of
// every CIDRPool that selects it, in the pools' status. Leader-elected.
// Takes upstream's flags, so it runs from upstream's manifests.
#include <CLI/CLI.hpp>

#include "controller/pool_reconciler.h"
#include "kube/log.h"
#include "kube/manager.h"
#include "kube/manager_flags.h"
#include "kube/signals.h"
#include "pool/pool_resources.h"
#include "version/version.h"

int main(int argc, char** argv) {
  CLI::App app{"nv-ipam controller: per-node blocks and prefixes for IPPool and CIDRPool."};
  app.set_version_flag("--version", version::VersionLine("ipam-controller"));
  kube::ManagerFlags flags;
  // Upstream's manifests probe the pod's address on 8081 and pass no probe flag.
  flags.probe_address = ":8081";
  flags.Register(app);
  flags.RegisterComponentBaseLogging(app);
  std::string pools_namespace = "kube-system";
  int workers = 2;
  bool webhook = false;
  app.add_option("--leader-elect-namespace", flags.leader_election_namespace,
                 "Same as --leader-election-namespace (upstream's name)");
  app.add_flag("--webhook", webhook, "Upstream's validating webhook; pools are checked by the controller instead");
  app.add_option("--ippools-namespace", pools_namespace, "Namespace of the IPPool and CIDRPool objects");
  app.add_option("--workers", workers, "Concurrent reconciles per pool kind");
  CLI11_PARSE(app, argc, argv);
  flags.ConfigureLogging();
  kube::ShutdownSignals signals;
  if (webhook) {
    kube::log::Warn("no webhook is served: a bad pool is refused by the controller, in its status and an Event",
                    {{"flag", "--webhook"}});
  }

  auto config = kube::Config::Load(flags.kubeconfig);
  if (!config.ok()) {
    kube::log::Error("cannot load Kubernetes configuration", {{"error", config.status().ToString()}});
    return 1;
  }
  kube::ManagerOptions options = flags.Options("ipam-controller", "ipam-controller.nv-ipam.nvidia.com", *config);
  if (flags.leader_election_namespace.empty()) options.leader_election.namespace_ = pools_namespace;
  auto manager = kube::Manager::Create(*config, options);
  if (!manager.ok()) {
    kube::log::Error("cannot create manager", {{"error", manager.status().ToString()}});
    return 1;
  }
  auto& mgr = **manager;
  // Nodes: only metadata (name, labels) is cached.
  kube::InformerOptions node_options;
  node_options.mask = std::make_shared<kube::FieldMask>(kube::FieldMask::WithMetadata({}));
  auto& nodes = mgr.GetInformer(kube::resources::Nodes(), node_options);
  const kube::UpdatePredicate labels_changed = [](const kube::Object& o, const kube::Object& n) {
    return o.meta().labels_hash != n.meta().labels_hash || o.meta().deleting != n.meta().deleting;
  };
  for (ipam::PoolType type : {ipam::PoolType::kIPPool, ipam::PoolType::kCIDRPool}) {
    kube::InformerOptions pool_options;
    pool_options.namespace_ = pools_namespace;
    auto& pools = mgr.GetInformer(ipam::PoolResource(type), pool_options);
    auto reconciler = std::make_shared<ipam::PoolReconciler>(mgr.client(), mgr.recorder(), type, pools, nodes);
    kube::ControllerOptions controller_options;
    controller_options.workers = workers;
    auto controller = std::make_unique<kube::Controller>(ipam::PoolResource(type).plural, reconciler,
                                                         std::move(controller_options));
    // Status updates pass too: a reconcile that compared against a stale cached status runs again.
    // Every pool of the kind: one pool's change can start or end another's overlap.
    controller->Watch(pools, kube::handlers::EnqueueAllOf(pools), kube::predicates::ResourceVersionChanged());
    controller->Watch(nodes, kube::handlers::EnqueueAllOf(pools), labels_changed);
    mgr.AddController(std::move(controller));
  }
  kube::Status s = mgr.Run(signals.token());
  if (!s.ok()) {
    kube::log::Error("ipam-controller stopped", {{"error", s.ToString()}});
    return 1;
  }
  kube::log::Info("ipam-controller stopped cleanly");
  return 0;
}
