// The network operator's Helm chart on the rig: it lints clean, installs, its
// leader-elected Deployment and its node agent's DaemonSet become available, the
// agent labels a node with only its own ServiceAccount, and the operator running with
// nothing but the chart's ServiceAccount and RBAC brings the seed policies to
// ready: the least-privilege ClusterRole covers every call the code makes and
// every permission the operands are granted.

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "child_process.h"
#include "cluster_policy_reconciler.h"
#include "nic_cluster_policy_reconciler.h"
#include "eventually.h"
#include "hook_job_runner.h"
#include "kube/yaml.h"
#include "rig_environment.h"

namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

const std::string kChart = std::string(ACCELOPS_SOURCE_DIR) + "/deploy/network-operator/chart";
const std::string kNamespace = "network-operator-chart";

bool Eventually(const std::function<bool()>& done) { return rig::Eventually(done, milliseconds(60000)); }

// The additional printer column names of a CRD in the cluster.
std::vector<std::string> PrinterColumns(kube::Client& client, const std::string& crd) {
  std::vector<std::string> names;
  auto got = client.Get(kube::resources::CustomResourceDefinitions(), "", crd);
  if (!got.ok()) return names;
  for (const auto& c : got->Tree()["spec"]["versions"][0].value("additionalPrinterColumns", json::array())) {
    names.push_back(c.value("name", ""));
  }
  return names;
}

// The chart's node agent: its DaemonSet has a (kwok) pod on every node, and one pass of the agent
// with nothing but the agent's ServiceAccount labels `node` from a fixture tree and watches it
// without a Forbidden.
void ExpectNodeAgentWorks(kube::Client& client, const std::string& ns, const std::string& name,
                          const std::string& fixture, const std::string& node) {
  json status;
  EXPECT_TRUE(Eventually([&] {
    auto d = client.Get(kube::resources::DaemonSets(), ns, name);
    if (!d.ok()) return false;
    status = d->Tree().value("status", json::object());
    return status.value("desiredNumberScheduled", 0) > 0 &&
           status.value("numberAvailable", 0) == status.value("desiredNumberScheduled", 0);
  })) << status.dump();
  const std::string kubeconfig = rig::ServiceAccountKubeconfig(name, ns);
  ASSERT_FALSE(kubeconfig.empty());
  std::vector<std::string> args = {"--kubeconfig", kubeconfig, "--node-name", node, "--root",
                                   std::string(ACCELOPS_SOURCE_DIR) + "/test/fixtures/node-discovery/" + fixture};
  if (fixture == "h100") args.insert(args.end(), {"--nvml-library", FAKE_NVML_LIBRARY});
  // As the DaemonSet runs it: passes, and a watch on its Node in between.
  rig::ChildProcess agent(NODE_AGENT_BIN, args);
  EXPECT_TRUE(agent.WaitForOutput("node labels updated", seconds(30))) << agent.Output();
  std::this_thread::sleep_for(seconds(2));  // the watch's list and first watch
  EXPECT_EQ(agent.Terminate(seconds(10)), 0) << agent.Output();
  EXPECT_EQ(agent.Output().find("Forbidden"), std::string::npos) << agent.Output();
  EXPECT_EQ(agent.Output().find("watch failed"), std::string::npos) << agent.Output();
}

