// node-agent: discovers what its node has (PCI devices, RDMA, kernel and OS,
// GPUs through NVML) and keeps its Node's labels in step, with the names
// Node Feature Discovery and GPU Feature Discovery use, in one small process.
#include <CLI/CLI.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>
#include <sstream>

#include <nlohmann/json.hpp>

#include "agent/label_plan.h"
#include "gpu/gpu_sharing.h"
#include "gpu/nvml_reader.h"
#include "kube/client.h"
#include "kube/informer.h"
#include "kube/log.h"
#include "kube/metadata_patch.h"
#include "kube/rest_client.h"
#include "kube/signals.h"
#include "manifests/renderer.h"
#include "node_labels.h"
#include "version/version.h"

namespace {

using Labels = std::map<std::string, std::string>;

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string part; std::getline(in, part, separator);) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

struct AgentOptions {
  std::string root = "/";
  std::vector<std::string> nvml_libraries;  // empty: the standard places below root
  discovery::DiscoveryOptions discovery;
};

// Every label of one discovery pass. A node without NVML has no GPU labels; NVML failing is
// logged once per distinct message.
Labels Discover(const AgentOptions& options, std::string* last_gpu_error) {
  auto gpus = discovery::ReadGpus(options.nvml_libraries.empty() ? discovery::NvmlCandidates(options.root)
                                                                 : options.nvml_libraries);
  if (gpus.ok()) {
    last_gpu_error->clear();
  } else if (!kube::IsNotFound(gpus.status()) && gpus.status().message() != *last_gpu_error) {
    *last_gpu_error = gpus.status().message();
    kube::log::Warn("cannot read GPUs; no GPU labels", {{"error", *last_gpu_error}});
  }
  return discovery::DiscoverNodeLabels(discovery::HostRoot(options.root), options.discovery,
                                       gpus.ok() ? &*gpus : nullptr);
}

// One pass against the API: reads the Node, writes what the plan changes.
kube::Status Sync(kube::Client& client, const std::string& node_name, const Labels& desired) {
  auto node = client.Get(kube::resources::Nodes(), "", node_name);
  if (!node.ok()) return node.status().WithContext("reading node " + node_name);
  const nlohmann::json tree = node->Tree();
  const std::string owned =
      tree["metadata"].value("annotations", nlohmann::json::object()).value(discovery::kOwnedLabelsAnnotation, "");
  const discovery::LabelPlan plan = discovery::PlanAgentLabels(node->Labels(), owned, desired);
  for (const auto& key : plan.foreign) {
    kube::log::Warn("label left alone: set by someone else to another value", {{"node", node_name}, {"label", key}});
  }
  if (plan.empty()) return kube::Status::Ok();
  kube::MetadataChanges annotations;
  if (plan.owned) annotations[discovery::kOwnedLabelsAnnotation] = *plan.owned;
  auto r = client.Patch(kube::resources::Nodes(), "", node_name, kube::PatchType::kMerge,
                        kube::MetadataPatch(*node, plan.labels, annotations));
  if (!r.ok()) return r.status().WithContext("labelling node " + node_name);
  kube::log::Info("node labels updated", {{"node", node_name}, {"changes", std::to_string(plan.labels.size())}});
  return kube::Status::Ok();
}

