// The node agent on the rig: run against the H100 fixture tree (with the
// stand-in NVML) it labels a Node with NFD's and GFD's names, leaving a
// user's labels and another writer's values alone; run again against a tree
// with no GPU it removes what it wrote and only that. The GPU operator then
// selects the node on those labels: an NVIDIADriver gives it a driver pod of
// the node's OS; the network operator gives a ConnectX node an OFED driver pod.

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "at_rest.h"
#include "child_process.h"
#include "eventually.h"
#include "gpu_operator_rig.h"
#include "nic_cluster_policy_reconciler.h"
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
  int RunAgent(const std::string& fixture, const std::string& node = kNode) {
    std::vector<std::string> args = {"--oneshot", "--root", kFixtures + fixture, "--node-name", node,
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
  std::shared_ptr<void> cleanup(nullptr, [&](void*) {
    (void)client_->Delete(gpu::NvidiaDrivers(), "", "agent-test");
    EXPECT_EQ(env.RigCommand("kubectl delete node " + kNode + " --ignore-not-found --wait"), 0);
  });
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

  // At rest: a second pass writes nothing. The reading is taken once kwok and the node
  // lifecycle controller have finished with the new Node (its status, its not-ready taint).
  auto node_version = [&] {
    auto n = client_->Get(kube::resources::Nodes(), "", kNode);
    return rig::Versions{{"Node/" + kNode, n.ok() ? n->resource_version() : ""}};
  };
  const rig::Versions before = rig::SettledVersions(node_version, milliseconds(2000), milliseconds(30000));
  ASSERT_EQ(RunAgent("h100"), 0) << output_;
  EXPECT_EQ(output_.find("node labels updated"), std::string::npos) << output_;
  EXPECT_EQ(rig::VersionChanges(before, node_version()), "");

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
}

// Running as the DaemonSet runs it (a pass an hour here), the agent watches its Node: a label of
// its own removed by hand comes back within seconds, another writer's change costs no write, and
// SIGTERM stops it cleanly.
TEST_F(NodeAgentTest, RunningItRestoresARemovedLabelAtOnceAndStopsOnSigterm) {
  auto& env = rig::RigEnvironment::Get();
  const std::string node = "agent-watch-0";
  std::shared_ptr<void> cleanup(nullptr, [&](void*) {
    EXPECT_EQ(env.RigCommand("kubectl delete node " + node + " --ignore-not-found --wait"), 0);
  });
  ASSERT_EQ(env.RigCommand("nodes 1 --prefix agent-watch"), 0);
  rig::ChildProcess agent(NODE_AGENT_BIN,
                          {"--root", kFixtures + "h100", "--nvml-library", FAKE_NVML_LIBRARY, "--node-name", node,
                           "--kubeconfig", env.kubeconfig(), "--interval", "3600"});
  ASSERT_TRUE(agent.WaitForOutput("node labels updated", seconds(30))) << agent.Output();
  auto label = [&](const std::string& key) {
    auto n = client_->Get(kube::resources::Nodes(), "", node);
    auto labels = n.ok() ? n->Labels() : std::map<std::string, std::string>{};
    return labels.count(key) ? labels[key] : "(none)";
  };
  ASSERT_EQ(label("nvidia.com/gpu.product"), "NVIDIA-H100-80GB-HBM3");
  ASSERT_EQ(env.RigCommand("kubectl label node " + node + " nvidia.com/gpu.product-"), 0);
  EXPECT_TRUE(rig::Eventually([&] { return label("nvidia.com/gpu.product") == "NVIDIA-H100-80GB-HBM3"; },
                              milliseconds(10000)))
      << agent.Output();
  auto writes = [&] {
    size_t count = 0;
    for (size_t at = agent.Output().find("node labels updated"); at != std::string::npos;
         at = agent.Output().find("node labels updated", at + 1)) {
      ++count;
    }
    return count;
  };
  EXPECT_EQ(writes(), 2u) << agent.Output();
  ASSERT_EQ(env.RigCommand("kubectl label node " + node + " team=vision"), 0);
  std::this_thread::sleep_for(seconds(3));  // the pass it wakes has nothing to write
  EXPECT_EQ(writes(), 2u) << agent.Output();
  EXPECT_EQ(agent.Terminate(seconds(10)), 0) << agent.Output();
  EXPECT_NE(agent.Output().find("node-agent stopped"), std::string::npos) << agent.Output();
}

// The device plugin's sharing configuration (the file GFD reads) gives the sharing labels; a bad
// one stops the agent at start with the field named, before it writes anything.
TEST_F(NodeAgentTest, TheDevicePluginsSharingConfigGivesSharingLabelsAndABadOneIsNamed) {
  const std::string dir = rig::RigEnvironment::Get().dir();
  auto run = [&](const std::string& config) {
    const std::string path = dir + "/device-plugin-config.yaml";
    std::ofstream(path) << config;
    rig::ChildProcess agent(NODE_AGENT_BIN, {"--oneshot", "--print", "--root", kFixtures + "h100", "--nvml-library",
                                             FAKE_NVML_LIBRARY, "--device-plugin-config", path});
    EXPECT_TRUE(agent.Wait(milliseconds(30000)));
    output_ = agent.Output();
    return agent.exit_code();
  };
  ASSERT_EQ(run("version: v1\nsharing:\n  timeSlicing:\n    resources:\n    - name: nvidia.com/gpu\n      replicas: 4\n"),
            0)
      << output_;
  EXPECT_NE(output_.find("nvidia.com/gpu.product=NVIDIA-H100-80GB-HBM3-SHARED\n"), std::string::npos) << output_;
  EXPECT_NE(output_.find("nvidia.com/gpu.replicas=4\n"), std::string::npos) << output_;
  EXPECT_NE(output_.find("nvidia.com/gpu.sharing-strategy=time-slicing\n"), std::string::npos) << output_;
  EXPECT_EQ(run("version: v1\nsharing:\n  mps:\n    resources:\n    - name: nvidia.com/gpu\n      replicas: -1\n"), 2);
  EXPECT_NE(output_.find("sharing.mps.resources[0].replicas must be an integer from 1 to 2147483647, not -1"), std::string::npos)
      << output_;
  EXPECT_EQ(output_.find("nvidia.com/"), std::string::npos) << "nothing printed: " << output_;
}

// The network operator selects on the agent's labels too: a node the agent labels from the
// ConnectX-6 Dx tree (pci-15b3, RHEL 9.4) gets an OFED driver pod of its OS.
TEST_F(NodeAgentTest, TheNetworkOperatorSelectsAConnectXNodeOnTheAgentsLabels) {
  auto& env = rig::RigEnvironment::Get();
  const std::string node = "agent-nic-0", ns = "agent-network";
  auto policy_gone = [&] {
    return kube::IsNotFound(client_->Get(network::NicClusterPolicies(), "", "nic-cluster-policy").status());
  };
  // What this test creates goes, however it ends, so the suites after it see the rig as before.
  std::shared_ptr<void> cleanup(nullptr, [&](void*) {
    (void)client_->Delete(network::NicClusterPolicies(), "", "nic-cluster-policy");
    EXPECT_TRUE(rig::Eventually(policy_gone, milliseconds(30000)));
    EXPECT_EQ(env.RigCommand("kubectl delete node " + node + " --ignore-not-found --wait"), 0);
  });
  // An earlier suite's policy (the only name the operator reconciles) makes way for this one.
  (void)client_->Delete(network::NicClusterPolicies(), "", "nic-cluster-policy");
  ASSERT_TRUE(rig::Eventually(policy_gone, milliseconds(30000)));
  ASSERT_EQ(env.RigCommand("nodes 1 --prefix agent-nic"), 0);
  ASSERT_EQ(RunAgent("cx6dx", node), 0) << output_;
  auto n = client_->Get(kube::resources::Nodes(), "", node);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->Labels()["feature.node.kubernetes.io/pci-15b3.present"], "true");
  EXPECT_EQ(n->Labels()["feature.node.kubernetes.io/rdma.available"], "true");

  ASSERT_TRUE(env.ApplyPath(std::string(ACCELOPS_SOURCE_DIR) + "/deploy/network-operator/chart/crds").ok());
  (void)client_->Create(kube::resources::Namespaces(),
                        {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
  rig::ChildProcess network_operator(
      NETWORK_OPERATOR_BIN, {"--kubeconfig", env.kubeconfig(), "--metrics-bind-address", "0",
                             "--health-probe-bind-address", "0", "--operand-namespace", ns},
      rig::NoRegistryAccess());
  ASSERT_TRUE(network_operator.WaitForOutput("starting workers", seconds(30))) << network_operator.Output();
  auto created = client_->Create(network::NicClusterPolicies(),
                           {{"apiVersion", "mellanox.com/v1alpha1"},
                            {"kind", "NicClusterPolicy"},
                            {"metadata", {{"name", "nic-cluster-policy"}}},
                            {"spec",
                             {{"ofedDriver",
                               {{"image", "doca-driver"},
                                {"repository", "nvcr.io/nvidia/mellanox"},
                                {"version", "24.10-0.7.0.0-0"}}}}}});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  std::string image;
  EXPECT_TRUE(rig::Eventually(
      [&] {
        auto pods = client_->ListAll(kube::resources::Pods(), ns, {});
        if (!pods.ok()) return false;
        for (const auto& p : pods->items) {
          json spec = p.Tree()["spec"];
          if (spec.value("nodeName", "") == node) image = spec["containers"][0].value("image", "");
        }
        return !image.empty();
      },
      milliseconds(60000)))
      << network_operator.Output();
  EXPECT_EQ(image, "nvcr.io/nvidia/mellanox/doca-driver:24.10-0.7.0.0-0-rhel9.4-amd64");
  ASSERT_TRUE(client_->Delete(network::NicClusterPolicies(), "", "nic-cluster-policy").ok());
  EXPECT_TRUE(rig::Eventually(policy_gone, milliseconds(30000)));
  EXPECT_EQ(network_operator.Terminate(seconds(30)), 0) << network_operator.Output();
}

}  // namespace
