// Pure parts of NicClusterPolicy handling: images, readiness, status.
#include <gtest/gtest.h>

#include "fnv_hash.h"

#include "image_spec.h"
#include "ofed_pools.h"
#include "policy_status.h"
#include "readiness.h"

namespace network {
namespace {

using nlohmann::json;

TEST(ResolveImage, ComponentValuesWinOverGlobal) {
  json global = {{"repository", "registry.local/mirror"}, {"version", "v1"}, {"imagePullSecrets", {"global-secret"}}};
  auto own = ResolveImage({{"image", "multus-cni"}, {"repository", "ghcr.io/k8snetworkplumbingwg"},
                           {"version", "v3.9.3"}, {"imagePullSecrets", {"mine"}}},
                          global, "spec.secondaryNetwork.multus");
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  EXPECT_EQ(own->reference, "ghcr.io/k8snetworkplumbingwg/multus-cni:v3.9.3");
  EXPECT_EQ(own->pull_secrets, std::vector<std::string>{"mine"});
  auto defaulted = ResolveImage({{"image", "plugins"}}, global, "spec.secondaryNetwork.cniPlugins");
  ASSERT_TRUE(defaulted.ok());
  EXPECT_EQ(defaulted->reference, "registry.local/mirror/plugins:v1");
  EXPECT_EQ(defaulted->pull_secrets, std::vector<std::string>{"global-secret"});
}

TEST(ResolveImage, DigestsMakeDigestReferences) {
  const std::string digest = "sha256:" + std::string(64, 'a');
  auto r = ResolveImage({{"image", "mofed"}, {"repository", "nvcr.io/nvidia/mellanox"}, {"version", digest}},
                        json::object(), "spec.ofedDriver");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->reference, "nvcr.io/nvidia/mellanox/mofed@" + digest);
}

TEST(ResolveImage, BadPartsNameTheField) {
  struct Case {
    json section, global;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {{{"repository", "r.io/x"}, {"version", "1"}}, json::object(), "spec.x.image: is required"},
      {{{"image", "a"}, {"version", "1"}}, json::object(), "spec.x.repository: is required"},
      {{{"image", "a"}, {"repository", "r.io/x"}}, json::object(), "spec.x.version: is required"},
      {{{"image", "a"}, {"repository", "Bad Repo"}, {"version", "1"}}, json::object(), "spec.x.repository: \"Bad Repo\""},
      {{{"image", "a"}, {"repository", "r.io/x"}, {"version", "sha256:abc"}}, json::object(), "spec.x.version: \"sha256:abc\""},
      {{{"image", "a"}, {"repository", "r.io/x"}, {"version", "bad tag"}}, json::object(), "spec.x.version: \"bad tag\""},
      {{{"image", "a:b"}, {"repository", "r.io/x"}, {"version", "1"}}, json::object(), "spec.x.image: \"a:b\""},
  };
  for (const auto& c : cases) {
    auto r = ResolveImage(c.section, c.global, "spec.x");
    ASSERT_FALSE(r.ok()) << c.expect;
    EXPECT_EQ(r.status().code(), kube::Code::kInvalid);
    EXPECT_EQ(r.status().message().rfind(c.expect, 0), 0u) << r.status().message();
  }
}

json DaemonSet(int64_t gen, int64_t observed, int64_t desired, int64_t available, int64_t updated) {
  return {{"kind", "DaemonSet"},
          {"metadata", {{"name", "ds"}, {"generation", gen}}},
          {"status", {{"observedGeneration", observed}, {"desiredNumberScheduled", desired},
                      {"numberAvailable", available}, {"updatedNumberScheduled", updated}}}};
}

TEST(Readiness, DaemonSets) {
  EXPECT_TRUE(operators::ObjectReadiness(DaemonSet(1, 1, 3, 3, 3)).ready);
  auto partial = operators::ObjectReadiness(DaemonSet(1, 1, 3, 2, 3));
  EXPECT_FALSE(partial.ready);
  EXPECT_EQ(partial.message, "DaemonSet ds: 2 of 3 pods available, 3 updated");
  EXPECT_FALSE(operators::ObjectReadiness(DaemonSet(1, 1, 3, 3, 1)).ready) << "old pods still running";
  EXPECT_FALSE(operators::ObjectReadiness(DaemonSet(2, 1, 3, 3, 3)).ready) << "controller has not seen the new spec";
  auto none = operators::ObjectReadiness(DaemonSet(1, 1, 0, 0, 0));
  EXPECT_TRUE(none.ready) << "a DaemonSet that targets no node must not hold the policy back";
  EXPECT_EQ(none.message, "DaemonSet ds targets no node");
}

TEST(Readiness, DeploymentsByAvailableReplicas) {
  json d = {{"kind", "Deployment"}, {"metadata", {{"name", "d"}, {"generation", 1}}}, {"spec", {{"replicas", 2}}},
            {"status", {{"observedGeneration", 1}, {"availableReplicas", 1}, {"updatedReplicas", 2}}}};
  EXPECT_FALSE(operators::ObjectReadiness(d).ready);
  EXPECT_EQ(operators::ObjectReadiness(d).message, "Deployment d: 1 of 2 replicas available");
  d["status"]["availableReplicas"] = 2;
  EXPECT_TRUE(operators::ObjectReadiness(d).ready);
  EXPECT_TRUE(operators::ObjectReadiness({{"kind", "ConfigMap"}, {"metadata", {{"name", "c"}}}}).ready);
}

TEST(PolicyStatus, AppliedStatesConditionsAndGlobalState) {
  std::vector<StateReport> reports = {
      {"state-multus-cni", "MultusCNIReady", SyncState::kReady, ""},
      {"state-ipoib-cni", "IPoIBCNIReady", SyncState::kIgnore, ""},
      {"state-RDMA-device-plugin", "RDMASharedDevicePluginReady", SyncState::kNotReady, "DaemonSet x: 1 of 2"},
  };
  json s = BuildPolicyStatus(reports, 4, nullptr, "2026-01-01T00:00:00Z");
  EXPECT_EQ(s["state"], "notReady");
  EXPECT_EQ(s["observedGeneration"], 4);
  ASSERT_EQ(s["appliedStates"].size(), 3u);
  EXPECT_EQ(s["appliedStates"][1], json({{"name", "state-ipoib-cni"}, {"state", "ignore"}}));
  EXPECT_EQ(s["appliedStates"][2]["message"], "DaemonSet x: 1 of 2");
  ASSERT_EQ(s["conditions"].size(), 3u) << "ignored components get no condition";
  EXPECT_EQ(s["conditions"][0]["type"], "MultusCNIReady");
  EXPECT_EQ(s["conditions"][1]["reason"], "ComponentNotReady");
  EXPECT_EQ(s["conditions"][2]["type"], "Ready");
  EXPECT_EQ(s["conditions"][2]["reason"], "ComponentsNotReady");
  EXPECT_EQ(s["conditions"][2]["message"], "not ready: state-RDMA-device-plugin");

  reports[2].state = SyncState::kError;
  reports[2].message = "spec.rdmaSharedDevicePlugin.config: is not valid JSON";
  json e = BuildPolicyStatus(reports, 5, s, "2026-01-01T00:01:00Z");
  EXPECT_EQ(e["state"], "error");
  EXPECT_EQ(e["conditions"][2]["reason"], "ComponentError");
  EXPECT_EQ(e["conditions"][0]["lastTransitionTime"], "2026-01-01T00:00:00Z") << "unchanged status keeps its time";
}

TEST(PolicyStatus, AnUnchangedPolicyGetsAnIdenticalStatus) {
  std::vector<StateReport> reports = {{"state-multus-cni", "MultusCNIReady", SyncState::kReady, ""}};
  json first = BuildPolicyStatus(reports, 1, nullptr, "2026-01-01T00:00:00Z");
  EXPECT_EQ(first["state"], "ready");
  EXPECT_EQ(first["conditions"][1]["reason"], "AllComponentsReady");
  EXPECT_EQ(BuildPolicyStatus(reports, 1, first, "2026-01-02T00:00:00Z"), first);
}

}  // namespace
}  // namespace network

