// gpu-operator: reconciles the GPU Operator's API (nvidia.com): the
// ClusterPolicy's ordered states, the NVIDIADrivers' driver pools, the GPU
// node labels they select on, and the drivers' upgrades node by node.
#include <CLI/CLI.hpp>

#include <cstdlib>

#include "cluster_policy_reconciler.h"
#include "kube/log.h"
#include "kube/manager.h"
#include "kube/manager_flags.h"
#include "kube/signals.h"
#include "labels/node_label_reconciler.h"
#include "nvidiadriver/nvidia_driver_reconciler.h"
#include "upgrade/gpu_upgrade_status.h"
#include "upgrade/gpu_upgrade_targets.h"
#include "upgrade_reconciler.h"
#include "crd_command.h"
#include "version/version.h"

namespace {

kube::UpdatePredicate LabelsChanged() {
  return [](const kube::Object& o, const kube::Object& n) { return o.meta().labels_hash != n.meta().labels_hash; };
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"NVIDIA GPU Operator compatible operator."};
  app.set_version_flag("--version", version::VersionLine("gpu-operator"));
  kube::ManagerFlags flags;
  flags.Register(app);
  const char* ns_env = std::getenv("OPERATOR_NAMESPACE");
  std::string operand_namespace = ns_env && *ns_env ? ns_env : "gpu-operator";
  app.add_option("--operand-namespace", operand_namespace,
                 "Namespace of the operator's operands (default: $OPERATOR_NAMESPACE, else gpu-operator)");
  int label_workers = 4;
  app.add_option("--label-workers", label_workers, "Concurrent node-labelling reconciles");
  operators::CrdCommand crd_command;  // the charts' CRD hook
  crd_command.Register(app);
  CLI11_PARSE(app, argc, argv);
  flags.ConfigureLogging();
  if (crd_command.Requested()) return crd_command.Run(flags.kubeconfig, "gpu-operator");
  kube::ShutdownSignals signals;  // before any thread starts

  auto config = kube::Config::Load(flags.kubeconfig);
  if (!config.ok()) {
    kube::log::Error("cannot load Kubernetes configuration", {{"error", config.status().ToString()}});
    return 1;
  }
  // The upstream operator's lease name: the two never run side by side.
  auto manager = kube::Manager::Create(*config, flags.Options("gpu-operator", "53822513.nvidia.com", *config));
  if (!manager.ok()) {
    kube::log::Error("cannot create manager", {{"error", manager.status().ToString()}});
    return 1;
  }
  auto& mgr = **manager;

  // ServiceMonitors are rendered only where Prometheus Operator's CRD exists.
  auto crd = mgr.client().Get(kube::resources::CustomResourceDefinitions(), "", "servicemonitors.monitoring.coreos.com");
  const bool service_monitors = crd.ok();
  if (!crd.ok() && !kube::IsNotFound(crd.status())) {
    kube::log::Warn("cannot tell whether ServiceMonitors exist", {{"error", crd.status().ToString()}});
  }

  auto& policies = mgr.GetInformer(gpu::ClusterPolicies());
  auto& drivers = mgr.GetInformer(gpu::NvidiaDrivers());
  // Nodes: only metadata (labels) and the container runtime are cached, so memory stays small with many nodes.
  kube::InformerOptions node_options;
  kube::FieldMask node_mask = kube::FieldMask::WithMetadata({"status.nodeInfo.containerRuntimeVersion"});
  gpu::KeepUpgradeAnnotations(node_mask);
  node_options.mask = std::make_shared<kube::FieldMask>(std::move(node_mask));
  auto& nodes = mgr.GetInformer(kube::resources::Nodes(), node_options);
  // What the states create: only objects carrying the state label, namespaced ones in the operand namespace.
  operators::ManagedKinds kinds;
  for (const auto& resource : gpu::ClusterPolicyStateResources(service_monitors)) {
    kube::InformerOptions options;
    options.label_selector = gpu::kStateLabel;
    if (resource.namespaced) options.namespace_ = operand_namespace;
    kinds.Add(resource, &mgr.GetInformer(resource, options));
  }
  // Driver pods and revisions, for OnDelete readiness.
  kube::InformerOptions driver_options;
  driver_options.namespace_ = operand_namespace;
  driver_options.label_selector = gpu::kDriverComponentSelector;
  kube::InformerOptions pod_options = driver_options;
  pod_options.mask = std::make_shared<kube::FieldMask>(
      kube::FieldMask::WithMetadata({"spec.nodeName", "status.phase", "status.containerStatuses"}));
  auto& driver_pods = mgr.GetInformer(kube::resources::Pods(), pod_options);
  auto& driver_revisions = mgr.GetInformer(kube::resources::ControllerRevisions(), driver_options);

