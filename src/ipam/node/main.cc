// ipam-node: the nv-ipam node daemon. Puts the nv-ipam CNI plugin and its
// defaults file on the host, learns this node's block or prefix of each
// IPPool and CIDRPool, answers the plugin on a Unix socket, keeps
// reservations in a crash-safe store, and releases the addresses of pods that
// are gone. Takes upstream's flags, so it runs from upstream's manifests.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <thread>

#include "kube/log.h"
#include "kube/manager.h"
#include "kube/manager_flags.h"
#include "kube/signals.h"
#include "node/cni_install.h"
#include "node/daemon_handler.h"
#include "node/ipam_service.h"
#include "node/kube_pod_lookup.h"
#include "node/kube_pool_catalog.h"
#include "node/stale_cleaner.h"
#include "pool/pool_resources.h"
#include "rpc/unix_socket.h"
#include "version/version.h"

namespace {

std::string Env(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"nv-ipam node daemon: serves the nv-ipam CNI plugin."};
  app.set_version_flag("--version", version::VersionLine("ipam-node"));
  kube::ManagerFlags flags;
  // Upstream's DaemonSet runs it in the pod's own network with no probe and no scrape: loopback
  // endpoints there would reach no one, so both are off unless asked for.
  flags.metrics_address = "0";
  flags.probe_address = "0";
  flags.Register(app);
  flags.RegisterComponentBaseLogging(app);
  std::string node = Env("NODE_NAME", "");
  std::string pools_namespace = "kube-system";
  std::string bind = "unix:///var/lib/cni/nv-ipam/daemon.sock";
  std::string store_path = "/var/lib/cni/nv-ipam/store";
  double check_interval = 60;
  int checks_before_release = 3;
  app.add_option("--node-name", node, "This node's name (default: $NODE_NAME)");
  app.add_option("--ippools-namespace", pools_namespace, "Namespace of the IPPool and CIDRPool objects");
  app.add_option("--bind-address", bind, "Where the CNI plugin reaches the daemon (unix://PATH)");
  app.add_option("--store-file", store_path, "The reservations store");
  app.add_option("--stale-ip-check-interval", check_interval, "Seconds between checks for pods that are gone");
  app.add_option("--stale-ip-check-count-before-release", checks_before_release,
                 "Consecutive checks a pod must be missing on before its address is released")
      ->check(CLI::NonNegativeNumber);
  ipam::CniInstallOptions cni;
  app.add_option("--cni-bin-dir", cni.bin_dir, "The host's CNI bin directory, where the plugin is copied");
  app.add_option("--cni-nv-ipam-bin-file", cni.plugin_source, "The plugin to copy");
  app.add_flag("--cni-skip-nv-ipam-binary-copy", cni.skip_binary, "Leave the CNI bin directory alone");
  app.add_flag("--cni-skip-nv-ipam-config-creation", cni.skip_config, "Write no nv-ipam.conf");
  app.add_option("--cni-conf-dir", cni.conf_dir, "Where the plugin's defaults file (nv-ipam.conf) is written");
  app.add_option("--cni-daemon-socket", cni.daemon_socket, "The daemon's socket, as the plugin is told to reach it");
  app.add_option("--cni-daemon-call-timeout", cni.daemon_call_timeout_seconds, "Seconds the plugin waits for the daemon")
      ->check(CLI::Range(1, 3600));
  app.add_option("--cni-log-file", cni.log_file, "The plugin's log file");
  app.add_option("--cni-log-level", cni.log_level, "The plugin's log level")
      ->check(CLI::IsMember({"verbose", "debug", "info", "warning", "error", "panic"}));
  CLI11_PARSE(app, argc, argv);
  flags.ConfigureLogging();
  kube::ShutdownSignals signals;
  if (node.empty()) {
    kube::log::Error("the node name is required: --node-name or $NODE_NAME");
    return 1;
  }
  if (bind.rfind("unix://", 0) != 0) {
    kube::log::Error("--bind-address must be unix://PATH", {{"value", bind}});
    return 1;
  }

  if (kube::Status s = ipam::InstallCni(cni); !s.ok()) {
    kube::log::Error("cannot install the nv-ipam CNI plugin", {{"error", s.ToString()}});
    return 1;
  }
  if (!cni.skip_binary) kube::log::Info("nv-ipam CNI plugin installed", {{"dir", cni.bin_dir}});

  auto config = kube::Config::Load(flags.kubeconfig);
  if (!config.ok()) {
    kube::log::Error("cannot load Kubernetes configuration", {{"error", config.status().ToString()}});
    return 1;
  }
  kube::ManagerOptions options = flags.Options("ipam-node", "", *config);
  options.leader_elect = false;  // one daemon per node
  auto manager = kube::Manager::Create(*config, options);
  if (!manager.ok()) {
    kube::log::Error("cannot create manager", {{"error", manager.status().ToString()}});
    return 1;
  }
  auto& mgr = **manager;
  kube::InformerOptions pool_options;
  pool_options.namespace_ = pools_namespace;
  auto& ippools = mgr.GetInformer(ipam::PoolResource(ipam::PoolType::kIPPool), pool_options);
  auto& cidrpools = mgr.GetInformer(ipam::PoolResource(ipam::PoolType::kCIDRPool), pool_options);
  // Only this node's pods, and only their metadata, are cached.
  kube::InformerOptions pod_options;
  pod_options.field_selector = "spec.nodeName=" + node;
  pod_options.mask = std::make_shared<kube::FieldMask>(kube::FieldMask::WithMetadata({}));
  auto& pods = mgr.GetInformer(kube::resources::Pods(), pod_options);

  ipam::KubePoolCatalog catalog(ippools, cidrpools, pools_namespace, node);
  ipam::IpamService service(catalog, ipam::StoreFile(store_path));
  if (kube::Status s = service.Open(); !s.ok()) {
    kube::log::Error("cannot open the reservations store", {{"error", s.ToString()}});
    return 1;
  }
  kube::log::Info("reservations loaded", {{"store", store_path}, {"reservations", std::to_string(service.size())}});
  const std::string socket_path = bind.substr(std::string("unix://").size());
  auto server = ipam::UnixSocketServer::Start(
      socket_path, [&service](const nlohmann::json& request) { return ipam::HandleDaemonRequest(service, request); });
  if (!server.ok()) {
    kube::log::Error("cannot serve the CNI plugin", {{"error", server.status().ToString()}});
    return 1;
  }
  kube::log::Info("serving the nv-ipam CNI plugin", {{"socket", socket_path}, {"node", node}});

  ipam::KubePodLookup lookup(mgr.client(), pods);
  ipam::StaleCleaner cleaner(service, lookup, checks_before_release);
  std::jthread cleaner_thread([&](std::stop_token stop) {
    cleaner.Run(std::chrono::milliseconds(static_cast<int64_t>(check_interval * 1000)), stop);
  });

  kube::Status s = mgr.Run(signals.token());
  cleaner_thread.request_stop();
  cleaner_thread.join();
  server->reset();
  if (!s.ok()) {
    kube::log::Error("ipam-node stopped", {{"error", s.ToString()}});
    return 1;
  }
  kube::log::Info("ipam-node stopped cleanly");
  return 0;
}
