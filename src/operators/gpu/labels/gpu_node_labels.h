// GPU node labelling: from a node's labels (NFD's PCI labels, GFD's MIG and
// product labels, the user's workload config and opt-outs) to the changes
// that keep `nvidia.com/gpu.present` and the `nvidia.com/gpu.deploy.*`
// labels right, as a pure function.
//
// As upstream: GPU presence from the vendor-only or class_vendor PCI labels;
// the deploy labels of the node's workload config (container,
// vm-passthrough, vm-vgpu); mig-manager only where MIG is possible;
// `nvidia.com/gpu.deploy.operands=false` takes the node out; a non-empty
// value a user (or the driver manager) set is honoured. Better than
// upstream: only labels holding "true" are ever removed, so a user's
// `false` survives the node losing its NFD labels for a moment, the node
// being taken out and put back, or a change of workload config.
#ifndef OPERATORS_GPU_LABELS_GPU_NODE_LABELS_H_
#define OPERATORS_GPU_LABELS_GPU_NODE_LABELS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gpu_labels.h"

namespace gpu {

struct LabelSettings {
  bool sandbox_workloads = false;             // spec.sandboxWorkloads.enabled
  std::string default_workload = "container";  // spec.sandboxWorkloads.defaultWorkload
  bool kata_mode = false;                     // spec.sandboxWorkloads.mode == kata
  bool mig_manager = true;                    // spec.migManager.enabled
  std::string mig_default_config = "all-disabled";  // spec.migManager.config.default
};

struct LabelPlan {
  // Label -> new value, or nullopt to remove it. Empty when the node is as it should be.
  std::map<std::string, std::optional<std::string>> changes;
  std::string workload;               // the config the node was labelled for ("" if not a GPU node)
  std::vector<std::string> warnings;  // e.g. an unknown workload config
};

bool IsGpuNode(const std::map<std::string, std::string>& labels);
LabelPlan PlanGpuNodeLabels(const std::map<std::string, std::string>& labels, const LabelSettings& settings);

}  // namespace gpu

#endif  // OPERATORS_GPU_LABELS_GPU_NODE_LABELS_H_
