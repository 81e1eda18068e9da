// network-operator: reconciles the Network Operator's API
// (mellanox.com/v1alpha1): NicClusterPolicy (the states implemented so far)
// and the secondary-network kinds MacvlanNetwork, HostDeviceNetwork and
// IPoIBNetwork.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdlib>
#include <functional>

#include <nlohmann/json.hpp>

#include "kube/log.h"
#include "kube/manager.h"
#include "kube/manager_flags.h"
#include "kube/signals.h"
#include "networks/network_kind.h"
#include "networks/network_reconciler.h"
#include "policy/nic_cluster_policy_reconciler.h"
#include "policy/driver_image_tags.h"
#include "policy/nic_node_policy_reconciler.h"
#include "network_labels.h"
#include "crd_command.h"
#include "image_registry.h"
#include "version/version.h"
#include "upgrade/ofed_upgrade_status.h"
#include "upgrade/ofed_upgrade_targets.h"
#include "upgrade_reconciler.h"

namespace {

// A node's labels or taints decide driver pools and node-policy selection; its status does not.
kube::UpdatePredicate LabelsOrSpecChanged() {
  return [](const kube::Object& o, const kube::Object& n) {
    return o.meta().labels_hash != n.meta().labels_hash ||
           o.Tree().value("spec", nlohmann::json::object()) != n.Tree().value("spec", nlohmann::json::object());
  };
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"NVIDIA Network Operator compatible operator."};
  app.set_version_flag("--version", version::VersionLine("network-operator"));
  kube::ManagerFlags flags;
  flags.Register(app);
  int workers = 2;
  app.add_option("--workers", workers, "Concurrent reconciles per controller");
  const char* pod_namespace = std::getenv("POD_NAMESPACE");
  network::OperandSettings settings;
  if (pod_namespace && *pod_namespace) settings.namespace_ = pod_namespace;
  if (const char* init = std::getenv("OFED_INIT_CONTAINER_IMAGE")) settings.ofed_init_image = init;
  if (const char* registry = std::getenv("IMAGE_REGISTRY"); registry && *registry) {
    settings.image_registry = registry;
    settings.ofed_init_image = operators::WithRegistry(settings.ofed_init_image, registry);
  }
  if (const char* dir = std::getenv("CNI_BIN_DIR"); dir && *dir) settings.cni_bin_dir = dir;
  if (const char* dir = std::getenv("CNI_NETWORK_DIR"); dir && *dir) settings.cni_network_dir = dir;
  std::string& operand_namespace = settings.namespace_;
  app.add_option("--operand-namespace", operand_namespace,
                 "Namespace of the components a NicClusterPolicy deploys (default: $POD_NAMESPACE, else "
                 "nvidia-network-operator)");
  int registry_timeout = 20;
  app.add_option("--registry-timeout", registry_timeout,
                 "Seconds one listing of a driver repository's tags may take (precompiled OFED images)")
      ->check(CLI::Range(1, 600));
  int poll_minutes = 30;
  if (const char* poll = std::getenv("DOCA_DRIVER_IMAGE_POLL_TIME_MINUTES"); poll && *poll) {
    poll_minutes = std::max(1, std::atoi(poll));
  }
  operators::CrdCommand crd_command;  // the charts' CRD hook
  crd_command.Register(app);
  CLI11_PARSE(app, argc, argv);
  flags.ConfigureLogging();
  if (crd_command.Requested()) return crd_command.Run(flags.kubeconfig, "network-operator");
  kube::ShutdownSignals signals;  // before any thread starts

  auto config = kube::Config::Load(flags.kubeconfig);
  if (!config.ok()) {
    kube::log::Error("cannot load Kubernetes configuration", {{"error", config.status().ToString()}});
    return 1;
  }
  // The upstream operator's lease name: the two never run side by side.
  auto manager = kube::Manager::Create(*config, flags.Options("network-operator", "12620820.mellanox.com", *config));
  if (!manager.ok()) {
    kube::log::Error("cannot create manager", {{"error", manager.status().ToString()}});
    return 1;
  }
  auto& mgr = **manager;