namespace network {
namespace {

TEST(OfedPools, GroupsNicNodesByOsKernelAndArch) {
  auto nic = [](const std::string& name, const std::string& os, const std::string& kernel, const std::string& arch) {
    return NodeLabels{name,
                      {{kNicLabel, "true"}, {kOsIdLabel, os}, {kOsVersionLabel, "22.04"}, {kKernelLabel, kernel},
                       {kArchLabel, arch}},
                      json::array()};
  };
  std::vector<NodeLabels> nodes = {nic("a", "ubuntu", "k1", "amd64"), nic("b", "ubuntu", "k1", "amd64"),
                                   nic("c", "ubuntu", "k2", "amd64"), nic("d", "ubuntu", "k1", "arm64"),
                                   {"no-labels", {{kNicLabel, "true"}}, json::array()},
                                   {"not-a-nic", {{kArchLabel, "amd64"}}, json::array()}};
  nodes.push_back(nic("tainted", "ubuntu", "k1", "amd64"));
  nodes.back().taints = json::array({{{"key", "dedicated"}, {"value", "x"}, {"effect", "NoSchedule"}}});
  nodes.push_back(nic("gpu", "ubuntu", "k1", "amd64"));
  nodes.back().taints = json::array({{{"key", "nvidia.com/gpu"}, {"effect", "NoSchedule"}}});

  OfedPools p = ComputeOfedPools(nodes, json::array());
  ASSERT_EQ(p.pools.size(), 3u);
  std::map<std::string, std::vector<std::string>> by_kernel_arch;
  for (const auto& pool : p.pools) {
    EXPECT_EQ(pool.daemonset.rfind("mofed-ubuntu22.04-", 0), 0u) << pool.daemonset;
    by_kernel_arch[pool.kernel + "/" + pool.arch] = pool.nodes;
  }
  EXPECT_EQ(by_kernel_arch["k1/amd64"], (std::vector<std::string>{"a", "b", "gpu"}));
  EXPECT_EQ(by_kernel_arch["k2/amd64"], std::vector<std::string>{"c"});
  EXPECT_EQ(by_kernel_arch["k1/arm64"], std::vector<std::string>{"d"}) << "arch is part of the pool";
  for (const auto& pool : p.pools) {
    EXPECT_EQ(pool.arch_selector, pool.kernel == "k1") << "only pools sharing a kernel with another arch select theirs";
  }
  EXPECT_EQ(p.unlabelled, std::vector<std::string>{"no-labels"});
  EXPECT_EQ(p.untolerated, std::vector<std::string>{"tainted"});

  // Names as upstream spells them, so an upstream install's DaemonSets are adopted: the FNV-1a of the
  // kernel, its decimal digits safe-encoded (values from upstream's own output for these kernels).
  std::vector<NodeLabels> real = {nic("u", "ubuntu", "5.15.0-105-generic", "amd64"),
                                  nic("r", "rhel", "5.14.0-427.13.1.el9_4.x86_64", "amd64")};
  real[1].labels[kOsIdLabel] = "rhel";
  real[1].labels[kOsVersionLabel] = "9.4";
  OfedPools named = ComputeOfedPools(real, json::array());
  ASSERT_EQ(named.pools.size(), 2u);
  EXPECT_EQ(named.pools[0].daemonset, "mofed-rhel9.4-d54c8446b-ds");
  EXPECT_EQ(named.pools[1].daemonset, "mofed-ubuntu22.04-6486ccb87-ds");
  EXPECT_EQ(operators::Fnv32SafeEncoded("ubuntu-nics"), "699b7ccb8b");  // a NicNodePolicy's name

  // Tolerating the taint brings the node back.
  OfedPools tolerated =
      ComputeOfedPools(nodes, json::array({{{"key", "dedicated"}, {"operator", "Equal"}, {"value", "x"}}}));
  EXPECT_TRUE(tolerated.untolerated.empty());
}

}  // namespace
}  // namespace network

