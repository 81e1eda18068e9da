// The NVIDIADriver resource: which driver drives which node (defaults,
// conflicts, fail-closed nodes), the spec checks, the translation into the
// spec a pool is rendered from, the names of what it creates, its status,
// and a pool rendered end to end against a golden file
// (test/unit/golden/gpu-operator/nvidiadriver-pool.json; UPDATE_GOLDEN=1).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "nvidiadriver/driver_assignment.h"
#include "nvidiadriver/nvidia_driver_spec.h"
#include "nvidiadriver/nvidia_driver_status.h"
#include "state_renderer.h"

namespace gpu {
namespace {

using nlohmann::json;

NodeLabels Node(const std::string& name, std::map<std::string, std::string> labels) {
  labels["nvidia.com/gpu.present"] = "true";
  return {name, std::move(labels)};
}

DriverClaim Claim(const std::string& name, const std::string& created, std::map<std::string, std::string> selector,
                  bool is_default = false) {
  return {name, created, is_default, std::move(selector)};
}

TEST(DriverAssignment, SelectorsPickTheirNodesAndTheDefaultTakesTheRest) {
  const std::vector<NodeLabels> nodes = {Node("a1", {{"pool", "a"}}), Node("a2", {{"pool", "a"}}),
                                         Node("b1", {{"pool", "b"}}), Node("c1", {})};
  auto out = AssignDriverNodes({Claim("fallback", "2026-01-01T00:00:00Z", {}, true),
                                Claim("pool-a", "2026-01-02T00:00:00Z", {{"pool", "a"}}),
                                Claim("pool-b", "2026-01-03T00:00:00Z", {{"pool", "b"}})},
                               nodes);
  EXPECT_TRUE(out.rejected.empty());
  EXPECT_EQ(out.nodes["pool-a"], (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(out.nodes["pool-b"], (std::vector<std::string>{"b1"}));
  EXPECT_EQ(out.nodes["fallback"], (std::vector<std::string>{"c1"}));
  EXPECT_EQ(out.owner, (std::map<std::string, std::string>{
                           {"a1", "pool-a"}, {"a2", "pool-a"}, {"b1", "pool-b"}, {"c1", "fallback"}}));
}

TEST(DriverAssignment, NoSelectorMeansEveryGpuNodeAndNoDriverMeansNoOwner) {
  const std::vector<NodeLabels> nodes = {Node("n1", {}), Node("n2", {{kDriverOwnerLabel, "gone"}})};
  auto all = AssignDriverNodes({Claim("everything", "2026-01-01T00:00:00Z", {})}, nodes);
  EXPECT_EQ(all.nodes["everything"], (std::vector<std::string>{"n1", "n2"}));
  auto some = AssignDriverNodes({Claim("only-n3", "2026-01-01T00:00:00Z", {{"name", "n3"}})}, nodes);
  EXPECT_TRUE(some.nodes["only-n3"].empty());
  EXPECT_EQ(some.owner, (std::map<std::string, std::string>{{"n1", ""}, {"n2", ""}}));
}

TEST(DriverAssignment, TheNewerOfTwoDriversSelectingOneNodeIsRejectedAndTakesNothing) {
  const std::vector<NodeLabels> nodes = {Node("a1", {{"pool", "a"}, {kDriverOwnerLabel, "old"}}),
                                         Node("x1", {{"zone", "x"}, {kDriverOwnerLabel, "fallback"}}),
                                         Node("x2", {{"zone", "x"}})};
  // "new" selects everything: it conflicts with "old" on a1, and is rejected whole, even though
  // listed first and alphabetically earlier.
  auto out = AssignDriverNodes({Claim("new", "2026-03-01T00:00:00Z", {}),
                                Claim("old", "2026-01-01T00:00:00Z", {{"pool", "a"}}),
                                Claim("fallback", "2026-02-01T00:00:00Z", {}, true)},
                               nodes);
  ASSERT_EQ(out.rejected.count("new"), 1u);
  EXPECT_NE(out.rejected["new"].find("multiple NVIDIADrivers match the same node: a1"), std::string::npos)
      << out.rejected["new"];
  EXPECT_NE(out.rejected["new"].find("old"), std::string::npos);
  EXPECT_EQ(out.nodes.count("new"), 0u);
  EXPECT_EQ(out.nodes["old"], (std::vector<std::string>{"a1"}));
  // x1 and x2 are selected by the rejected driver: left as they are, not handed to the default
  // (x1 keeps the default it had, x2 stays without a driver).
  EXPECT_EQ(out.owner, (std::map<std::string, std::string>{{"a1", "old"}}));
  EXPECT_EQ(out.nodes["fallback"], (std::vector<std::string>{"x1"}));
}

TEST(DriverAssignment, ASecondDefaultAndTheOwnerLabelInASelectorAreRejected) {
  const std::vector<NodeLabels> nodes = {Node("n1", {})};
  auto out = AssignDriverNodes({Claim("first", "2026-01-01T00:00:00Z", {}, true),
                                Claim("second", "2026-01-02T00:00:00Z", {}, true),
                                Claim("sneaky", "2026-01-03T00:00:00Z", {{kDriverOwnerLabel, "first"}})},
                               nodes);
  EXPECT_NE(out.rejected["second"].find("first is already the default"), std::string::npos);
  EXPECT_NE(out.rejected["sneaky"].find("must not use nvidia.com/gpu-operator.driver.owner"), std::string::npos);
  EXPECT_EQ(out.nodes["first"], (std::vector<std::string>{"n1"}));
}

TEST(NvidiaDriverSpec, ContradictionsNameTheField) {
  EXPECT_TRUE(ValidateNvidiaDriver(json::object()).ok());
  auto expect_invalid = [](const json& spec, const std::string& words) {
    kube::Status s = ValidateNvidiaDriver(spec);
    EXPECT_EQ(s.code(), kube::Code::kInvalidArgument) << spec.dump();
    EXPECT_NE(s.message().find(words), std::string::npos) << s.message();
  };
  expect_invalid({{"driverType", "quantum"}}, "spec.driverType: unknown value \"quantum\"");
  expect_invalid({{"kernelModuleType", "closed"}}, "spec.kernelModuleType");
  expect_invalid({{"usePrecompiled", true}, {"gds", {{"enabled", true}}}}, "GDS");
  expect_invalid({{"usePrecompiled", true}, {"gdrcopy", {{"enabled", true}}}}, "GDRCopy");
  expect_invalid({{"usePrecompiled", true}, {"version", "sha256:abcd"}}, "digest");
  // An image that carries its own tag or digest beside a version: never an unpullable reference.
  expect_invalid({{"image", "nvcr.io/nvidia/driver:570.172.08"}, {"version", "570.172.08"}},
                 "spec.image: \"nvcr.io/nvidia/driver:570.172.08\" already names a tag or digest");
  expect_invalid({{"image", "nvcr.io/nvidia/driver@sha256:" + std::string(64, 'a')}, {"version", "570.172.08"}},
                 "spec.image:");
  EXPECT_TRUE(ValidateNvidiaDriver({{"image", "registry.local:5000/nvidia/driver"}, {"version", "570.172.08"}}).ok())
      << "a registry port is no tag";
  EXPECT_TRUE(ValidateNvidiaDriver({{"image", "nvcr.io/nvidia/driver:570.172.08"}}).ok()) << "a whole image alone";
}

TEST(NvidiaDriverSpec, ConfigMapsAreNamedByTheirField) {
  auto refs = NvidiaDriverConfigMaps(json::parse(R"({"repoConfig": {"name": "repo"}, "kernelModuleConfig": {"name": "km"}})"));
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0].field, "spec.repoConfig.name");
  EXPECT_EQ(refs[0].name, "repo");
  EXPECT_EQ(refs[1].field, "spec.kernelModuleConfig.name");
}

TEST(NvidiaDriverSpec, RenderSpecPutsTheDriversSettingsWhereTheClusterPolicyKeepsThem) {
  const json policy = json::parse(R"({"global": {"imageRegistry": "mirror.example:5000"},
    "daemonsets": {"priorityClassName": "policy-class", "labels": {"from": "policy"}},
    "gds": {"enabled": true}, "driver": {"version": "1.0"}})");
  const json driver = json::parse(R"({"image": "nvcr.io/nvidia/driver", "version": "550.90.07",
    "repoConfig": {"name": "repo"}, "priorityClassName": "driver-class", "tolerations": [{"operator": "Exists"}],
    "nodeSelector": {"pool": "a"}, "gdrcopy": {"enabled": true}})");
  const json spec = DriverRenderSpec(policy, driver);
  EXPECT_EQ(spec["global"]["imageRegistry"], "mirror.example:5000");
  EXPECT_EQ(spec["driver"]["repository"], "nvcr.io/nvidia");
  EXPECT_EQ(spec["driver"]["image"], "driver");
  EXPECT_EQ(spec["driver"]["version"], "550.90.07");
  EXPECT_EQ(spec["driver"]["repoConfig"], json({{"configMapName", "repo"}}));
  EXPECT_FALSE(spec["driver"].contains("nodeSelector"));
  // Scheduling and GDS/GDRCopy are the driver's own, not the policy's.
  EXPECT_EQ(spec["daemonsets"], json::parse(R"({"priorityClassName": "driver-class",
    "tolerations": [{"operator": "Exists"}]})"));
  EXPECT_EQ(spec["gds"], json::object());
  EXPECT_EQ(spec["gdrcopy"], json({{"enabled", true}}));
  EXPECT_FALSE(spec.contains("vgpuManager"));
  const json host = DriverRenderSpec(json::object(), {{"driverType", "vgpu-host-manager"}, {"repository", "r"},
                                                      {"image", "vgpu-manager"}, {"version", "550.54.10"}});
  EXPECT_EQ(host["vgpuManager"]["image"], "vgpu-manager");
  EXPECT_EQ(host["vgpuManager"]["enabled"], true);
}

