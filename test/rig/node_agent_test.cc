// The node agent on the rig: run against the H100 fixture tree (with the
// stand-in NVML) it labels a Node with NFD's and GFD's names, leaving a
// user's labels and another writer's values alone; run again against a tree
// with no GPU it removes what it wrote and only that. The GPU operator then
// selects the node on those labels: an NVIDIADriver gives it a driver pod of
// the node's OS.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "child_process.h"
#include "eventually.h"
#include "gpu_operator_rig.h"
#include "nvidiadriver/driver_assignment.h"
#include "nvidiadriver/nvidia_driver_reconciler.h"
#include "rig_environment.h"

namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

const std::string kNode = "agent-gpu-0";
const std::string kFixtures = std::string(ACCELOPS_SOURCE_DIR) + "/test/fixtures/node-discovery/";

class NodeAgentTest : public ::testing::Test {
 protected:
  void SetUp() override { client_ = rig::RigEnvironment::Get().NewClient(); }

  // One pass of the agent against `fixture` (with the stand-in NVML for the H100 tree, with the
  // machine's own places, where there is none, otherwise); its exit code.
  int RunAgent(const std::string& fixture) {
    std::vector<std::string> args = {"--oneshot", "--root", kFixtures + fixture, "--node-name", kNode,
                                     "--kubeconfig", rig::RigEnvironment::Get().kubeconfig()};
    if (fixture == "h100") args.insert(args.end(), {"--nvml-library", FAKE_NVML_LIBRARY});
    rig::ChildProcess agent(NODE_AGENT_BIN, args);
    EXPECT_TRUE(agent.Wait(milliseconds(30000))) << agent.Output();
    output_ = agent.Output();
    return agent.exit_code();
  }
  std::map<std::string, std::string> Labels() {
    auto n = client_->Get(kube::resources::Nodes(), "", kNode);
    return n.ok() ? n->Labels() : std::map<std::string, std::string>{};
  }

  std::shared_ptr<kube::Client> client_;
  std::string output_;
};

TEST_F(NodeAgentTest, LabelsItsNodeRemovesOnlyWhatItWroteAndTheGpuOperatorSelectsOnIt) {
  auto& env = rig::RigEnvironment::Get();
  ASSERT_EQ(env.RigCommand("nodes 1 --prefix agent-gpu --labels team=ml,nvidia.com/gpu.count=7"), 0);
  ASSERT_EQ(RunAgent("h100"), 0) << output_;
  auto labels = Labels();
  EXPECT_EQ(labels["feature.node.kubernetes.io/pci-10de.present"], "true");
  EXPECT_EQ(labels["feature.node.kubernetes.io/pci-0302_10de.present"], "true");
  EXPECT_EQ(labels["feature.node.kubernetes.io/system-os_release.ID"], "ubuntu");
  EXPECT_EQ(labels["feature.node.kubernetes.io/kernel-version.full"], "5.15.0-105-generic");
  EXPECT_EQ(labels["nvidia.com/gpu.product"], "NVIDIA-H100-80GB-HBM3");
  EXPECT_EQ(labels["nvidia.com/gpu.memory"], "81559");
  EXPECT_EQ(labels["nvidia.com/gpu.compute.major"], "9");
  EXPECT_EQ(labels["team"], "ml");
  EXPECT_EQ(labels["nvidia.com/gpu.count"], "7") << "another writer's value is left alone";
  EXPECT_NE(output_.find("label left alone"), std::string::npos) << output_;

  // At rest: a second pass writes nothing.
  const std::string version = client_->Get(kube::resources::Nodes(), "", kNode)->resource_version();
  ASSERT_EQ(RunAgent("h100"), 0) << output_;
  EXPECT_EQ(client_->Get(kube::resources::Nodes(), "", kNode)->resource_version(), version);

  // The GPU operator selects the node on the agent's labels.
  ASSERT_TRUE(rig::InstallGpuOperatorApi("gpu-operator").ok());
  auto gpu_operator = rig::StartGpuOperator("gpu-operator");
  ASSERT_TRUE(gpu_operator->WaitForOutput("starting workers", seconds(30))) << gpu_operator->Output();
  ASSERT_TRUE(client_
                  ->Create(gpu::NvidiaDrivers(),
                           {{"apiVersion", "nvidia.com/v1alpha1"},
                            {"kind", "NVIDIADriver"},
                            {"metadata", {{"name", "agent-test"}}},
                            {"spec",
                             {{"nodeSelector", {{"team", "ml"}}},
                              {"repository", "nvcr.io/nvidia"},
                              {"image", "driver"},
                              {"version", "550.90.07"},
                              {"manager",
                               {{"repository", "nvcr.io/nvidia/cloud-native"},
                                {"image", "k8s-driver-manager"},
                                {"version", "v0.8.0"}}}}}})
                  .ok());
  EXPECT_TRUE(rig::Eventually(
      [&] {
        auto l = Labels();
        return l["nvidia.com/gpu.present"] == "true" && l[gpu::kDriverOwnerLabel] == "agent-test";
      },
      milliseconds(60000)))
      << gpu_operator->Output();
  EXPECT_TRUE(rig::Eventually(
      [&] {
        auto sets = client_->ListAll(kube::resources::DaemonSets(), "gpu-operator",
                                     {.label_selector = "app.kubernetes.io/component=nvidia-driver"});
        if (!sets.ok()) return false;
        for (const auto& d : sets->items) {
          json t = d.Tree();
          if (t["spec"]["template"]["spec"]["containers"][0].value("image", "") ==
                  "nvcr.io/nvidia/driver:550.90.07-ubuntu22.04" &&
              t["status"].value("numberAvailable", 0) == 1) {
            return true;
          }
        }
        return false;
      },
      milliseconds(60000)))
      << gpu_operator->Output();
  ASSERT_TRUE(client_->Delete(gpu::NvidiaDrivers(), "", "agent-test").ok());
  EXPECT_EQ(gpu_operator->Terminate(seconds(30)), 0) << gpu_operator->Output();

  // A pass over a tree with no GPU: the agent's GPU labels go, the others' stay.
  ASSERT_EQ(RunAgent("plain"), 0) << output_;
  labels = Labels();
  EXPECT_EQ(labels.count("feature.node.kubernetes.io/pci-10de.present"), 0u);
  EXPECT_EQ(labels.count("nvidia.com/gpu.product"), 0u);
  EXPECT_EQ(labels["feature.node.kubernetes.io/system-os_release.ID"], "debian");
  EXPECT_EQ(labels["team"], "ml");
  EXPECT_EQ(labels["nvidia.com/gpu.count"], "7");
  EXPECT_EQ(labels["nvidia.com/gpu.present"], "true") << "the operator's label is not the agent's";
  ASSERT_EQ(env.RigCommand("kubectl delete node " + kNode + " --wait"), 0);
}

}  // namespace
