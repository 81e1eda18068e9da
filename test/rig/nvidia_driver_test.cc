// NVIDIADriver on the rig: a driver for one pool of nodes and a default for
// the rest (our chart's) give each node one owner and each pool of OS its DaemonSet; kwok
// runs the pods and both drivers become ready with no writes at rest. A
// driver whose selector overlaps an older one is rejected and changes
// nothing; a bad spec is named and keeps what runs; a ClusterPolicy that
// deploys the driver itself disables them until it hands the driver over.

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "at_rest.h"
#include "child_process.h"
#include "cluster_policy_reconciler.h"
#include "eventually.h"
#include "gpu_operator_rig.h"
#include "nvidiadriver/driver_assignment.h"
#include "nvidiadriver/nvidia_driver_reconciler.h"
#include "rig_environment.h"

namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

const std::string kNamespace = "gpu-operator";
const std::string kNfd = "feature.node.kubernetes.io/";
const json kManager = {{"repository", "nvcr.io/nvidia/cloud-native"}, {"image", "k8s-driver-manager"}, {"version", "v0.8.0"}};

bool Eventually(const std::function<bool()>& done) { return rig::Eventually(done, milliseconds(90000)); }

class NvidiaDriverTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(rig::InstallGpuOperatorApi(kNamespace).ok());
    AddGpuNodes("nvd-a", 2, "ubuntu", "22.04", "pool=a");
    AddGpuNodes("nvd-b", 1, "rhel", "9.4", "pool=b");
    AddGpuNodes("nvd-c", 1, "ubuntu", "22.04", "pool=c");
    operator_ = rig::StartGpuOperator(kNamespace);
    ASSERT_TRUE(operator_->WaitForOutput("starting workers", seconds(30))) << operator_->Output();
  }
  static void TearDownTestSuite() {
    auto& env = rig::RigEnvironment::Get();
    EXPECT_EQ(env.RigCommand("kubectl delete nvidiadrivers --all --wait"), 0);
    EXPECT_EQ(env.RigCommand("kubectl delete clusterpolicies --all --wait"), 0);
    if (operator_) {
      EXPECT_EQ(operator_->Terminate(seconds(30)), 0) << operator_->Output();
    }
    operator_.reset();
    EXPECT_EQ(env.RigCommand("kubectl delete nodes -l " + kNfd + "pci-10de.present=true --wait"), 0);
  }
  void SetUp() override { client_ = rig::RigEnvironment::Get().NewClient(); }

  static void AddGpuNodes(const std::string& prefix, int n, const std::string& os, const std::string& version,
                          const std::string& extra) {
    ASSERT_EQ(rig::AddGpuNodes(prefix, n, os, version, "5.15.0-131-generic", extra), 0);
  }

  void CreateDriver(const std::string& name, const json& spec) {
    auto r = client_->Create(gpu::NvidiaDrivers(), {{"apiVersion", "nvidia.com/v1alpha1"},
                                                    {"kind", "NVIDIADriver"},
                                                    {"metadata", {{"name", name}}},
                                                    {"spec", spec}});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  void PatchDriver(const std::string& name, const json& spec) {
    auto r = client_->Patch(gpu::NvidiaDrivers(), "", name, kube::PatchType::kMerge, json({{"spec", spec}}).dump());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  json Driver(const std::string& name) {
    auto d = client_->Get(gpu::NvidiaDrivers(), "", name);
    return d.ok() ? d->Tree() : json::object();
  }
  // In `state`, with conditions that describe the current spec.
  bool Reached(const std::string& name, const std::string& state) {
    json d = Driver(name);
    json status = d.value("status", json::object());
    return status.value("state", "") == state && status.contains("conditions") &&
           status["conditions"][0].value("observedGeneration", -1) == d["metadata"].value("generation", -2);
  }
  std::string Reason(const std::string& name) {
    json status = Driver(name).value("status", json::object());
    return status.contains("conditions") ? status["conditions"][1].value("reason", "") : "";
  }
  std::string Message(const std::string& name) {
    json status = Driver(name).value("status", json::object());
    return status.contains("conditions") ? status["conditions"][0].value("message", "") : "";
  }
  // The driver DaemonSets by owner: "pool-a" -> {name -> object}.
  std::map<std::string, std::map<std::string, json>> DaemonSets() {
    std::map<std::string, std::map<std::string, json>> out;
    auto sets = client_->ListAll(kube::resources::DaemonSets(), kNamespace,
                                 {.label_selector = "app.kubernetes.io/component=nvidia-driver"});
    if (!sets.ok()) return out;
    for (const auto& d : sets->items) {
      if (d.meta().deleting) continue;
      json t = d.Tree();
      const json owners = t["metadata"].value("ownerReferences", json::array());
      out[owners.empty() ? "" : owners[0].value("name", "")][d.name()] = t;
    }
    return out;
  }
  std::string Owner(const std::string& node) {
    auto n = client_->Get(kube::resources::Nodes(), "", node);
    if (!n.ok()) return "?";
    auto labels = n->Labels();
    auto it = labels.find(gpu::kDriverOwnerLabel);
    return it == labels.end() ? "" : it->second;
  }
  std::map<std::string, std::string> Owners() {
    std::map<std::string, std::string> out;
    for (const char* n : {"nvd-a-0", "nvd-a-1", "nvd-b-0", "nvd-c-0"}) out[n] = Owner(n);
    return out;
  }
  std::string Diagnose() {
    std::string out;
    for (const char* d : {"pool-a", "default", "greedy"}) {
    out += std::string(d) + ": " + Driver(d).value("status", json()).dump() + "\n";
  }
    for (const auto& [owner, sets] : DaemonSets()) {
      for (const auto& [name, d] : sets) out += owner + "/" + name + ": " + d["status"].dump() + "\n";
    }
    for (const auto& [n, o] : Owners()) out += n + " owner=" + o + "\n";
    const std::string log = operator_->Output();
    return out + "operator log tail:\n" + log.substr(log.size() > 4000 ? log.size() - 4000 : 0);
  }
  bool HasEvent(const std::string& driver, const std::string& reason) {
    auto list = client_->ListAll(kube::resources::Events(), "default", {});
    if (!list.ok()) return false;
    for (const auto& e : list->items) {
      json t = e.Tree();
      if (t.value("reason", "") == reason && t["involvedObject"].value("kind", "") == "NVIDIADriver" &&
          t["involvedObject"].value("name", "") == driver) {
        return true;
      }
    }
    return false;
  }
  // resourceVersions of the drivers, their DaemonSets and the nodes.
  std::map<std::string, std::string> Versions() {
    std::map<std::string, std::string> out;
    for (const auto& [owner, sets] : DaemonSets()) {
      for (const auto& [name, d] : sets) out[name] = d["metadata"].value("resourceVersion", "");
    }
    for (const char* d : {"pool-a", "default"}) out[d] = Driver(d)["metadata"].value("resourceVersion", "");
    for (const auto& [n, o] : Owners()) out[n] = client_->Get(kube::resources::Nodes(), "", n)->resource_version();
    return out;
  }

  static inline std::unique_ptr<rig::ChildProcess> operator_;
  std::shared_ptr<kube::Client> client_;
};

TEST_F(NvidiaDriverTest, APoolDriverAndADefaultEachGetTheirNodesAndPools) {
  CreateDriver("pool-a", {{"image", "nvcr.io/nvidia/driver"},
                          {"version", "550.90.07"},
                          {"manager", kManager},
                          {"nodeSelector", {{"pool", "a"}}}});
  // The default one as our chart makes it from the driver values.
  auto& env = rig::RigEnvironment::Get();
  const std::string file = env.dir() + "/default-nvidiadriver.yaml";
  std::string out;
  ASSERT_EQ(env.RigCommand("helm template gpu-operator " + std::string(ACCELOPS_SOURCE_DIR) +
                               "/deploy/gpu-operator/chart --namespace " + kNamespace +
                               " --set driver.nvidiaDriverCRD.enabled=true --set driver.version=535.230.02" +
                               " --show-only templates/nvidiadriver.yaml > " + file + " 2>&1",
                           &out),
            0)
      << out;
  ASSERT_TRUE(env.ApplyPath(file).ok());
  EXPECT_EQ(Driver("default")["spec"].value("default", false), true);
  // Without a ClusterPolicy the GPU nodes are still found, and each gets one owner.
  const std::map<std::string, std::string> owners = {
      {"nvd-a-0", "pool-a"}, {"nvd-a-1", "pool-a"}, {"nvd-b-0", "default"}, {"nvd-c-0", "default"}};
  EXPECT_TRUE(Eventually([&] { return Owners() == owners; })) << Diagnose();
  // pool-a: one Ubuntu pool; fallback: Ubuntu and RHEL 9.
  ASSERT_TRUE(Eventually([&] {
    auto sets = DaemonSets();
    return sets["pool-a"].size() == 1 && sets["default"].size() == 2;
  })) << Diagnose();
  auto sets = DaemonSets();
  const json& a = sets["pool-a"].begin()->second;
  EXPECT_EQ(a["metadata"]["name"].get<std::string>().rfind("nvidia-gpu-driver-ubuntu22.04-", 0), 0u);
  const json& pod = a["spec"]["template"]["spec"];
  EXPECT_EQ(pod["containers"][0]["image"], "nvcr.io/nvidia/driver:550.90.07-ubuntu22.04");
  EXPECT_EQ(pod["nodeSelector"][gpu::kDriverOwnerLabel], "pool-a");
  EXPECT_EQ(pod["nodeSelector"]["pool"], "a");
  EXPECT_EQ(pod["serviceAccountName"], "nvidia-gpu-driver-pool-a-ubuntu22.04");
  std::set<std::string> images;
  for (const auto& [name, d] : sets["default"]) images.insert(d["spec"]["template"]["spec"]["containers"][0]["image"]);
  EXPECT_EQ(images, (std::set<std::string>{"nvcr.io/nvidia/driver:535.230.02-ubuntu22.04",
                                           "nvcr.io/nvidia/driver:535.230.02-rhel9"}));
  // kwok runs one driver pod per node.
  EXPECT_TRUE(Eventually([&] { return Reached("pool-a", "ready") && Reached("default", "ready"); })) << Diagnose();
  int scheduled = 0;
  for (const auto& [owner, by_name] : DaemonSets()) {
    for (const auto& [name, d] : by_name) scheduled += d["status"].value("numberAvailable", 0);
  }
  EXPECT_EQ(scheduled, 4);
  EXPECT_TRUE(Eventually([&] { return HasEvent("pool-a", "Reconciled"); }));

  const auto before = rig::SettledVersions([&] { return Versions(); }, seconds(2), seconds(30));
  std::this_thread::sleep_for(seconds(4));
  EXPECT_EQ(rig::VersionChanges(before, Versions()), "") << "writes at rest";
}

TEST_F(NvidiaDriverTest, ADriverOverlappingAnOlderOneIsRejectedAndChangesNothing) {
  const auto sets_before = DaemonSets();
  const auto owners_before = Owners();
  CreateDriver("greedy", {{"image", "nvcr.io/nvidia/driver"}, {"version", "560.35.03"}, {"manager", kManager}});
  EXPECT_TRUE(Eventually([&] { return Reached("greedy", "notReady"); })) << Diagnose();
  EXPECT_EQ(Reason("greedy"), "ConflictingNodeSelector");
  EXPECT_NE(Message("greedy").find("multiple NVIDIADrivers match the same node: nvd-a-0"), std::string::npos)
      << Message("greedy");
  EXPECT_TRUE(Eventually([&] { return HasEvent("greedy", "ConflictingNodeSelector"); }));
  std::this_thread::sleep_for(seconds(2));
  EXPECT_EQ(DaemonSets().count("greedy"), 0u);
  EXPECT_EQ(Owners(), owners_before);
  EXPECT_EQ(DaemonSets().size(), sets_before.size());
  EXPECT_TRUE(Reached("pool-a", "ready"));
  ASSERT_TRUE(client_->Delete(gpu::NvidiaDrivers(), "", "greedy").ok());
}

TEST_F(NvidiaDriverTest, ABadSpecIsNamedAndKeepsWhatRuns) {
  const auto before = DaemonSets()["pool-a"];
  ASSERT_EQ(before.size(), 1u);
  PatchDriver("pool-a", {{"repoConfig", {{"name", "local-repo"}}}});
  EXPECT_TRUE(Eventually([&] { return Reached("pool-a", "notReady"); })) << Diagnose();
  EXPECT_EQ(Reason("pool-a"), "ReconcileFailed");
  EXPECT_EQ(Message("pool-a"), "spec.repoConfig.name: ConfigMap gpu-operator/local-repo does not exist");
  EXPECT_TRUE(Eventually([&] { return HasEvent("pool-a", "ReconcileFailed"); }));
  auto after = DaemonSets()["pool-a"];
  ASSERT_EQ(after.size(), 1u);
  ASSERT_EQ(after.size(), before.size());
  EXPECT_EQ(after.begin()->second["metadata"]["resourceVersion"], before.begin()->second["metadata"]["resourceVersion"]);
  // The ConfigMap made, the driver mounts it (a new revision: notReady until kwok's pods are replaced).
  ASSERT_TRUE(client_->Create(kube::resources::ConfigMaps(), {{"apiVersion", "v1"},
                                                              {"kind", "ConfigMap"},
                                                              {"metadata", {{"name", "local-repo"}, {"namespace", kNamespace}}},
                                                              {"data", {{"local.list", "deb http://mirror/ jammy main"}}}})
                  .ok());
  EXPECT_TRUE(Eventually([&] {
    auto sets = DaemonSets()["pool-a"];
    if (sets.empty()) return false;
    const json volumes = sets.begin()->second["spec"]["template"]["spec"].value("volumes", json::array());
    return std::any_of(volumes.begin(), volumes.end(), [](const json& v) { return v.value("name", "") == "repo-config"; });
  })) << Diagnose();
  // OnDelete: ready again once the node's pods are replaced (as the upgrade flow would).
  EXPECT_TRUE(Eventually([&] {
    return Reason("pool-a") == "DriverNotReady" && Message("pool-a").find("older revision") != std::string::npos;
  })) << Diagnose();
  const std::string ds = DaemonSets()["pool-a"].begin()->first;
  ASSERT_EQ(rig::RigEnvironment::Get().RigCommand("kubectl delete pods -n " + kNamespace + " -l app=" + ds), 0);
  EXPECT_TRUE(Eventually([&] { return Reached("pool-a", "ready"); })) << Diagnose();
}

TEST_F(NvidiaDriverTest, AClusterPolicyDeployingTheDriverDisablesThemUntilItHandsItOver) {
  // Our chart's ClusterPolicy, without the NVIDIADriver hand-over.
  auto& env = rig::RigEnvironment::Get();
  const std::string file = env.dir() + "/nvd-clusterpolicy.yaml";
  std::string out;
  ASSERT_EQ(env.RigCommand("helm template gpu-operator " + std::string(ACCELOPS_SOURCE_DIR) +
                               "/deploy/gpu-operator/chart --namespace " + kNamespace +
                               " --show-only templates/clusterpolicy.yaml > " + file + " 2>&1",
                           &out),
            0)
      << out;
  ASSERT_TRUE(env.ApplyPath(file).ok());
  EXPECT_TRUE(Eventually([&] { return Reached("pool-a", "disabled") && Reached("default", "disabled"); }))
      << Diagnose();
  EXPECT_NE(Message("pool-a").find("useNvidiaDriverCRD"), std::string::npos);
  EXPECT_TRUE(Eventually([&] {
    auto sets = DaemonSets();
    return sets.count("pool-a") == 0 && sets.count("default") == 0 && sets.count("cluster-policy") == 1;
  })) << Diagnose();
  EXPECT_TRUE(Eventually([&] {
    auto o = Owners();
    return std::all_of(o.begin(), o.end(), [](const auto& kv) { return kv.second.empty(); });
  })) << Diagnose();
  // Handed over: the policy's driver goes, the NVIDIADrivers' come back.
  auto r = client_->Patch(gpu::ClusterPolicies(), "", "cluster-policy", kube::PatchType::kMerge,
                          R"({"spec": {"driver": {"useNvidiaDriverCRD": true}}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(Eventually([&] {
    auto sets = DaemonSets();
    return sets.count("cluster-policy") == 0 && sets["pool-a"].size() == 1 && sets["default"].size() == 2;
  })) << Diagnose();
  EXPECT_TRUE(Eventually([&] { return Reached("pool-a", "ready") && Reached("default", "ready"); })) << Diagnose();
}

TEST_F(NvidiaDriverTest, DeletingADriverHandsItsNodesToTheDefault) {
  ASSERT_TRUE(client_->Delete(gpu::NvidiaDrivers(), "", "pool-a").ok());
  EXPECT_TRUE(Eventually([&] { return Owner("nvd-a-0") == "default" && DaemonSets().count("pool-a") == 0; }))
      << Diagnose();
  EXPECT_TRUE(Eventually([&] { return Reached("default", "ready"); })) << Diagnose();
}

}  // namespace
