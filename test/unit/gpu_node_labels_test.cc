// GPU node labelling: presence, deploy labels per workload config, opt-outs
// and the user's values.
#include <gtest/gtest.h>

#include "labels/gpu_node_labels.h"

namespace gpu {
namespace {

using Labels = std::map<std::string, std::string>;

// The node's labels after the plan is applied.
Labels Apply(Labels labels, const LabelPlan& plan) {
  for (const auto& [key, value] : plan.changes) {
    if (value) labels[key] = *value;
    else labels.erase(key);
  }
  return labels;
}

Labels Deploy(const Labels& labels) {
  Labels out;
  for (const auto& [k, v] : labels) {
    if (k.rfind("nvidia.com/gpu.deploy.", 0) == 0) out[k.substr(22)] = v;
  }
  return out;
}

const Labels kH100 = {{"feature.node.kubernetes.io/pci-0302_10de.present", "true"},
                      {"nvidia.com/gpu.product", "NVIDIA-H100-80GB-HBM3"}};

TEST(GpuNodeLabelsTest, ContainerNodeGetsEveryContainerOperandAndMig) {
  LabelSettings settings;
  Labels node = Apply(kH100, PlanGpuNodeLabels(kH100, settings));
  EXPECT_EQ(node["nvidia.com/gpu.present"], "true");
  EXPECT_EQ(Deploy(node), (Labels{{"client", "true"}, {"container-toolkit", "true"}, {"dcgm", "true"},
                                  {"dcgm-exporter", "true"}, {"device-plugin", "true"}, {"driver", "true"},
                                  {"gpu-feature-discovery", "true"}, {"mig-manager", "true"},
                                  {"node-status-exporter", "true"}, {"operator-validator", "true"}}));
  EXPECT_EQ(node["nvidia.com/mig.config"], "all-disabled");
  EXPECT_TRUE(PlanGpuNodeLabels(node, settings).changes.empty()) << "at rest, nothing to write";
  // GFD says no MIG: mig-manager goes.
  node["nvidia.com/mig.capable"] = "false";
  EXPECT_FALSE(Apply(node, PlanGpuNodeLabels(node, settings)).count("nvidia.com/gpu.deploy.mig-manager"));
}

TEST(GpuNodeLabelsTest, NotAGpuNodeIsLeftAlone) {
  const Labels cpu = {{"feature.node.kubernetes.io/pci-15b3.present", "true"}};
  EXPECT_TRUE(PlanGpuNodeLabels(cpu, {}).changes.empty());
}

// A node with neither the GPU PCI label nor gpu.present loses the deploy labels holding "true"
// (left from an earlier install, or copied by a node template), as upstream; other values stay.
TEST(GpuNodeLabelsTest, DeployLabelsLeaveANodeThatIsNoGpuNode) {
  const Labels cpu = {{"feature.node.kubernetes.io/pci-15b3.present", "true"},
                      {"nvidia.com/gpu.deploy.driver", "true"},
                      {"nvidia.com/gpu.deploy.device-plugin", "true"},
                      {"nvidia.com/gpu.deploy.dcgm", "false"}};
  const LabelPlan plan = PlanGpuNodeLabels(cpu, {});
  const Labels after = Apply(cpu, plan);
  EXPECT_FALSE(after.count("nvidia.com/gpu.deploy.driver"));
  EXPECT_FALSE(after.count("nvidia.com/gpu.deploy.device-plugin"));
  EXPECT_EQ(after.at("nvidia.com/gpu.deploy.dcgm"), "false");
  EXPECT_FALSE(after.count("nvidia.com/gpu.present")) << "gpu.present is not added to a node that never had it";
  EXPECT_TRUE(PlanGpuNodeLabels(after, {}).changes.empty()) << "then at rest";
}

TEST(GpuNodeLabelsTest, UserValuesSurviveTransientMissesAndOptOuts) {
  LabelSettings settings;
  Labels node = Apply(kH100, PlanGpuNodeLabels(kH100, settings));
  node["nvidia.com/gpu.deploy.dcgm-exporter"] = "false";  // the user's
  node["nvidia.com/gpu.deploy.driver"] = "paused-for-driver-upgrade";  // the driver manager's
  EXPECT_TRUE(PlanGpuNodeLabels(node, settings).changes.empty());

  // NFD labels vanish for a moment: gpu.present=false, our labels go, the user's stay.
  Labels missed = node;
  missed.erase("feature.node.kubernetes.io/pci-0302_10de.present");
  missed = Apply(missed, PlanGpuNodeLabels(missed, settings));
  EXPECT_EQ(missed["nvidia.com/gpu.present"], "false");
  EXPECT_FALSE(missed.count("nvidia.com/gpu.deploy.device-plugin"));
  EXPECT_EQ(missed["nvidia.com/gpu.deploy.dcgm-exporter"], "false");
  // They come back: everything is restored, and the user's false is still false.
  missed["feature.node.kubernetes.io/pci-0302_10de.present"] = "true";
  Labels back = Apply(missed, PlanGpuNodeLabels(missed, settings));
  EXPECT_EQ(back["nvidia.com/gpu.deploy.dcgm-exporter"], "false");
  EXPECT_EQ(back["nvidia.com/gpu.deploy.device-plugin"], "true");

  // operands=false takes the node out; putting it back keeps the user's false too.
  back["nvidia.com/gpu.deploy.operands"] = "false";
  Labels out = Apply(back, PlanGpuNodeLabels(back, settings));
  EXPECT_EQ(Deploy(out), (Labels{{"dcgm-exporter", "false"}, {"driver", "paused-for-driver-upgrade"},
                                 {"operands", "false"}}));
  out.erase("nvidia.com/gpu.deploy.operands");
  Labels in = Apply(out, PlanGpuNodeLabels(out, settings));
  EXPECT_EQ(in["nvidia.com/gpu.deploy.dcgm-exporter"], "false");
  EXPECT_EQ(in["nvidia.com/gpu.deploy.gpu-feature-discovery"], "true");
}

TEST(GpuNodeLabelsTest, WorkloadConfigs) {
  LabelSettings sandbox;
  sandbox.sandbox_workloads = true;
  Labels vm = kH100;
  vm["nvidia.com/gpu.workload.config"] = "vm-passthrough";
  auto plan = PlanGpuNodeLabels(vm, sandbox);
  EXPECT_EQ(plan.workload, "vm-passthrough");
  EXPECT_EQ(Deploy(Apply(vm, plan)), (Labels{{"cc-manager", "true"}, {"client", "true"}, {"kata-manager", "true"},
                                            {"sandbox-device-plugin", "true"}, {"sandbox-validator", "true"},
                                            {"vfio-manager", "true"}}));
  vm["nvidia.com/gpu.workload.config"] = "vm-vgpu";
  EXPECT_TRUE(Deploy(Apply(vm, PlanGpuNodeLabels(vm, sandbox))).count("vgpu-manager"));
  vm["nvidia.com/gpu.workload.config"] = "vm-everything";
  auto bad = PlanGpuNodeLabels(vm, sandbox);
  EXPECT_EQ(bad.workload, "container");
  ASSERT_EQ(bad.warnings.size(), 1u);
  EXPECT_NE(bad.warnings[0].find("vm-everything"), std::string::npos);
  // Without sandbox workloads, the label is not consulted.
  vm["nvidia.com/gpu.workload.config"] = "vm-vgpu";
  EXPECT_EQ(PlanGpuNodeLabels(vm, LabelSettings{}).workload, "container");
}

}  // namespace
}  // namespace gpu