  kube::InformerOptions nad_options;
  nad_options.label_selector = std::string(operators::kManagedByLabel) + "=network-operator";
  auto& attachments = mgr.GetInformer(network::NetworkAttachmentDefinitions(), nad_options);
  for (const auto& kind : {network::MacvlanNetworkKind(), network::HostDeviceNetworkKind(), network::IPoIBNetworkKind()}) {
    auto& networks = mgr.GetInformer(kind.resource);
    auto reconciler = std::make_shared<network::NetworkReconciler>(mgr.client(), mgr.recorder(), kind, networks,
                                                                   attachments);
    kube::ControllerOptions options;
    options.workers = workers;
    auto controller = std::make_unique<kube::Controller>(kind.resource.plural, reconciler, std::move(options));
    // Status updates pass too: a reconcile that compared against a cached status older than its
    // own last write must run again once that write arrives (it then finds nothing to write).
    controller->Watch(networks, kube::handlers::EnqueueObject(), kube::predicates::ResourceVersionChanged());
    controller->Watch(attachments, kube::handlers::EnqueueOwner(kind.resource.group, kind.resource.kind, false),
                      kube::predicates::ResourceVersionChanged());
    mgr.AddController(std::move(controller));
  }

  // NicClusterPolicy: the policy itself, and what its states create (only objects carrying the
  // state label are cached, so memory does not grow with the cluster; namespaced ones are all in
  // the operand namespace, so a namespaced Role covers them).
  auto& policies = mgr.GetInformer(network::NicClusterPolicies());
  network::ManagedKinds kinds;
  for (const auto& resource : network::StateResources()) {
    kube::InformerOptions options;
    options.label_selector = network::kStateLabel;
    if (resource.namespaced) options.namespace_ = operand_namespace;
    kinds.Add(resource, &mgr.GetInformer(resource, options));
  }
  // Nodes: only labels, taints and the container runtime are cached.
  kube::InformerOptions node_options;
  kube::FieldMask node_mask = kube::FieldMask::WithMetadata({"spec.taints", "status.nodeInfo.containerRuntimeVersion"});
  network::KeepOfedUpgradeAnnotations(node_mask);
  node_options.mask = std::make_shared<kube::FieldMask>(std::move(node_mask));
  auto& nodes = mgr.GetInformer(kube::resources::Nodes(), node_options);
  // Driver pods: only their node and container readiness are cached.
  kube::InformerOptions pod_options;
  pod_options.namespace_ = operand_namespace;
  pod_options.label_selector = network::kOfedDriverPodLabel;
  pod_options.mask = std::make_shared<kube::FieldMask>(
      kube::FieldMask::WithMetadata({"spec.nodeName", "status.containerStatuses"}));
  auto& driver_pods = mgr.GetInformer(kube::resources::Pods(), pod_options);
  auto& node_policies = mgr.GetInformer(network::NicNodePolicies());
  // Whether precompiled driver tags exist: asked in the background; each new answer brings a pass.
  std::function<void()> registry_answered;
  registry::TagCache::Options tag_options;
  tag_options.refresh = std::chrono::minutes(poll_minutes);
  tag_options.retry = std::min<std::chrono::milliseconds>(tag_options.refresh, std::chrono::minutes(5));
  tag_options.on_change = [&registry_answered] { registry_answered(); };
  network::DriverImageTags driver_tags(mgr.client(), operand_namespace, std::chrono::seconds(registry_timeout),
                                       tag_options);
  settings.driver_tags = driver_tags.AsLookup();
  network::NodeViews views(nodes, driver_pods, kinds.Find("apps/v1", "DaemonSet")->second);
  auto policy_reconciler = std::make_shared<network::NicClusterPolicyReconciler>(
      mgr.client(), mgr.recorder(), policies, node_policies, views, kinds, settings);
  auto policy_controller = std::make_unique<kube::Controller>("nicclusterpolicy", policy_reconciler);
  kube::Controller* cluster_policy_queue = policy_controller.get();
  // Status updates pass too (see the network controllers above).
  policy_controller->Watch(policies, kube::handlers::EnqueueObject(), kube::predicates::ResourceVersionChanged());
  for (const auto& [key, entry] : kinds.all()) {
    policy_controller->Watch(*entry.second, kube::handlers::EnqueueOwner("mellanox.com", "NicClusterPolicy", false),
                             kube::predicates::ResourceVersionChanged());
  }
  policy_controller->Watch(driver_pods,
                           kube::handlers::EnqueueConstant({"", network::NicClusterPolicyReconciler::kSingletonName}),
                           kube::predicates::ResourceVersionChanged());
  policy_controller->Watch(nodes, kube::handlers::EnqueueConstant({"", network::NicClusterPolicyReconciler::kSingletonName}),
                           LabelsOrSpecChanged());
  // Node policies decide, with the cluster policy, which nodes wait for a driver.
  policy_controller->Watch(node_policies,
                           kube::handlers::EnqueueConstant({"", network::NicClusterPolicyReconciler::kSingletonName}),
                           kube::predicates::IgnoreStatusOnly());
  mgr.AddController(std::move(policy_controller));