TEST(NvidiaDriverSpec, DaemonSetNamesFitALabelAndDependOnUidAndKernel) {
  const std::string name = NvidiaDriverDaemonSetName("gpu", "ubuntu22.04", "uid-1", "");
  EXPECT_EQ(name.rfind("nvidia-gpu-driver-ubuntu22.04-", 0), 0u) << name;
  // Upstream's spelling: the decimal FNV-1a of the uid (1355045443 for "uid-1"), each digit mapped
  // by Kubernetes' rand.SafeEncodeString.
  EXPECT_EQ(name, "nvidia-gpu-driver-ubuntu22.04-5799489887");
  EXPECT_EQ(NvidiaDriverDaemonSetName("gpu", "ubuntu22.04", "uid-1", "5.15.0-131-generic"),
            "nvidia-gpu-driver-ubuntu22.04-549776fd7");
  EXPECT_EQ(name, NvidiaDriverDaemonSetName("gpu", "ubuntu22.04", "uid-1", ""));
  EXPECT_NE(name, NvidiaDriverDaemonSetName("gpu", "ubuntu22.04", "uid-2", ""));
  EXPECT_NE(name, NvidiaDriverDaemonSetName("gpu", "ubuntu22.04", "uid-1", "5.15.0-131-generic"));
  const std::string long_name = NvidiaDriverDaemonSetName("vgpu-host-manager", std::string(80, 'x'), "uid", "");
  EXPECT_LE(long_name.size(), 63u);
  EXPECT_EQ(NvidiaDriverResourceName("gpu", "pool-a"), "nvidia-gpu-driver-pool-a");
  EXPECT_EQ(NvidiaDriverResourceName("vgpu-host-manager", "v"), "nvidia-vgpu-manager-v");
}