#include "node_policy_conflicts.h"
#include "wait_labels.h"

namespace network {
namespace {

TEST(WaitLabels, FollowTheDriverPods) {
  auto node = [](const std::string& name, bool nic, const char* wait) {
    NodeLabels n{name, {}, json::array()};
    if (nic) n.labels[kNicLabel] = "true";
    if (wait) n.labels[kMofedWaitLabel] = wait;
    return n;
  };
  std::vector<NodeLabels> nodes = {node("ready", true, "true"),   node("starting", true, nullptr),
                                   node("settled", true, "false"), node("cpu", false, "false"),
                                   node("cpu-clean", false, nullptr)};
  std::vector<DriverPod> pods = {{"ready", true}, {"starting", false}, {"settled", true}, {"", false}};
  auto changes = WaitLabelChanges(nodes, pods, [](const NodeLabels&) { return true; });
  using Changes = std::map<std::string, std::optional<std::string>>;
  EXPECT_EQ(changes, (Changes{{"ready", "false"}, {"starting", "true"}, {"cpu", std::nullopt}}));

  // Without a driver section: NIC nodes are free to go unless a driver pod is still leaving.
  auto without = WaitLabelChanges(nodes, {{"starting", false}}, [](const NodeLabels&) { return false; });
  EXPECT_EQ(without, (Changes{{"ready", "false"}, {"starting", "true"}, {"cpu", std::nullopt}}));
  // A node policy runs the driver on one node only: that node waits for it, the others do not.
  auto partial = WaitLabelChanges(nodes, {{"settled", false}}, [](const NodeLabels& n) { return n.name == "starting"; });
  EXPECT_EQ(partial, (Changes{{"ready", "false"}, {"starting", "true"}, {"settled", "true"}, {"cpu", std::nullopt}}));
  // A node that lost its NIC label while its driver pod is still going waits until the pod is gone.
  auto lost = WaitLabelChanges(nodes, {{"cpu-clean", true}}, [](const NodeLabels&) { return false; });
  EXPECT_EQ(lost, (Changes{{"ready", "false"}, {"starting", "false"}, {"cpu", std::nullopt}, {"cpu-clean", "true"}}));
  // At rest: no change.
  nodes[0].labels[kMofedWaitLabel] = "false";
  nodes[1].labels[kMofedWaitLabel] = "true";
  nodes[3].labels.erase(kMofedWaitLabel);
  EXPECT_TRUE(WaitLabelChanges(nodes, pods, [](const NodeLabels&) { return true; }).empty());
}


TEST(NodePolicyConflicts, ASectionInBothPlacesOrAnOverlapIsAConflict) {
  std::vector<NodeLabels> nodes = {{"a1", {{"group", "a"}, {"rack", "1"}}, json::array()},
                                   {"b1", {{"group", "b"}, {"rack", "1"}}, json::array()}};
  NodePolicyView a{"group-a", {{"group", "a"}}, {{"ofedDriver", {{"image", "doca-driver"}}}}};
  NodePolicyView b{"group-b", {{"group", "b"}}, {{"rdmaSharedDevicePlugin", {{"image", "k8s-rdma-shared-dev-plugin"}}}}};
  NodePolicyView rack{"rack-1", {{"rack", "1"}}, {{"sriovDevicePlugin", {{"image", "sriov"}}}}};
  EXPECT_EQ(NodePolicyConflict(a, {a, b}, json(), nodes), "");
  EXPECT_EQ(NodePolicyConflict(a, {b}, json({{"rdmaSharedDevicePlugin", json::object()}}), nodes), "")
      << "different components in the cluster policy are fine";
  EXPECT_EQ(NodePolicyConflict(a, {b}, json({{"ofedDriver", json::object()}}), nodes),
            "spec.ofedDriver is also set in the NicClusterPolicy; a component is configured either there or in "
            "NicNodePolicies, not both");
  EXPECT_EQ(NodePolicyConflict(rack, {a, b}, json(), nodes),
            "nodeSelector overlaps NicNodePolicy group-a on node a1; each node may be selected by one NicNodePolicy");
  // The overlap is judged on the nodes as they are: no node in rack 1, no overlap.
  nodes[0].labels["rack"] = "2";
  nodes[1].labels["rack"] = "2";
  EXPECT_EQ(NodePolicyConflict(rack, {a, b}, json(), nodes), "");
  EXPECT_TRUE(SelectorMatches({}, nodes[0].labels)) << "an empty selector selects every node";
}


TEST(PolicyStatus, AConflictKeepsTheStatesAndSaysWhyInReady) {
  std::vector<StateReport> reports = {{"state-OFED", "OFEDDriverReady", SyncState::kReady, ""}};
  json before = BuildPolicyStatus(reports, 1, json(), "2026-01-01T00:00:00Z");
  json blocked = BuildBlockedStatus("nodeSelector overlaps NicNodePolicy b on node n", 2, before, "2026-01-02T00:00:00Z");
  EXPECT_EQ(blocked["state"], "error");
  EXPECT_EQ(blocked["reason"], "nodeSelector overlaps NicNodePolicy b on node n");
  EXPECT_EQ(blocked["observedGeneration"], 2);
  EXPECT_EQ(blocked["appliedStates"], before["appliedStates"]);
  ASSERT_EQ(blocked["conditions"].size(), 2u);
  EXPECT_EQ(blocked["conditions"][0]["type"], "OFEDDriverReady");
  EXPECT_EQ(blocked["conditions"][1],
            json({{"type", "Ready"}, {"status", "False"}, {"reason", "PolicyConflict"},
                  {"message", "nodeSelector overlaps NicNodePolicy b on node n"}, {"observedGeneration", 2},
                  {"lastTransitionTime", "2026-01-02T00:00:00Z"}}));
  // Unchanged on the next pass: no write.
  EXPECT_EQ(BuildBlockedStatus("nodeSelector overlaps NicNodePolicy b on node n", 2, blocked, "2026-01-03T00:00:00Z"),
            blocked);
}

}  // namespace
}  // namespace network
