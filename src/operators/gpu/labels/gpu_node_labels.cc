#include "labels/gpu_node_labels.h"
#include "gpu_labels.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

namespace gpu {
namespace {

const std::string kDeployPrefix = kDeployLabelPrefix;

const std::array<const char*, 18> kAllDeployLabels = {
    "driver", "gpu-feature-discovery", "container-toolkit", "device-plugin", "dcgm", "dcgm-exporter",
    "node-status-exporter", "operator-validator", "client", "mig-manager", "sandbox-device-plugin",
    "kata-sandbox-device-plugin", "sandbox-validator", "vfio-manager", "kata-manager", "cc-manager",
    "vgpu-manager", "vgpu-device-manager"};

std::string Get(const std::map<std::string, std::string>& labels, const std::string& key) {
  auto it = labels.find(key);
  return it == labels.end() ? "" : it->second;
}

bool MigCapable(const std::map<std::string, std::string>& labels) {
  if (labels.count(kVgpuHostDriverLabel)) return false;  // a vGPU guest
  const std::string capable = Get(labels, kMigCapableLabel);
  if (!capable.empty()) return capable == "true";
  // Before GFD has run: upstream's product-name heuristic.
  std::string product = Get(labels, kGpuProductLabel);
  std::transform(product.begin(), product.end(), product.begin(), [](unsigned char c) { return std::tolower(c); });
  return product.find("h100") != std::string::npos || product.find("a100") != std::string::npos ||
         product.find("a30") != std::string::npos;
}

std::vector<std::string> DeployLabelsFor(const std::string& workload, bool mig_capable, bool kata) {
  if (workload == "vm-passthrough") {
    return {kata ? "kata-sandbox-device-plugin" : "sandbox-device-plugin", "sandbox-validator", "vfio-manager",
            "kata-manager", "cc-manager", "client"};
  }
  if (workload == "vm-vgpu") {
    return {"sandbox-device-plugin", "vgpu-manager", "vgpu-device-manager", "sandbox-validator", "cc-manager",
            "client"};
  }
  std::vector<std::string> out = {"driver", "gpu-feature-discovery", "container-toolkit", "device-plugin", "dcgm",
                                  "dcgm-exporter", "node-status-exporter", "operator-validator", "client"};
  if (mig_capable) out.push_back("mig-manager");
  return out;
}

}  // namespace

bool IsGpuNode(const std::map<std::string, std::string>& labels) {
  for (const char* key : kNvidiaPciLabels) {
    if (Get(labels, key) == "true") return true;
  }
  return false;
}

LabelPlan PlanGpuNodeLabels(const std::map<std::string, std::string>& labels, const LabelSettings& settings) {
  LabelPlan plan;
  auto set = [&](const std::string& key, const std::string& value) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) plan.changes[key] = value;
  };
  // Only what we wrote ("true") is ever taken away.
  auto remove_ours = [&](const std::string& key) {
    auto it = labels.find(key);
    if (it != labels.end() && (it->second == "true" || it->second.empty())) plan.changes[key] = std::nullopt;
  };

  const bool gpu = IsGpuNode(labels);
  if (!gpu) {
    // A node that was a GPU node keeps gpu.present as "false", as upstream (not removed). Deploy
    // labels holding "true" go from any node that is not a GPU node, with or without gpu.present.
    if (labels.count(kGpuPresentLabel)) set(kGpuPresentLabel, "false");
    for (const char* name : kAllDeployLabels) remove_ours(kDeployPrefix + name);
    return plan;
  }
  set(kGpuPresentLabel, "true");
  if (Get(labels, kDeployOperandsLabel) == "false") {
    for (const char* name : kAllDeployLabels) remove_ours(kDeployPrefix + name);
    return plan;
  }

  std::string workload = "container";
  if (settings.sandbox_workloads) {
    workload = settings.default_workload.empty() ? "container" : settings.default_workload;
    const std::string requested = Get(labels, kWorkloadConfigLabel);
    if (requested == "container" || requested == "vm-passthrough" || requested == "vm-vgpu") {
      workload = requested;
    } else if (!requested.empty()) {
      plan.warnings.push_back(std::string(kWorkloadConfigLabel) + "=\"" + requested +
                              "\" is not container, vm-passthrough or vm-vgpu; using " + workload);
    }
  }
  plan.workload = workload;
  const bool mig_capable = MigCapable(labels);
  const auto wanted = DeployLabelsFor(workload, mig_capable, settings.kata_mode);
  const std::set<std::string> wanted_set(wanted.begin(), wanted.end());
  for (const auto& name : wanted) {
    if (Get(labels, kDeployPrefix + name).empty()) plan.changes[kDeployPrefix + name] = "true";
  }
  for (const char* name : kAllDeployLabels) {
    if (!wanted_set.count(name)) remove_ours(kDeployPrefix + name);
  }
  if (workload == "container" && mig_capable && settings.mig_manager && !labels.count(kMigConfigLabel) &&
      settings.mig_default_config == "all-disabled") {
    plan.changes[kMigConfigLabel] = "all-disabled";
  }
  return plan;
}

}  // namespace gpu