TEST(NvidiaDriverStatus, OutcomesGiveUpstreamsStatesAndReasons) {
  const std::string now = "2026-11-23T00:00:00Z";
  json ready = BuildNvidiaDriverStatus({DriverOutcome::kReady, "", "gpu-operator", 2}, nullptr, now);
  EXPECT_EQ(ready["state"], "ready");
  EXPECT_EQ(ready["namespace"], "gpu-operator");
  EXPECT_EQ(ready["conditions"][0]["message"], "All resources have been successfully reconciled");
  EXPECT_EQ(ready["conditions"][0]["reason"], "Reconciled");
  EXPECT_EQ(ready["conditions"][0]["observedGeneration"], 2);
  json conflict = BuildNvidiaDriverStatus({DriverOutcome::kConflict, "two drivers", "ns", 1}, ready, now);
  EXPECT_EQ(conflict["state"], "notReady");
  EXPECT_EQ(conflict["conditions"][1]["reason"], "ConflictingNodeSelector");
  EXPECT_EQ(conflict["conditions"][1]["status"], "True");
  EXPECT_EQ(conflict["conditions"][0]["message"], "two drivers");
  EXPECT_EQ(BuildNvidiaDriverStatus({DriverOutcome::kNotReady, "w", "ns", 1}, nullptr, now)["conditions"][1]["reason"],
            "DriverNotReady");
  EXPECT_EQ(BuildNvidiaDriverStatus({DriverOutcome::kFailed, "f", "ns", 1}, nullptr, now)["conditions"][1]["reason"],
            "ReconcileFailed");
  EXPECT_EQ(BuildNvidiaDriverStatus({DriverOutcome::kDisabled, "d", "ns", 1}, nullptr, now)["state"], "disabled");
}