  // NicNodePolicy: each one's own objects; any policy or node change may create or end a conflict.
  auto node_policy_reconciler = std::make_shared<network::NicNodePolicyReconciler>(
      mgr.client(), mgr.recorder(), node_policies, policies, views, kinds, settings);
  auto node_policy_controller = std::make_unique<kube::Controller>("nicnodepolicy", node_policy_reconciler);
  kube::Controller* node_policy_queue = node_policy_controller.get();
  node_policy_controller->Watch(node_policies, kube::handlers::EnqueueObject(),
                                kube::predicates::ResourceVersionChanged());
  node_policy_controller->Watch(node_policies, kube::handlers::EnqueueAllOf(node_policies),
                                kube::predicates::IgnoreStatusOnly());
  node_policy_controller->Watch(policies, kube::handlers::EnqueueAllOf(node_policies),
                                kube::predicates::IgnoreStatusOnly());
  for (const auto& [key, entry] : kinds.all()) {
    node_policy_controller->Watch(*entry.second, kube::handlers::EnqueueOwner("mellanox.com", "NicNodePolicy", false),
                                  kube::predicates::ResourceVersionChanged());
  }
  node_policy_controller->Watch(nodes, kube::handlers::EnqueueAllOf(node_policies), LabelsOrSpecChanged());
  mgr.AddController(std::move(node_policy_controller));

  // The OFED driver's upgrades: one pass over every policy's driver, woken by what moves a node
  // along, and by its own requeue while clocks run.
  auto upgrader = std::make_shared<upgrade::UpgradeReconciler>(
      mgr.client(), mgr.recorder(),
      [&policies, &node_policies, &views, operand_namespace] {
        return network::OfedUpgradeTargets(policies, node_policies, views, operand_namespace);
      },
      upgrade::UpgradeReconcilerOptions{"network_operator_ofed_"});
  auto upgrade_controller = std::make_unique<kube::Controller>("ofed-driver-upgrade", upgrader);
  const auto upgrade_pass = kube::handlers::EnqueueConstant({"", upgrade::UpgradeReconciler::kKey});
  upgrade_controller->Watch(policies, upgrade_pass, kube::predicates::IgnoreStatusOnly());
  upgrade_controller->Watch(node_policies, upgrade_pass, kube::predicates::IgnoreStatusOnly());
  upgrade_controller->Watch(driver_pods, upgrade_pass, kube::predicates::ResourceVersionChanged());
  upgrade_controller->Watch(*kinds.Find("apps/v1", "DaemonSet")->second, upgrade_pass,
                            kube::predicates::ResourceVersionChanged());
  upgrade_controller->Watch(nodes, upgrade_pass, LabelsOrSpecChanged());
  mgr.AddController(std::move(upgrade_controller));

  registry_answered = [&] {
    cluster_policy_queue->Enqueue({"", network::NicClusterPolicyReconciler::kSingletonName});
    for (const auto& policy : node_policies.store().List()) node_policy_queue->Enqueue({"", policy->name()});
  };

  kube::Status s = mgr.Run(signals.token());
  if (!s.ok()) {
    kube::log::Error("network-operator stopped", {{"error", s.ToString()}});
    return 1;
  }
  kube::log::Info("network-operator stopped cleanly");
  return 0;
}