  auto env = [](const std::string& name) {
    const char* v = std::getenv(name.c_str());
    return std::string(v ? v : "");
  };
  auto reconciler = std::make_shared<gpu::ClusterPolicyReconciler>(
      mgr.client(), mgr.recorder(),
      gpu::ClusterPolicyReconciler::Informers{policies, nodes, driver_pods, driver_revisions}, kinds,
      operand_namespace, env, service_monitors);
  auto controller = std::make_unique<kube::Controller>("clusterpolicy-controller", reconciler);
  const auto everything = kube::handlers::EnqueueConstant({"", gpu::ClusterPolicyReconciler::kKey});
  // Status updates pass too: a pass that compared against a status older than its own last
  // write runs again once that write arrives (and then finds nothing to write).
  controller->Watch(policies, everything, kube::predicates::ResourceVersionChanged());
  for (const auto& [key, entry] : kinds.all()) {
    controller->Watch(*entry.second, everything, kube::predicates::ResourceVersionChanged());
  }
  controller->Watch(driver_pods, everything, kube::predicates::ResourceVersionChanged());
  controller->Watch(driver_revisions, everything, kube::predicates::ResourceVersionChanged());
  controller->Watch(nodes, everything, LabelsChanged());
  mgr.AddController(std::move(controller));

  auto driver_reconciler = std::make_shared<gpu::NvidiaDriverReconciler>(
      mgr.client(), mgr.recorder(),
      gpu::NvidiaDriverReconciler::Informers{drivers, policies, nodes, driver_pods, driver_revisions}, kinds,
      operand_namespace, env);
  auto driver_controller = std::make_unique<kube::Controller>("nvidia-driver-controller", driver_reconciler);
  const auto all_drivers = kube::handlers::EnqueueConstant({"", gpu::NvidiaDriverReconciler::kKey});
  driver_controller->Watch(drivers, all_drivers, kube::predicates::ResourceVersionChanged());
  driver_controller->Watch(policies, all_drivers, kube::predicates::IgnoreStatusOnly());
  driver_controller->Watch(*kinds.Find("apps/v1", "DaemonSet")->second, all_drivers,
                           kube::predicates::ResourceVersionChanged());
  driver_controller->Watch(driver_pods, all_drivers, kube::predicates::ResourceVersionChanged());
  driver_controller->Watch(driver_revisions, all_drivers, kube::predicates::ResourceVersionChanged());
  driver_controller->Watch(nodes, all_drivers, LabelsChanged());
  mgr.AddController(std::move(driver_controller));

  auto labeler = std::make_shared<gpu::NodeLabelReconciler>(mgr.client(), policies, drivers, nodes);
  kube::ControllerOptions label_options;
  label_options.workers = label_workers;
  auto label_controller = std::make_unique<kube::Controller>("node-labeling", labeler, std::move(label_options));
  label_controller->Watch(nodes, kube::handlers::EnqueueObject(), LabelsChanged());
  label_controller->Watch(policies, kube::handlers::EnqueueAllOf(nodes), kube::predicates::IgnoreStatusOnly());
  label_controller->Watch(drivers, kube::handlers::EnqueueAllOf(nodes), kube::predicates::IgnoreStatusOnly());
  mgr.AddController(std::move(label_controller));

  // The driver upgrades: one pass over every driver, woken by what moves a node along, and by
  // its own requeue while clocks run.
  auto upgrader = std::make_shared<upgrade::UpgradeReconciler>(
      mgr.client(), mgr.recorder(),
      [&policies, &drivers, operand_namespace] { return gpu::GpuUpgradeTargets(policies, drivers, operand_namespace); },
      upgrade::UpgradeReconcilerOptions{"gpu_operator_"});
  auto upgrade_controller = std::make_unique<kube::Controller>("driver-upgrade", upgrader);
  const auto upgrade_pass = kube::handlers::EnqueueConstant({"", upgrade::UpgradeReconciler::kKey});
  upgrade_controller->Watch(policies, upgrade_pass, kube::predicates::IgnoreStatusOnly());
  upgrade_controller->Watch(drivers, upgrade_pass, kube::predicates::IgnoreStatusOnly());
  upgrade_controller->Watch(driver_pods, upgrade_pass, kube::predicates::ResourceVersionChanged());
  upgrade_controller->Watch(driver_revisions, upgrade_pass, kube::predicates::ResourceVersionChanged());
  upgrade_controller->Watch(nodes, upgrade_pass, LabelsChanged());
  mgr.AddController(std::move(upgrade_controller));

  kube::Status s = mgr.Run(signals.token());
  if (!s.ok()) {
    kube::log::Error("gpu-operator stopped", {{"error", s.ToString()}});
    return 1;
  }
  kube::log::Info("gpu-operator stopped cleanly");
  return 0;
}