// The sharing the device plugin's configuration file sets (the same file GFD reads).
kube::Result<discovery::GpuSharing> ReadSharing(const std::string& path) {
  auto text = kube::ReadFile(path);
  if (!text.ok()) return text.status();
  auto document = manifests::YamlToJson(*text);
  if (!document.ok()) return document.status().WithContext(path);
  auto sharing = discovery::ParseGpuSharing(*document);
  if (!sharing.ok()) return sharing.status().WithContext(path);
  return sharing;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Discovers the node's devices, kernel, OS and GPUs and keeps them as its Node's labels."};
  app.set_version_flag("--version", version::VersionLine("node-agent"));
  AgentOptions options;
  std::string kubeconfig, device_plugin_config, pci_classes = "0200,0207,0300,0302", log_format = "json";
  std::vector<std::string> pci_fields = {"class,vendor", "vendor"};
  const char* node_env = std::getenv("NODE_NAME");
  std::string node_name = node_env ? node_env : "";
  bool oneshot = false, print = false;
  int interval_seconds = 60;
  app.add_option("--root", options.root, "Where the host's /sys, /proc and /etc are (a container mounts them)");
  app.add_option("--node-name", node_name, "The Node to label (default: $NODE_NAME)");
  app.add_option("--kubeconfig", kubeconfig, "Kubeconfig (default: in-cluster, then $KUBECONFIG)");
  app.add_option("--pci-classes", pci_classes, "PCI classes to label, comma-separated (prefixes, as NFD)");
  app.add_option("--pci-label-fields", pci_fields,
                 "Fields of a PCI label, comma-separated (class, vendor, device, subsystem_vendor, "
                 "subsystem_device); repeat for more labels per device");
  app.add_option("--mig-strategy", options.discovery.mig_strategy, "MIG strategy to report (none, single, mixed)")
      ->check(CLI::IsMember({"none", "single", "mixed"}));
  app.add_option("--device-plugin-config", device_plugin_config,
                 "The device plugin's configuration file, for the sharing labels (gpu.replicas, "
                 "gpu.sharing-strategy, mps.capable)");
  app.add_option("--nvml-library", options.nvml_libraries, "NVML library to load (default: the standard places)");
  app.add_flag("--oneshot", oneshot, "One discovery pass, then exit");
  app.add_flag("--print", print, "Print the labels instead of writing them");
  app.add_option("--interval", interval_seconds, "Seconds between passes")->check(CLI::PositiveNumber);
  app.add_option("--log-format", log_format, "json or text")->check(CLI::IsMember({"json", "text"}));
  CLI11_PARSE(app, argc, argv);
  kube::log::Configure(kube::log::Level::kInfo, log_format == "json" ? kube::log::Format::kJson : kube::log::Format::kText);

  options.discovery.pci.device_classes = Split(pci_classes, ',');
  options.discovery.pci.label_fields.clear();
  for (const auto& f : pci_fields) options.discovery.pci.label_fields.push_back(Split(f, ','));
  if (kube::Status s = discovery::ValidatePciLabelOptions(options.discovery.pci); !s.ok()) {
    kube::log::Error("bad PCI label options", {{"error", s.message()}});
    return 2;
  }
  if (!device_plugin_config.empty()) {
    auto sharing = ReadSharing(device_plugin_config);
    if (!sharing.ok()) {
      kube::log::Error("bad device plugin configuration", {{"error", sharing.status().ToString()}});
      return 2;
    }
    options.discovery.sharing = *sharing;
  }
  std::string gpu_error;
  if (print) {
    for (const auto& [key, value] : Discover(options, &gpu_error)) std::cout << key << "=" << value << "\n";
    if (oneshot) return 0;
  }
  if (node_name.empty()) {
    kube::log::Error("no node to label: set --node-name or $NODE_NAME");
    return 2;
  }
  kube::ShutdownSignals signals;
  auto connected = kube::Client::Connect(kubeconfig, "node-agent");
  if (!connected.ok()) {
    kube::log::Error("cannot reach the cluster", {{"error", connected.status().ToString()}});
    return 1;
  }
  kube::Client& client = **connected;
  const std::stop_token stop = signals.token();
  if (oneshot) {
    kube::Status s = Sync(client, node_name, Discover(options, &gpu_error));
    if (!s.ok()) kube::log::Warn("node labels not written", {{"error", s.ToString()}});
    return s.ok() ? 0 : 1;
  }

  // Between passes, a watch on the Node wakes the agent when its labels change, so a label someone
  // removed comes back within a second rather than at the next pass.
  std::mutex mu;
  std::condition_variable_any wake;
  bool labels_changed = false;
  kube::Informer node_watch(client, kube::resources::Nodes(), {.field_selector = "metadata.name=" + node_name});
  node_watch.AddHandlers({.on_update = [&](const kube::ObjectPtr& before, const kube::ObjectPtr& after) {
    if (before->Labels() == after->Labels()) return;
    std::lock_guard lock(mu);
    labels_changed = true;
    wake.notify_all();
  }});
  std::jthread watcher([&](std::stop_token watch_stop) { node_watch.Run(watch_stop); });
  constexpr auto kMinimumGap = std::chrono::seconds(1);  // bounds the writes if another writer fights back
  do {
    const auto started = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(mu);
      labels_changed = false;  // this pass reads the Node afresh; later changes wake the next one
    }
    kube::Status s = Sync(client, node_name, Discover(options, &gpu_error));
    if (!s.ok()) kube::log::Warn("node labels not written; trying again next pass", {{"error", s.ToString()}});
    std::unique_lock lock(mu);
    wake.wait_until(lock, stop, started + kMinimumGap, [] { return false; });
    wake.wait_until(lock, stop, started + std::chrono::seconds(interval_seconds), [&] { return labels_changed; });
  } while (!stop.stop_requested());
  watcher.request_stop();
  kube::log::Info("node-agent stopped");
  return 0;
}