// A pool rendered from an NVIDIADriver behind a ClusterPolicy's registry override.
TEST(NvidiaDriverRendering, APoolMatchesItsGoldenFile) {
  const json policy = json::parse(R"({"global": {"imageRegistry": "mirror.example:5000", "imagePullSecrets": ["m"]},
    "validator": {"repository": "nvcr.io/nvidia/cloud-native", "image": "gpu-operator-validator", "version": "v25.3.0"}})");
  const json driver = json::parse(R"({"driverType": "gpu", "image": "nvcr.io/nvidia/driver", "version": "550.90.07",
    "manager": {"repository": "nvcr.io/nvidia/cloud-native", "image": "k8s-driver-manager", "version": "v0.8.0"},
    "tolerations": [{"key": "dedicated", "operator": "Exists"}], "labels": {"team": "ml"},
    "nodeSelector": {"pool": "a"}})");
  const json spec = DriverRenderSpec(policy, driver);
  DriverPool pool{"ubuntu", "feature.node.kubernetes.io/system-os_release.VERSION_ID", "22.04", "ubuntu22.04", "", {"n1"}};
  auto objects = RenderDriverPool({spec, "gpu-operator", nullptr, {}, false}, pool,
                                  {NvidiaDriverDaemonSetName("gpu", "ubuntu22.04", "uid-1", ""),
                                   "nvidia-gpu-driver-pool-a-ubuntu22.04", "nvidia-gpu-driver-pool-a-startup-probe"},
                                  false);
  ASSERT_TRUE(objects.ok()) << objects.status().ToString();
  const std::string text = json(*objects).dump(2) + "\n";
  EXPECT_NE(text.find("\"mirror.example:5000/nvidia/driver:550.90.07-ubuntu22.04\""), std::string::npos);
  EXPECT_NE(text.find("\"serviceAccountName\": \"nvidia-gpu-driver-pool-a-ubuntu22.04\""), std::string::npos);
  EXPECT_NE(text.find("\"name\": \"nvidia-gpu-driver-pool-a-startup-probe\""), std::string::npos);
  for (const char* policy_name : {"\"name\": \"nvidia-driver\"", "\"nvidia-driver-startup-probe\""}) {
    EXPECT_EQ(text.find(policy_name), std::string::npos) << "the ClusterPolicy's " << policy_name << " leaked in";
  }
  EXPECT_NE(text.find("\"key\": \"dedicated\""), std::string::npos) << "the driver's tolerations are missing";
  // Upstream's NVIDIADriver layout, which differs from its ClusterPolicy one: no GPUs handed to
  // the driver container, the digest before the module type, room for a vGPU manager pod too.
  const json* ds = nullptr;
  for (const auto& o : *objects) ds = o.value("kind", "") == "DaemonSet" ? &o : ds;
  ASSERT_NE(ds, nullptr);
  const json& main = (*ds)["spec"]["template"]["spec"]["containers"][0];
  std::vector<std::string> env;
  for (const auto& e : main["env"]) env.push_back(e["name"]);
  EXPECT_EQ(env, (std::vector<std::string>{"NVIDIA_VISIBLE_DEVICES", "NODE_NAME", "NODE_IP", "DRIVER_CONFIG_DIGEST",
                                           "KERNEL_MODULE_TYPE"}));
  EXPECT_EQ((*ds)["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
               [0]["labelSelector"]["matchExpressions"][0]["values"],
            json({"nvidia-driver", "nvidia-vgpu-manager"}));
  json open_spec = spec;
  open_spec["driver"]["kernelModuleType"] = "open";
  auto open = RenderDriverPool({open_spec, "gpu-operator", nullptr, {}, false}, pool, {"ds", "sa", "probe"}, false);
  ASSERT_TRUE(open.ok()) << open.status().ToString();
  EXPECT_NE(json(*open).dump().find(R"({"name":"OPEN_KERNEL_MODULES_ENABLED","value":"true"})"), std::string::npos);
  const std::string path = std::string(ACCELOPS_SOURCE_DIR) + "/test/unit/golden/gpu-operator/nvidiadriver-pool.json";
  if (std::getenv("UPDATE_GOLDEN")) {
    std::ofstream(path) << text;
    return;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in) << path << " is missing; run with UPDATE_GOLDEN=1";
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(text, golden.str());
}

}  // namespace
}  // namespace gpu