TEST(HelmChart, LintsInstallsAndItsRbacIsEnoughForTheOperator) {
  auto& env = rig::RigEnvironment::Get();
  std::string out;
  // Nodes for the operator's pod and the operands, whatever ran before.
  ASSERT_EQ(env.RigCommand("nodes 2 --prefix chart --labels feature.node.kubernetes.io/pci-15b3.present=true,"
                           "feature.node.kubernetes.io/system-os_release.ID=ubuntu,"
                           "feature.node.kubernetes.io/system-os_release.VERSION_ID=24.04,"
                           "feature.node.kubernetes.io/kernel-version.full=6.8.0-40-generic"),
            0);
  ASSERT_EQ(env.RigCommand("helm lint --strict --kube-version 1.36.3 " + kChart + " 2>&1", &out), 0) << out;
  auto client = env.NewClient();
  {
    // upgradeCRDs (on by default): the hook Job applies the CRDs before anything else is installed.
    rig::HookJobRunner hook(client, kNamespace, "netop-upgrade-crds",
                            rig::CrdHook(NETWORK_OPERATOR_BIN, kNamespace, kChart + "/crds"));
    ASSERT_EQ(env.RigCommand("helm install netop " + kChart + " --namespace " + kNamespace +
                                 " --create-namespace --wait=false 2>&1",
                             &out),
              0)
        << out << hook.output();
    EXPECT_EQ(hook.runs(), 1) << hook.output();
    EXPECT_NE(hook.output().find("CRDs applied and served"), std::string::npos) << hook.output();
  }
  // kwok runs the operator's pod, so the Deployment reports it available.
  EXPECT_TRUE(Eventually([&] {
    auto d = client->Get(kube::resources::Deployments(), kNamespace, "netop");
    return d.ok() && d->Tree()["status"].value("availableReplicas", 0) == 1;
  }));
  auto deployment = client->Get(kube::resources::Deployments(), kNamespace, "netop");
  ASSERT_TRUE(deployment.ok());
  const json container = deployment->Tree()["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(container["livenessProbe"]["httpGet"]["path"], "/healthz");
  EXPECT_EQ(container["readinessProbe"]["httpGet"]["path"], "/readyz");
  EXPECT_NE(container["args"].dump().find("--leader-elect"), std::string::npos);
  EXPECT_EQ(container["ports"][0]["name"], "metrics");
  ExpectNodeAgentWorks(*client, kNamespace, "netop-node-agent", "cx6dx", "chart-0");
  auto node = client->Get(kube::resources::Nodes(), "", "chart-0");
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(node->Labels()["feature.node.kubernetes.io/rdma.capable"], "true");

  // The operator with the chart's ServiceAccount only.
  const std::string kubeconfig = rig::ServiceAccountKubeconfig("netop", kNamespace);
  ASSERT_FALSE(kubeconfig.empty());
  rig::ChildProcess op(NETWORK_OPERATOR_BIN,
                       {"--kubeconfig", kubeconfig, "--metrics-bind-address", "0", "--health-probe-bind-address", "0",
                        "--operand-namespace", kNamespace, "--leader-elect", "--leader-election-namespace", kNamespace},
                       rig::NoRegistryAccess());
  ASSERT_TRUE(op.WaitForOutput("starting workers", seconds(60))) << op.Output();

  for (const char* seed : {"nicclusterpolicy.yaml", "nicclusterpolicy-nvidia-ipam.yaml"}) {
    ASSERT_TRUE(env.ApplyPath(std::string(ACCELOPS_SOURCE_DIR) + "/examples/network-operator/" + seed).ok());
    json status;
    EXPECT_TRUE(Eventually([&] {
      auto p = client->Get(network::NicClusterPolicies(), "", "nic-cluster-policy");
      if (!p.ok()) return false;
      status = p->Tree().value("status", json::object());
      return status.value("state", "") == "ready" &&
             status.value("observedGeneration", -1) == p->meta().generation;
    })) << seed << ": " << status.dump() << "\n" << op.Output();
  }
  // Every other state too, so every operand role the operator grants is checked against the chart's.
  const json more = {
      {"ibKubernetes", {{"image", "ib-kubernetes"}, {"repository", "ghcr.io/mellanox"}, {"version", "v1.0.2"},
                        {"pKeyGUIDPoolRangeStart", "02:00:00:00:00:00:00:00"},
                        {"pKeyGUIDPoolRangeEnd", "02:FF:FF:FF:FF:FF:FF:FF"}, {"ufmSecret", "ufm-secret"}}},
      {"sriovDevicePlugin", {{"image", "sriov-network-device-plugin"}, {"repository", "ghcr.io/k8snetworkplumbingwg"},
                             {"version", "v3.9.0"}, {"config", R"({"resourceList":[{"resourceName":"hostdev"}]})"}}},
      {"nicFeatureDiscovery", {{"image", "nic-feature-discovery"}, {"repository", "ghcr.io/mellanox"}, {"version", "v0.0.1"}}},
      {"docaTelemetryService", {{"image", "doca_telemetry"}, {"repository", "nvcr.io/nvidia/doca"}, {"version", "1.16.5"}}},
      {"nicConfigurationOperator",
       {{"operator", {{"image", "nic-configuration-operator"}, {"repository", "nvcr.io/nvidia/mellanox"}, {"version", "v1.1.1"}}},
        {"configurationDaemon",
         {{"image", "nic-configuration-operator-daemon"}, {"repository", "nvcr.io/nvidia/mellanox"}, {"version", "v1.1.1"}}},
        {"nicFirmwareStorage", {{"create", true}}}}},
      {"spectrumXOperator", {{"image", "spectrum-x-operator"}, {"repository", "nvcr.io/nvidia/mellanox"}, {"version", "v0.1.0"}}},
      {"secondaryNetwork", {{"ipoib", {{"image", "ipoib-cni"}, {"repository", "ghcr.io/mellanox"}, {"version", "v1.2.0"}}},
                            {"ipamPlugin", {{"image", "whereabouts"}, {"repository", "ghcr.io/k8snetworkplumbingwg"},
                                            {"version", "v0.7.0"}}}}}};
  // A volume for the firmware cache's claim to bind to (the rig has no provisioner).
  const json volume = {{"apiVersion", "v1"}, {"kind", "PersistentVolume"}, {"metadata", {{"name", "chart-firmware"}}},
                       {"spec", {{"capacity", {{"storage", "1Gi"}}}, {"accessModes", {"ReadWriteMany"}},
                                 {"hostPath", {{"path", "/tmp/chart-firmware"}}}}}};
  ASSERT_TRUE(client->Create({"", "v1", "persistentvolumes", "PersistentVolume", false}, volume).ok());
  ASSERT_TRUE(client->Patch(network::NicClusterPolicies(), "", "nic-cluster-policy", kube::PatchType::kMerge,
                            json({{"spec", more}}).dump())
                  .ok());
  json status;
  EXPECT_TRUE(Eventually([&] {
    auto p = client->Get(network::NicClusterPolicies(), "", "nic-cluster-policy");
    if (!p.ok()) return false;
    status = p->Tree().value("status", json::object());
    if (status.value("observedGeneration", -1) != p->meta().generation) return false;
    for (const auto& s : status.value("appliedStates", json::array())) {
      if (s.value("state", "") == "error" || s.value("state", "") == "ignore") return false;  // all configured now
    }
    return status.value("state", "") == "ready";
  })) << status.dump() << "\n" << op.Output();
  EXPECT_EQ(op.Output().find("Forbidden"), std::string::npos) << op.Output();

  ASSERT_TRUE(client->Delete(network::NicClusterPolicies(), "", "nic-cluster-policy").ok());
  EXPECT_EQ(op.Terminate(seconds(30)), 0) << op.Output();

  // `helm upgrade` to a chart whose CRD changed upgrades the CRD in the cluster, and back.
  const std::string changed = env.dir() + "/network-chart-changed";
  ASSERT_EQ(rig::Shell("rm -rf " + changed + " && cp -r " + kChart + " " + changed, &out), 0) << out;
  const std::string crd_file = changed + "/crds/mellanox.com_macvlannetworks.yaml";
  std::ifstream in(crd_file);
  auto crd = kube::ParseYamlDocument(std::string(std::istreambuf_iterator<char>(in), {}));
  ASSERT_TRUE(crd.ok()) << crd.status().ToString();
  (*crd)["spec"]["versions"][0]["additionalPrinterColumns"].push_back(
      {{"name", "Upgraded"}, {"type", "string"}, {"jsonPath", ".spec.master"}});
  std::ofstream(crd_file) << crd->dump(1);  // JSON is YAML
  const std::string macvlan = "macvlannetworks.mellanox.com";
  for (const std::string& to : {changed, kChart}) {
    rig::HookJobRunner hook(client, kNamespace, "netop-upgrade-crds", rig::CrdHook(NETWORK_OPERATOR_BIN, kNamespace, to + "/crds"));
    ASSERT_EQ(env.RigCommand("helm upgrade netop " + to + " --namespace " + kNamespace + " --wait=false 2>&1", &out), 0)
        << out << hook.output();
    EXPECT_EQ(hook.runs(), 1) << hook.output();
    const auto columns = PrinterColumns(*client, macvlan);
    const bool has = std::find(columns.begin(), columns.end(), "Upgraded") != columns.end();
    EXPECT_EQ(has, to == changed) << to << ": " << hook.output();
  }
  EXPECT_EQ(env.RigCommand("helm uninstall netop --namespace " + kNamespace + " 2>&1", &out), 0) << out;
  EXPECT_EQ(env.RigCommand("kubectl delete node chart-0 chart-1 --wait=false"), 0);
  EXPECT_EQ(env.RigCommand("kubectl delete persistentvolume chart-firmware --wait=false"), 0);
}


// The GPU operator's chart: installed with the one-line registry override, its ClusterPolicy
// (made from the values) is brought to ready by the operator running with nothing but the
// chart's ServiceAccount, with every operand (sandbox ones included) so every role it grants
// is checked against the chart's.
TEST(HelmChart, GpuOperatorChartInstallsAndItsRbacIsEnough) {
  auto& env = rig::RigEnvironment::Get();
  const std::string chart = std::string(ACCELOPS_SOURCE_DIR) + "/deploy/gpu-operator/chart";
  const std::string ns = "gpu-operator-chart";
  const std::string nfd = "feature.node.kubernetes.io/";
  std::string out;
  ASSERT_EQ(env.RigCommand("nodes 2 --prefix gpuchart --labels " + nfd + "pci-10de.present=true," + nfd +
                           "system-os_release.ID=ubuntu," + nfd + "system-os_release.VERSION_ID=22.04," + nfd +
                           "system-os_release.VERSION_ID.major=22," + nfd + "kernel-version.full=5.15.0-131-generic"),
            0);
  ASSERT_EQ(env.RigCommand("helm lint --strict --kube-version 1.36.3 " + chart + " 2>&1", &out), 0) << out;
  auto client = env.NewClient();
  const std::string values = " -f " + std::string(ACCELOPS_SOURCE_DIR) +
                             "/examples/gpu-operator/global-registry-values.yaml --set dcgm.enabled=true "
                             "--set nodeStatusExporter.enabled=true";
  {
    rig::HookJobRunner hook(client, ns, "gpu-operator-upgrade-crd", rig::CrdHook(GPU_OPERATOR_BIN, ns, chart + "/crds"));
    ASSERT_EQ(env.RigCommand("helm install gpuop " + chart + " --namespace " + ns + " --create-namespace --wait=false" +
                                 values + " 2>&1",
                             &out),
              0)
        << out << hook.output();
    EXPECT_EQ(hook.runs(), 1) << hook.output();
  }
  EXPECT_TRUE(Eventually([&] {
    auto d = client->Get(kube::resources::Deployments(), ns, "gpu-operator");
    return d.ok() && d->Tree()["status"].value("availableReplicas", 0) == 1;
  }));
  auto deployment = client->Get(kube::resources::Deployments(), ns, "gpu-operator");
  ASSERT_TRUE(deployment.ok());
  EXPECT_EQ(deployment->Tree()["spec"]["template"]["spec"]["containers"][0]["image"],
            "dockerhub.kubekey.local/kse/accelops/gpu-operator:" + std::string(ACCELOPS_VERSION))
      << "the operator's own image follows the override too";
  ExpectNodeAgentWorks(*client, ns, "gpu-operator-node-agent", "h100", "gpuchart-0");
  auto node = client->Get(kube::resources::Nodes(), "", "gpuchart-0");
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(node->Labels()["nvidia.com/gpu.product"], "NVIDIA-H100-80GB-HBM3");

  const std::string kubeconfig = rig::ServiceAccountKubeconfig("gpu-operator", ns);
  ASSERT_FALSE(kubeconfig.empty());
  rig::ChildProcess op(GPU_OPERATOR_BIN, {"--kubeconfig", kubeconfig, "--metrics-bind-address", "0",
                                          "--health-probe-bind-address", "0", "--operand-namespace", ns,
                                          "--leader-elect", "--leader-election-namespace", ns});
  ASSERT_TRUE(op.WaitForOutput("starting workers", seconds(60))) << op.Output();
  json status;
  auto ready = [&] {
    auto p = client->Get(gpu::ClusterPolicies(), "", "cluster-policy");
    if (!p.ok()) return false;
    status = p->Tree().value("status", json::object());
    return status.value("state", "") == "ready" && status.contains("conditions") &&
           status["conditions"][0].value("observedGeneration", -1) == p->meta().generation;
  };
  EXPECT_TRUE(Eventually(ready)) << status.dump() << "\n" << op.Output();
  // Every image the operator deployed comes from the mirror.
  auto sets = client->ListAll(kube::resources::DaemonSets(), ns, {});
  ASSERT_TRUE(sets.ok());
  EXPECT_GE(sets->items.size(), 9u);
  for (const auto& d : sets->items) {
    const json pod = d.Tree()["spec"]["template"]["spec"];
    for (const char* key : {"initContainers", "containers"}) {
      for (const auto& c : pod.value(key, json::array())) {
        EXPECT_EQ(c.value("image", "").rfind("dockerhub.kubekey.local/kse/", 0), 0u) << d.name() << ": " << c.dump();
      }
    }
  }
  // The sandbox operands too.
  ASSERT_TRUE(client->Patch(gpu::ClusterPolicies(), "", "cluster-policy", kube::PatchType::kMerge,
                            R"({"spec": {"sandboxWorkloads": {"enabled": true},
                                "vgpuManager": {"repository": "nvcr.io/nvidia", "version": "550.54.10"}}})")
                  .ok());
  EXPECT_TRUE(Eventually(ready)) << status.dump() << "\n" << op.Output();
  EXPECT_EQ(op.Output().find("Forbidden"), std::string::npos) << op.Output();

  EXPECT_EQ(op.Terminate(seconds(30)), 0) << op.Output();

  // operator.cleanupCRD: uninstalling removes the CRDs, through a pre-delete hook.
  {
    rig::HookJobRunner hook(client, ns, "gpu-operator-upgrade-crd", rig::CrdHook(GPU_OPERATOR_BIN, ns, chart + "/crds"));
    ASSERT_EQ(env.RigCommand("helm upgrade gpuop " + chart + " --namespace " + ns + " --wait=false" + values +
                                 " --set operator.cleanupCRD=true 2>&1",
                             &out),
              0)
        << out << hook.output();
  }
  {
    rig::HookJobRunner hook(client, ns, "gpu-operator-cleanup-crd", rig::CrdHook(GPU_OPERATOR_BIN, ns, chart + "/crds"));
    EXPECT_EQ(env.RigCommand("helm uninstall gpuop --namespace " + ns + " 2>&1", &out), 0) << out << hook.output();
    EXPECT_EQ(hook.runs(), 1) << hook.output();
  }
  for (const char* crd : {"clusterpolicies.nvidia.com", "nvidiadrivers.nvidia.com"}) {
    EXPECT_TRUE(Eventually([&] {
      return client->Get(kube::resources::CustomResourceDefinitions(), "", crd).status().code() == kube::Code::kNotFound;
    })) << crd;
  }
  ASSERT_TRUE(env.ApplyPath(chart + "/crds").ok());  // for whatever runs after
  EXPECT_EQ(env.RigCommand("kubectl delete node gpuchart-0 gpuchart-1 --wait=false"), 0);
}

}  // namespace
