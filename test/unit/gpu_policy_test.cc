// The GPU operator's ClusterPolicy states: golden files of each state's
// rendering (test/unit/golden/gpu-operator/<state>.json; regenerate with
// UPDATE_GOLDEN=1 after an intended template change and review the diff),
// driver pools per OS and kernel, the registry override reaching every
// image, spec checks, OnDelete readiness and the status.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "chart_rules.h"
#include "cluster_policy_spec.h"
#include "cluster_policy_status.h"
#include "driver_pools.h"
#include "driver_handover.h"
#include "driver_readiness.h"
#include "gpu_states.h"
#include "kube/config.h"
#include "state_renderer.h"

namespace gpu {
namespace {

using nlohmann::json;

// The ClusterPolicy the chart makes of seed 003's values (air-gapped, every image on a mirror),
// with the optional operands switched on so each state renders.
json SeedSpec() {
  return json::parse(R"({
    "operator": {"runtimeClass": "nvidia"},
    "daemonsets": {"priorityClassName": "system-node-critical", "updateStrategy": "RollingUpdate",
      "rollingUpdate": {"maxUnavailable": "1"}, "labels": {"team": "ml"},
      "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]},
    "hostPaths": {"rootFS": "/", "driverInstallDir": "/run/nvidia/driver"},
    "cdi": {"enabled": true}, "mig": {"strategy": "single"},
    "validator": {"repository": "dockerhub.kubekey.local/kse/nvidia/cloud-native", "image": "gpu-operator-validator",
      "version": "v23.9.2", "imagePullSecrets": ["mirror"]},
    "driver": {"enabled": true, "repository": "dockerhub.kubekey.local/kse/nvidia", "image": "driver",
      "version": "550-5.15.0-131-generic", "rdma": {"enabled": true},
      "manager": {"repository": "dockerhub.kubekey.local/kse/nvidia/cloud-native", "image": "k8s-driver-manager",
        "version": "v0.6.5"},
      "repoConfig": {"configMapName": "local-repo"}, "env": [{"name": "HTTP_PROXY", "value": "http://proxy:3128"}]},
    "toolkit": {"enabled": true, "repository": "dockerhub.kubekey.local/kse/nvidia/k8s", "image": "container-toolkit",
      "version": "v1.14.6-ubuntu20.04"},
    "devicePlugin": {"enabled": true, "repository": "dockerhub.kubekey.local/kse/nvidia", "image": "k8s-device-plugin",
      "version": "v0.14.5-ubi8", "config": {"name": "time-slicing", "default": "any"},
      "resources": {"limits": {"memory": "200Mi"}}},
    "dcgm": {"enabled": true, "repository": "dockerhub.kubekey.local/kse/nvidia/cloud-native", "image": "dcgm",
      "version": "3.3.0-1-ubuntu22.04"},
    "dcgmExporter": {"enabled": true, "repository": "dockerhub.kubekey.local/kse/nvidia/k8s", "image": "dcgm-exporter",
      "version": "3.3.0-3.2.0-ubuntu22.04",
      "serviceMonitor": {"enabled": true, "interval": "15s", "honorLabels": true, "additionalLabels": {"release": "kps"}}},
    "gfd": {"enabled": true, "repository": "dockerhub.kubekey.local/kse/nvidia", "image": "gpu-feature-discovery",
      "version": "v0.8.2-ubi8"},
    "migManager": {"enabled": true, "repository": "dockerhub.kubekey.local/kse/nvidia/cloud-native",
      "image": "k8s-mig-manager", "version": "v0.6.0-ubuntu20.04"},
    "nodeStatusExporter": {"enabled": true, "repository": "dockerhub.kubekey.local/kse/nvidia/cloud-native",
      "image": "gpu-operator-validator", "version": "v23.9.2"},
    "vgpuManager": {"enabled": true, "repository": "dockerhub.kubekey.local/kse/nvidia/cloud-native",
      "image": "vgpu-manager", "version": "550.54.10"},
    "vgpuDeviceManager": {"enabled": true, "repository": "dockerhub.kubekey.local/kse/nvidia/cloud-native",
      "image": "vgpu-device-manager", "version": "v0.2.4"},
    "vfioManager": {"enabled": true, "repository": "dockerhub.kubekey.local/kse/nvidia", "image": "cuda",
      "version": "12.3.2-base-ubi8"},
    "sandboxDevicePlugin": {"enabled": true, "repository": "dockerhub.kubekey.local/kse/nvidia",
      "image": "kubevirt-gpu-device-plugin", "version": "v1.2.4"},
    "kataSandboxDevicePlugin": {"enabled": true, "repository": "dockerhub.kubekey.local/kse/nvidia/cloud-native",
      "image": "nvidia-sandbox-device-plugin", "version": "v0.0.1"},
    "ccManager": {"enabled": true, "repository": "dockerhub.kubekey.local/kse/nvidia/cloud-native",
      "image": "k8s-cc-manager", "version": "v0.1.1"}
  })");
}

NodeLabels Gpu(const std::string& name, const std::string& os, const std::string& version, const std::string& kernel) {
  NodeLabels n{name, {{"nvidia.com/gpu.present", "true"}}};
  if (!os.empty()) {
    n.labels[kOsIdLabel] = os;
    n.labels[kOsVersionLabel] = version;
    n.labels[kOsMajorLabel] = version.substr(0, version.find('.'));
    n.labels[kKernelLabel] = kernel;
  }
  return n;
}

// Two OSes, two kernels on one of them.
std::vector<NodeLabels> Nodes() {
  return {Gpu("u1", "ubuntu", "22.04", "5.15.0-131-generic"), Gpu("u2", "ubuntu", "22.04", "6.8.0-40-generic"),
          Gpu("r1", "rhel", "9.4", "5.14.0-427.13.1.el9_4.x86_64")};
}

// The spec a state renders with: sandbox states need sandbox workloads, kata ones kata mode.
json SpecFor(const std::string& state) {
  json spec = SeedSpec();
  static const std::vector<std::string> kubevirt = {"state-vgpu-manager", "state-vgpu-device-manager",
                                                    "state-sandbox-validation", "state-vfio-manager",
                                                    "state-sandbox-device-plugin"};
  if (std::find(kubevirt.begin(), kubevirt.end(), state) != kubevirt.end()) {
    spec["sandboxWorkloads"] = {{"enabled", true}, {"mode", "kubevirt"}};
  }
  if (state == "state-kata-device-plugin" || state == "state-cc-manager") {
    spec["sandboxWorkloads"] = {{"enabled", true}, {"mode", "kata"}};
  }
  return spec;
}

std::string GoldenPath(const std::string& state) {
  return std::string(ACCELOPS_SOURCE_DIR) + "/test/unit/golden/gpu-operator/" + state + ".json";
}

// Every container of every pod template in `objects`.
std::vector<json> Containers(const std::vector<json>& objects) {
  std::vector<json> out;
  for (const auto& obj : objects) {
    if (obj.value("kind", "") != "DaemonSet") continue;
    const json& pod = obj["spec"]["template"]["spec"];
    for (const char* key : {"initContainers", "containers"}) {
      for (const auto& c : pod.value(key, json::array())) out.push_back(c);
    }
  }
  return out;
}

TEST(GpuStateRendering, EveryStateMatchesItsGoldenFile) {
  const bool update = std::getenv("UPDATE_GOLDEN") != nullptr;
  for (const auto& state : ClusterPolicyStates()) {
    const json spec = SpecFor(state.name);
    if (!state.enabled(spec)) {
      EXPECT_EQ(state.name, "state-kata-manager") << "the golden specs must enable " << state.name;
      continue;
    }
    auto rendered = RenderClusterPolicyState(state, {spec, "gpu-operator", nullptr, Nodes(), true});
    ASSERT_TRUE(rendered.ok()) << state.name << ": " << rendered.status().ToString();
    EXPECT_TRUE(rendered->pending.empty()) << state.name << ": " << rendered->pending;
    const std::string text = json(rendered->objects).dump(2) + "\n";
    EXPECT_EQ(text.find(": null"), std::string::npos) << state.name << ": a template value rendered empty";
    EXPECT_EQ(text.find("\"name\": \"\""), std::string::npos) << state.name << ": an empty name";
    if (update) {
      std::ofstream(GoldenPath(state.name)) << text;
      continue;
    }
    auto golden = kube::ReadFile(GoldenPath(state.name));
    ASSERT_TRUE(golden.ok()) << "no golden file for " << state.name << " (run with UPDATE_GOLDEN=1)";
    EXPECT_EQ(text, *golden) << state.name << " renders differently from its golden file";
  }
}

TEST(GpuStateRendering, DriverDaemonSetPerOsWithItsOwnTagAndSelector) {
  const json spec = SeedSpec();
  const GpuState& driver = ClusterPolicyStates()[2];
  ASSERT_EQ(driver.name, "state-driver");
  auto rendered = RenderClusterPolicyState(driver, {spec, "gpu-operator", nullptr, Nodes(), false});
  ASSERT_TRUE(rendered.ok()) << rendered.status().ToString();
  std::map<std::string, json> daemonsets;
  for (const auto& obj : rendered->objects) {
    if (obj["kind"] == "DaemonSet") daemonsets[obj["metadata"]["name"]] = obj;
  }
  ASSERT_EQ(daemonsets.size(), 2u);
  const json& ubuntu = daemonsets.at("nvidia-driver-daemonset-ubuntu22.04");
  const json& rhel = daemonsets.at("nvidia-driver-daemonset-rhel9");
  EXPECT_EQ(ubuntu["spec"]["template"]["spec"]["containers"][0]["image"],
            "dockerhub.kubekey.local/kse/nvidia/driver:550-5.15.0-131-generic-ubuntu22.04");
  EXPECT_EQ(rhel["spec"]["template"]["spec"]["containers"][0]["image"],
            "dockerhub.kubekey.local/kse/nvidia/driver:550-5.15.0-131-generic-rhel9");
  EXPECT_EQ(rhel["spec"]["template"]["spec"]["nodeSelector"]
                ["feature.node.kubernetes.io/system-os_release.VERSION_ID.major"], "9");
  EXPECT_EQ(ubuntu["spec"]["template"]["spec"]["nodeSelector"]
                ["feature.node.kubernetes.io/system-os_release.VERSION_ID"], "22.04");
  EXPECT_EQ(ubuntu["spec"]["updateStrategy"]["type"], "OnDelete") << "the driver is never rolled by the controller";
  // The user's env is merged into the driver container; the repo config goes where apt or yum looks.
  const json env = ubuntu["spec"]["template"]["spec"]["containers"][0]["env"];
  EXPECT_NE(env.dump().find("http://proxy:3128"), std::string::npos);
  EXPECT_NE(ubuntu.dump().find("/etc/apt/sources.list.d"), std::string::npos);
  EXPECT_NE(rhel.dump().find("/etc/yum.repos.d"), std::string::npos);
}

// The vGPU manager is rendered per OS like the driver but rolls as upstream's does: its pods
// carry no driver label, so OnDelete readiness (which reads the driver pods) would never see them.
TEST(GpuStateRendering, TheVgpuManagerPerOsRollsLikeUpstreams) {
  const auto& states = ClusterPolicyStates();
  const auto vgpu = std::find_if(states.begin(), states.end(), [](const GpuState& s) { return s.name == "state-vgpu-manager"; });
  ASSERT_NE(vgpu, states.end());
  json spec = SeedSpec();
  spec["sandboxWorkloads"] = {{"enabled", true}};
  auto rendered = RenderClusterPolicyState(*vgpu, {spec, "gpu-operator", nullptr, Nodes(), false});
  ASSERT_TRUE(rendered.ok()) << rendered.status().ToString();
  int daemonsets = 0;
  for (const auto& obj : rendered->objects) {
    if (obj["kind"] != "DaemonSet") continue;
    ++daemonsets;
    EXPECT_EQ(obj["spec"]["updateStrategy"]["type"], "RollingUpdate") << obj["metadata"]["name"];
    // The image's contract: the driver manager empties the node, then the driver container's
    // own entrypoint installs the host driver into /run/nvidia, as upstream runs it.
    const json& pod = obj["spec"]["template"]["spec"];
    EXPECT_EQ(pod["initContainers"][0]["name"], "k8s-driver-manager");
    EXPECT_EQ(pod["initContainers"][0]["args"], json({"uninstall_driver"}));
    EXPECT_EQ(pod["containers"][0]["command"], json({"nvidia-driver"}));
    EXPECT_EQ(pod["containers"][0]["args"], json({"init"}));
    EXPECT_EQ(pod["containers"][0]["volumeMounts"][0]["mountPath"], "/run/nvidia");
    EXPECT_TRUE(pod.value("hostPID", false) && pod.value("hostIPC", false));
  }
  EXPECT_EQ(daemonsets, 2);
}

TEST(GpuStateRendering, PrecompiledDriversGetADaemonSetPerKernel) {
  json spec = SeedSpec();
  spec["driver"]["usePrecompiled"] = true;
  spec["driver"]["version"] = "535.230.02";
  spec["driver"]["rdma"]["enabled"] = false;
  auto rendered = RenderClusterPolicyState(ClusterPolicyStates()[2], {spec, "gpu-operator", nullptr, Nodes(), false});
  ASSERT_TRUE(rendered.ok()) << rendered.status().ToString();
  std::map<std::string, std::string> images;
  for (const auto& obj : rendered->objects) {
    if (obj["kind"] != "DaemonSet") continue;
    images[obj["metadata"]["name"]] = obj["spec"]["template"]["spec"]["containers"][0]["image"];
    EXPECT_TRUE(obj["spec"]["template"]["spec"]["nodeSelector"].contains(kKernelLabel));
  }
  const std::map<std::string, std::string> expected = {
      {"nvidia-driver-daemonset-5.15.0-131-generic-ubuntu22.04",
       "dockerhub.kubekey.local/kse/nvidia/driver:535-5.15.0-131-generic-ubuntu22.04"},
      {"nvidia-driver-daemonset-6.8.0-40-generic-ubuntu22.04",
       "dockerhub.kubekey.local/kse/nvidia/driver:535-6.8.0-40-generic-ubuntu22.04"},
      {"nvidia-driver-daemonset-5.14.0-427.13.1.el9.4-rhel9",
       "dockerhub.kubekey.local/kse/nvidia/driver:535-5.14.0-427.13.1.el9_4.x86_64-rhel9"},
  };
  EXPECT_EQ(images, expected);
}

TEST(GpuStateRendering, NoGpuNodesYetRendersNoDriverDaemonSetButItsOtherObjects) {
  for (const bool precompiled : {false, true}) {
    json spec = SeedSpec();
    spec["driver"]["usePrecompiled"] = precompiled;
    spec["driver"]["rdma"]["enabled"] = false;
    auto rendered = RenderClusterPolicyState(ClusterPolicyStates()[2], {spec, "gpu-operator", nullptr, {}, false});
    ASSERT_TRUE(rendered.ok()) << "precompiled " << precompiled << ": " << rendered.status().ToString();
    std::set<std::string> kinds;
    for (const auto& obj : rendered->objects) kinds.insert(obj["kind"]);
    EXPECT_EQ(kinds, (std::set<std::string>{"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
                                            "ConfigMap"}));
    EXPECT_TRUE(rendered->pending.empty()) << rendered->pending;
  }
}

TEST(GpuStateRendering, NodesWithoutOsLabelsAreNamedAndPoolsDoNotDependOnOrder) {
  auto nodes = Nodes();
  nodes.push_back(Gpu("bare", "", "", ""));
  auto pools = GroupDriverPools(nodes, false);
  std::reverse(nodes.begin(), nodes.end());
  auto reversed = GroupDriverPools(nodes, false);
  ASSERT_EQ(pools.pools.size(), 2u);
  EXPECT_EQ(pools.pools[0].os_tag, "rhel9");
  EXPECT_EQ(pools.pools[1].nodes, (std::vector<std::string>{"u1", "u2"}));
  EXPECT_EQ(reversed.pools[1].nodes, pools.pools[1].nodes);
  EXPECT_EQ(pools.unlabelled, std::vector<std::string>{"bare"});
  auto rendered = RenderClusterPolicyState(ClusterPolicyStates()[2], {SeedSpec(), "gpu-operator", nullptr, nodes, false});
  ASSERT_TRUE(rendered.ok());
  EXPECT_EQ(rendered->pending, "1 GPU nodes have no os-release labels and get no driver: bare");
}

TEST(GpuStateRendering, OneRegistryOverrideReachesEveryImageAndPullSecretsEveryPod) {
  // Upstream defaults (nvcr.io) plus the one-line override.
  json spec = SeedSpec();
  for (auto& [key, section] : spec.items()) {
    if (section.is_object() && section.contains("repository")) {
      std::string repo = section["repository"];
      section["repository"] = "nvcr.io" + repo.substr(repo.find("/nvidia"));
    }
  }
  spec["driver"]["manager"]["repository"] = "nvcr.io/nvidia/cloud-native";
  spec["global"] = {{"imageRegistry", "registry.local:5000/mirror"}, {"imagePullSecrets", {"mirror-pull"}}};
  int images = 0;
  for (const auto& state : ClusterPolicyStates()) {
    const json s = [&] {
      json copy = SpecFor(state.name);
      for (const char* k : {"sandboxWorkloads"}) {
        if (copy.contains(k)) spec[k] = copy[k];
        else spec.erase(k);
      }
      return spec;
    }();
    if (!state.enabled(s)) continue;
    auto rendered = RenderClusterPolicyState(state, {s, "gpu-operator", nullptr, Nodes(), true});
    ASSERT_TRUE(rendered.ok()) << state.name << ": " << rendered.status().ToString();
    for (const auto& c : Containers(rendered->objects)) {
      ++images;
      EXPECT_EQ(c["image"].get<std::string>().rfind("registry.local:5000/mirror/nvidia/", 0), 0u)
          << state.name << " " << c["name"] << ": " << c["image"];
      for (const auto& e : c.value("env", json::array())) {
        if (e["name"] == "VALIDATOR_IMAGE") {
          EXPECT_EQ(e["value"].get<std::string>().rfind("registry.local:5000/mirror/", 0), 0u) << "workload pods";
        }
        if (e["name"] == "VALIDATOR_IMAGE_PULL_SECRETS") {
          EXPECT_NE(e["value"].get<std::string>().find("mirror-pull"), std::string::npos);
        }
      }
    }
    for (const auto& obj : rendered->objects) {
      if (obj["kind"] != "DaemonSet") continue;
      EXPECT_NE(obj["spec"]["template"]["spec"]["imagePullSecrets"].dump().find("mirror-pull"), std::string::npos)
          << obj["metadata"]["name"];
    }
  }
  EXPECT_GT(images, 40);
}

// The validator keeps upstream's contract: one init container per layer with that layer's
// variables; validator.<layer>.env reaches its own init container; no plugin validation
// without a device plugin.
TEST(GpuStateRendering, TheValidatorsInitContainersAreUpstreamsPerLayer) {
  const auto& states = ClusterPolicyStates();
  const auto state = std::find_if(states.begin(), states.end(), [](const GpuState& s) { return s.name == "state-operator-validation"; });
  ASSERT_NE(state, states.end());
  auto init_containers = [&](const json& spec) {
    std::map<std::string, json> out;
    auto r = RenderClusterPolicyState(*state, {spec, "gpu-operator", nullptr, Nodes(), false});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return out;
    for (const auto& obj : r->objects) {
      if (obj["kind"] != "DaemonSet") continue;
      for (const auto& c : obj["spec"]["template"]["spec"]["initContainers"]) out[c["name"]] = c;
    }
    return out;
  };
  auto env = [](const json& container, const std::string& name) {
    for (const auto& e : container["env"]) {
      if (e["name"] == name) return e.value("value", std::string("<valueFrom>"));
    }
    return std::string("<unset>");
  };
  json spec = SeedSpec();
  spec["validator"]["cuda"] = {{"env", {{{"name", "WITH_WORKLOAD"}, {"value", "true"}}}}};
  spec["validator"]["plugin"] = {{"env", {{{"name", "WITH_WORKLOAD"}, {"value", "true"}}}}};
  spec["validator"]["driver"] = {{"env", {{{"name", "DISABLE_DEV_CHAR_SYMLINK_CREATION"}, {"value", "true"}}}}};
  auto init = init_containers(spec);
  ASSERT_EQ(init.size(), 4u);
  EXPECT_EQ(env(init["driver-validation"], "WITH_WAIT"), "true");
  EXPECT_EQ(env(init["driver-validation"], "DISABLE_DEV_CHAR_SYMLINK_CREATION"), "true");
  EXPECT_EQ(env(init["toolkit-validation"], "DISABLE_DEV_CHAR_SYMLINK_CREATION"), "<unset>") << "each layer its own";
  EXPECT_EQ(env(init["toolkit-validation"], "NVIDIA_VISIBLE_DEVICES"), "all");
  EXPECT_EQ(env(init["cuda-validation"], "WITH_WORKLOAD"), "true");
  EXPECT_EQ(env(init["plugin-validation"], "WITH_WORKLOAD"), "true") << "the user's value replaces the default";
  EXPECT_EQ(env(init["plugin-validation"], "MIG_STRATEGY"), "single");
  EXPECT_EQ(env(init["cuda-validation"], "MIG_STRATEGY"), "<unset>");
  EXPECT_EQ(init["driver-validation"]["volumeMounts"].size(), 4u);
  EXPECT_EQ(init["toolkit-validation"]["volumeMounts"].size(), 1u);

  spec["devicePlugin"]["enabled"] = false;
  init = init_containers(spec);
  EXPECT_EQ(init.size(), 3u);
  EXPECT_FALSE(init.count("plugin-validation"));
}

// The driver's startup probe keeps the contract the validator relies on: exit 1 until the module
// is loaded, the driver's daemons are Ready (when they report) and nvidia-smi answers; then the
// .driver-ctr-ready file with the GDS, GDRCopy and RDMA settings. Run with sh on a scratch tree
// (the script's host paths moved into it) and a stand-in nvidia-smi.
TEST(GpuStateRendering, TheDriverStartupProbeWritesTheReadyFileTheValidatorReads) {
  const GpuState& driver = ClusterPolicyStates()[2];
  ASSERT_EQ(driver.name, "state-driver");
  auto r = RenderClusterPolicyState(driver, {SeedSpec(), "gpu-operator", nullptr, Nodes(), false});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::string script;
  for (const auto& obj : r->objects) {
    if (obj["kind"] == "ConfigMap" && obj["metadata"]["name"] == "nvidia-driver-startup-probe") {
      script = obj["data"]["startup-probe.sh"].get<std::string>();
    }
  }
  ASSERT_FALSE(script.empty());
  const std::filesystem::path root = std::filesystem::temp_directory_path() / ("probe-" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root / "bin");
  auto replace_all = [](std::string text, const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) text.replace(at, from.size(), to);
    return text;
  };
  script = replace_all(replace_all(script, "/sys/module", (root / "sys/module").string()), "/run/nvidia",
                       (root / "run/nvidia").string());
  std::ofstream(root / "probe.sh") << script;
  const std::filesystem::path smi = root / "bin/nvidia-smi";
  auto stand_in = [&](int code) {
    std::ofstream(smi) << "#!/bin/sh\nexit " << code << "\n";
    std::filesystem::permissions(smi, std::filesystem::perms::owner_all);
  };
  auto run = [&](const std::string& env) {
    const std::string command = "cd " + root.string() + " && PATH=" + (root / "bin").string() + ":/usr/bin:/bin " + env +
                                " sh probe.sh >/dev/null 2>&1";
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  const std::filesystem::path ready = root / "run/nvidia/validations/.driver-ctr-ready";
  stand_in(0);
  EXPECT_EQ(run(""), 1) << "no module loaded";
  EXPECT_FALSE(std::filesystem::exists(ready));
  std::filesystem::create_directories(root / "sys/module/nvidia");
  std::ofstream(root / "sys/module/nvidia/refcnt") << "1\n";
  std::ofstream(root / "run/nvidia/validations/.driver-daemons-status") << "Starting";
  EXPECT_EQ(run(""), 1) << "daemons not ready";
  std::ofstream(root / "run/nvidia/validations/.driver-daemons-status") << "Ready";
  stand_in(9);
  EXPECT_EQ(run(""), 1) << "nvidia-smi fails";
  EXPECT_FALSE(std::filesystem::exists(ready));
  stand_in(0);
  EXPECT_EQ(run("GDS_ENABLED=true"), 0);
  auto text = kube::ReadFile(ready.string());
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "GDRCOPY_ENABLED: false\nGDS_ENABLED: true\nGPU_DIRECT_RDMA_ENABLED: false\n");
  EXPECT_FALSE(std::filesystem::exists(ready.string() + ".tmp"));
  std::filesystem::remove(root / "run/nvidia/validations/.driver-daemons-status");
  EXPECT_EQ(run(""), 0) << "daemons that do not report do not hold it back";
  std::filesystem::remove_all(root);
}

// An operand's entrypoint script from its state's ConfigMap, run with sh on a scratch tree (its
// /run/nvidia moved into it) with stand-in programs; returns what the operand saw: the stand-in
// for `program` prints the named variables.
class EntrypointRun {
 public:
  EntrypointRun(const std::string& state_name, const std::string& config_map) {
    const GpuState* state = nullptr;
    for (const auto& s : ClusterPolicyStates()) {
      if (s.name == state_name) state = &s;
    }
    EXPECT_NE(state, nullptr) << state_name;
    if (state == nullptr) return;
    auto r = RenderClusterPolicyState(*state, {SeedSpec(), "gpu-operator", nullptr, Nodes(), false});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return;
    for (const auto& obj : r->objects) {
      if (obj["kind"] == "ConfigMap" && obj["metadata"]["name"] == config_map) script_ = obj["data"]["entrypoint.sh"];
    }
    EXPECT_FALSE(script_.empty()) << config_map;
    root_ = std::filesystem::temp_directory_path() / ("entrypoint-" + std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_ / "bin");
    std::filesystem::create_directories(root_ / "run/nvidia/validations");
    for (size_t at = script_.find("/run/nvidia"); at != std::string::npos; at = script_.find("/run/nvidia", at + 1)) {
      script_.replace(at, 11, (root_ / "run/nvidia").string());
      at += root_.string().size();
    }
    std::ofstream(root_ / "entrypoint.sh") << script_;
  }
  ~EntrypointRun() { std::filesystem::remove_all(root_); }

  void StandIn(const std::string& name, const std::string& body) {
    std::ofstream(root_ / "bin" / name) << "#!/bin/sh\n" << body << "\n";
    std::filesystem::permissions(root_ / "bin" / name, std::filesystem::perms::owner_all);
  }
  void Barrier(const std::string& text) { std::ofstream(root_ / "run/nvidia/validations/driver-ready") << text; }
  std::string Run() {
    const std::string out = (root_ / "out").string();
    const std::string command = "cd " + root_.string() + " && PATH=" + (root_ / "bin").string() +
                                ":/usr/bin:/bin timeout 20 sh entrypoint.sh >" + out + " 2>&1";
    exit_code_ = std::system(command.c_str());
    auto text = kube::ReadFile(out);
    return text.ok() ? *text : "";
  }
  int exit_code() const { return WIFEXITED(exit_code_) ? WEXITSTATUS(exit_code_) : -1; }

 private:
  std::string script_;
  std::filesystem::path root_;
  int exit_code_ = -1;
};

TEST(GpuStateRendering, TheDevicePluginEntrypointReportsTheLoadedModulesItWasNotTold) {
  EntrypointRun run("state-device-plugin", "nvidia-device-plugin-entrypoint");
  run.StandIn("nvidia-device-plugin",
              "echo \"seen: DRIVER_ROOT=$DRIVER_ROOT GDRCOPY_ENABLED=$GDRCOPY_ENABLED GDS_ENABLED=$GDS_ENABLED "
              "MOFED_ENABLED=$MOFED_ENABLED\"");
  run.StandIn("lsmod", "printf 'Module Size Used\\nnvidia_fs 1 0\\ngdrdrv 1 0\\nnvidia 2 1\\n'");
  run.Barrier("DRIVER_ROOT=/run/nvidia/driver\nGDS_ENABLED=false\n");
  const std::string out = run.Run();
  EXPECT_EQ(run.exit_code(), 0) << out;
  // The barrier's variables are exported; a setting it holds is kept, the others follow the modules.
  EXPECT_NE(out.find("seen: DRIVER_ROOT=/run/nvidia/driver GDRCOPY_ENABLED=true GDS_ENABLED=false MOFED_ENABLED=true"),
            std::string::npos)
      << out;

  run.StandIn("lsmod", "printf 'Module Size Used\\nnvidia 2 1\\n'");
  run.Barrier("DRIVER_ROOT=/\n");
  const std::string plain = run.Run();
  EXPECT_NE(plain.find("seen: DRIVER_ROOT=/ GDRCOPY_ENABLED= GDS_ENABLED= MOFED_ENABLED="), std::string::npos) << plain;
}

TEST(GpuStateRendering, TheMigManagerEntrypointStopsHostClientsOnlyForAHostDriver) {
  EntrypointRun run("state-mig-manager", "nvidia-mig-manager-entrypoint");
  run.StandIn("nvidia-mig-manager", "echo \"seen: WITH_SHUTDOWN_HOST_GPU_CLIENTS=$WITH_SHUTDOWN_HOST_GPU_CLIENTS\"");
  run.Barrier("IS_HOST_DRIVER=true\n");
  std::string out = run.Run();
  EXPECT_EQ(run.exit_code(), 0) << out;
  EXPECT_NE(out.find("seen: WITH_SHUTDOWN_HOST_GPU_CLIENTS=true"), std::string::npos) << out;
  run.Barrier("IS_HOST_DRIVER=false\n");
  out = run.Run();
  EXPECT_NE(out.find("seen: WITH_SHUTDOWN_HOST_GPU_CLIENTS=false"), std::string::npos) << out;
}

// The toolkit on containerd wherever the distribution keeps it (k3s, RKE2: CONTAINERD_CONFIG and
// CONTAINERD_SOCKET in toolkit.env are host paths): their directories are mounted and the
// container gets the paths inside the mounts, in upstream's order of variables.
TEST(GpuStateRendering, TheToolkitFindsContainerdWhereTheDistributionKeepsIt) {
  const auto& states = ClusterPolicyStates();
  const auto state = std::find_if(states.begin(), states.end(), [](const GpuState& s) { return s.name == "state-container-toolkit"; });
  ASSERT_NE(state, states.end());
  struct Rendered {
    json container;
    std::map<std::string, std::string> host_paths;
    bool entrypoint = false;
  };
  auto render = [&](const json& spec) {
    Rendered out;
    auto r = RenderClusterPolicyState(*state, {spec, "gpu-operator", nullptr, Nodes(), false});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return out;
    for (const auto& obj : r->objects) {
      if (obj["kind"] == "ConfigMap" && obj["metadata"]["name"] == "nvidia-container-toolkit-entrypoint") {
        out.entrypoint = obj["data"]["entrypoint.sh"].get<std::string>().find("exec nvidia-toolkit") != std::string::npos;
      }
      if (obj["kind"] != "DaemonSet") continue;
      out.container = obj["spec"]["template"]["spec"]["containers"][0];
      for (const auto& v : obj["spec"]["template"]["spec"]["volumes"]) {
        if (v.contains("hostPath")) out.host_paths[v["name"]] = v["hostPath"]["path"];
      }
    }
    return out;
  };
  auto env = [](const json& container) {
    std::vector<std::string> out;
    for (const auto& e : container["env"]) out.push_back(e["name"].get<std::string>() + "=" + e.value("value", "<from>"));
    return out;
  };
  json spec = SeedSpec();
  spec["toolkit"]["env"] = json::array();
  Rendered plain = render(spec);
  EXPECT_TRUE(plain.entrypoint);
  EXPECT_EQ(plain.host_paths["containerd-config"], "/etc/containerd");
  EXPECT_EQ(plain.host_paths["containerd-socket"], "/run/containerd");
  EXPECT_EQ(env(plain.container),
            (std::vector<std::string>{
                "ROOT=/usr/local/nvidia", "NVIDIA_CONTAINER_RUNTIME_MODES_CDI_DEFAULT_KIND=management.nvidia.com/gpu",
                "NVIDIA_VISIBLE_DEVICES=void", "TOOLKIT_PID_FILE=/run/nvidia/toolkit/toolkit.pid", "NRI_NAMESPACE=<from>",
                "CDI_ENABLED=true", "NVIDIA_RUNTIME_SET_AS_DEFAULT=false", "NVIDIA_CONTAINER_RUNTIME_MODE=cdi",
                "CRIO_CONFIG_MODE=config", "RUNTIME=containerd", "CONTAINERD_RUNTIME_CLASS=nvidia",
                "RUNTIME_CONFIG=/runtime/config-dir/config.toml", "CONTAINERD_CONFIG=/runtime/config-dir/config.toml",
                "RUNTIME_DROP_IN_CONFIG=/runtime/config-dir.d/99-nvidia.toml",
                "RUNTIME_DROP_IN_CONFIG_HOST_PATH=/etc/containerd/conf.d/99-nvidia.toml",
                "RUNTIME_SOCKET=/runtime/sock-dir/containerd.sock", "CONTAINERD_SOCKET=/runtime/sock-dir/containerd.sock"}));

  spec["toolkit"]["env"] = {{{"name", "CONTAINERD_CONFIG"}, {"value", "/var/lib/rancher/k3s/agent/etc/containerd/config.toml"}},
                            {{"name", "CONTAINERD_SOCKET"}, {"value", "/run/k3s/containerd/containerd.sock"}},
                            {{"name", "CONTAINERD_RUNTIME_CLASS"}, {"value", "nvidia"}},
                            {{"name", "CONTAINERD_SET_AS_DEFAULT"}, {"value", "true"}}};
  Rendered k3s = render(spec);
  EXPECT_EQ(k3s.host_paths["containerd-config"], "/var/lib/rancher/k3s/agent/etc/containerd");
  EXPECT_EQ(k3s.host_paths["containerd-socket"], "/run/k3s/containerd");
  EXPECT_EQ(env(k3s.container),
            (std::vector<std::string>{
                "ROOT=/usr/local/nvidia", "NVIDIA_CONTAINER_RUNTIME_MODES_CDI_DEFAULT_KIND=management.nvidia.com/gpu",
                "NVIDIA_VISIBLE_DEVICES=void", "TOOLKIT_PID_FILE=/run/nvidia/toolkit/toolkit.pid", "NRI_NAMESPACE=<from>",
                "CDI_ENABLED=true", "NVIDIA_RUNTIME_SET_AS_DEFAULT=false", "NVIDIA_CONTAINER_RUNTIME_MODE=cdi",
                "CRIO_CONFIG_MODE=config", "CONTAINERD_CONFIG=/runtime/config-dir/config.toml",
                "CONTAINERD_SOCKET=/runtime/sock-dir/containerd.sock", "CONTAINERD_RUNTIME_CLASS=nvidia",
                "CONTAINERD_SET_AS_DEFAULT=true", "RUNTIME=containerd", "RUNTIME_CONFIG=/runtime/config-dir/config.toml",
                "RUNTIME_DROP_IN_CONFIG=/runtime/config-dir.d/99-nvidia.toml",
                "RUNTIME_DROP_IN_CONFIG_HOST_PATH=/etc/containerd/conf.d/99-nvidia.toml",
                "RUNTIME_SOCKET=/runtime/sock-dir/containerd.sock"}))
      << "upstream's order for the k3s case (gpu-05)";
}

// On CRI-O nodes the toolkit writes CRI-O's drop-in config (no socket), as upstream; without CDI
// it installs the OCI hook instead. The nodes' runtime decides, else spec.operator.defaultRuntime.
// The DaemonSet a state renders for the seed nodes, all running `runtime`.
json RenderedDaemonSet(const std::string& state_name, const json& spec, const std::string& runtime) {
  std::vector<NodeLabels> nodes = Nodes();
  for (auto& n : nodes) n.container_runtime = runtime;
  auto r = RenderClusterPolicyState(ClusterPolicyState(state_name), {spec, "gpu-operator", nullptr, nodes, false});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  json ds;
  for (const auto& obj : r.ok() ? r->objects : std::vector<json>{}) {
    if (obj["kind"] == "DaemonSet") ds = obj;
  }
  return ds;
}

// A variable of the DaemonSet's main container, "<unset>" when absent.
std::string MainEnv(const json& ds, const std::string& name) {
  for (const auto& e : ds["spec"]["template"]["spec"]["containers"][0]["env"]) {
    if (e["name"] == name) return e.value("value", std::string());
  }
  return "<unset>";
}

// The host path of a volume of the DaemonSet, "<none>" when it has no such volume.
std::string VolumeHostPath(const json& ds, const std::string& volume) {
  for (const auto& v : ds["spec"]["template"]["spec"]["volumes"]) {
    if (v["name"] == volume) return v["hostPath"].value("path", std::string());
  }
  return "<none>";
}

TEST(GpuStateRendering, TheToolkitConfiguresCriOOnCriONodes) {
  auto render = [](const json& spec, const std::string& runtime) {
    return RenderedDaemonSet("state-container-toolkit", spec, runtime);
  };
  auto env = MainEnv;
  auto host_path = VolumeHostPath;
  json spec = SeedSpec();
  spec["toolkit"]["env"] = json::array();
  json crio = render(spec, "cri-o");
  EXPECT_EQ(env(crio, "RUNTIME"), "crio");
  EXPECT_EQ(env(crio, "CRIO_CONFIG_MODE"), "config") << "with CDI, nvidia runtime handlers in CRI-O's config";
  // Upstream's defaults: the top-level config is read, never written; the drop-in is a `.conf`
  // file, the only kind CRI-O reads from crio.conf.d.
  EXPECT_EQ(env(crio, "RUNTIME_CONFIG"), "/runtime/config-dir/config.toml");
  EXPECT_EQ(env(crio, "CRIO_CONFIG"), "/runtime/config-dir/config.toml");
  EXPECT_EQ(env(crio, "RUNTIME_DROP_IN_CONFIG"), "/runtime/config-dir.d/99-nvidia.conf");
  EXPECT_EQ(env(crio, "RUNTIME_DROP_IN_CONFIG_HOST_PATH"), "/etc/crio/crio.conf.d/99-nvidia.conf");
  EXPECT_EQ(env(crio, "RUNTIME_SOCKET"), "<unset>");
  EXPECT_EQ(env(crio, "CONTAINERD_RUNTIME_CLASS"), "<unset>");
  EXPECT_EQ(host_path(crio, "crio-config"), "/etc/crio");
  EXPECT_EQ(host_path(crio, "crio-drop-in-config"), "/etc/crio/crio.conf.d");
  EXPECT_EQ(host_path(crio, "crio-hooks"), "/usr/share/containers/oci/hooks.d");
  EXPECT_EQ(host_path(crio, "containerd-config"), "<none>");

  spec["cdi"]["enabled"] = false;
  EXPECT_EQ(env(render(spec, "cri-o"), "CRIO_CONFIG_MODE"), "hook") << "without CDI, the OCI prestart hook";

  // No runtime known on the nodes: the policy's default runtime, then containerd.
  spec["operator"]["defaultRuntime"] = "crio";
  EXPECT_EQ(env(render(spec, ""), "RUNTIME"), "crio");
  EXPECT_EQ(env(render(spec, "containerd"), "RUNTIME"), "containerd") << "the nodes' runtime wins";
  spec["operator"].erase("defaultRuntime");
  EXPECT_EQ(env(render(spec, ""), "RUNTIME"), "containerd");
}

// With the NRI plugin (cdi.nriPluginEnabled) the toolkit talks to the runtime's NRI socket and leaves
// the runtime's config alone: the socket's directory is mounted instead of the config, drop-in and
// socket directories, and no runtime class is configured. Operands that use every GPU drop the
// `nvidia` runtime class and ask for the management device by annotation, as upstream; on CRI-O
// without CDI (the OCI hook, no handler) they drop the runtime class too.
TEST(GpuStateRendering, TheNriPluginReplacesTheRuntimeConfigAndTheRuntimeClass) {
  auto daemonset = RenderedDaemonSet;
  auto env = MainEnv;
  auto volumes = [](const json& ds) {
    std::map<std::string, std::string> out;
    for (const auto& v : ds["spec"]["template"]["spec"]["volumes"]) {
      if (v.contains("hostPath")) out[v["name"]] = v["hostPath"]["path"];
    }
    return out;
  };
  auto annotations = [](const json& ds) {
    return ds["spec"]["template"]["metadata"].value("annotations", json::object());
  };
  json spec = SeedSpec();
  spec["toolkit"]["env"] = json::array();
  spec["cdi"] = {{"enabled", true}, {"nriPluginEnabled", true}};

  json toolkit = daemonset("state-container-toolkit", spec, "containerd");
  EXPECT_EQ(env(toolkit, "ENABLE_NRI_PLUGIN"), "true");
  EXPECT_EQ(env(toolkit, "NRI_SOCKET"), "/runtime/nri-sock-dir/nri.sock");
  EXPECT_EQ(env(toolkit, "RUNTIME"), "containerd");
  for (const char* gone : {"CONTAINERD_RUNTIME_CLASS", "RUNTIME_CONFIG", "CONTAINERD_CONFIG", "RUNTIME_SOCKET",
                           "RUNTIME_DROP_IN_CONFIG"}) {
    EXPECT_EQ(env(toolkit, gone), "<unset>") << gone;
  }
  auto mounted = volumes(toolkit);
  EXPECT_EQ(mounted["nri-socket"], "/var/run/nri");
  EXPECT_EQ(mounted.count("containerd-config"), 0u);
  EXPECT_EQ(mounted.count("containerd-socket"), 0u);
  EXPECT_EQ(mounted.count("containerd-drop-in-config"), 0u);
  // A socket moved by toolkit.env is mounted from where it is.
  spec["toolkit"]["env"] = json::array({{{"name", "NRI_SOCKET"}, {"value", "/run/k3s/nri/nri.sock"}}});
  toolkit = daemonset("state-container-toolkit", spec, "containerd");
  EXPECT_EQ(env(toolkit, "NRI_SOCKET"), "/runtime/nri-sock-dir/nri.sock");
  EXPECT_EQ(volumes(toolkit)["nri-socket"], "/run/k3s/nri");

  const std::vector<std::pair<std::string, std::string>> users = {
      {"state-device-plugin", "nvidia-device-plugin"},
      {"gpu-feature-discovery", "gpu-feature-discovery"},
      {"state-dcgm-exporter", "nvidia-dcgm-exporter"},
      {"state-operator-validation", "toolkit-validation"},
  };
  for (const auto& [state, container] : users) {
    const json ds = daemonset(state, spec, "containerd");
    EXPECT_FALSE(ds["spec"]["template"]["spec"].contains("runtimeClassName")) << state;
    EXPECT_EQ(annotations(ds).value("nvidia.cdi.k8s.io/container." + container, ""), "management.nvidia.com/gpu=all")
        << state;
  }

  // Without NRI: the runtime class, no annotation; CRI-O without CDI has no handler for it.
  spec["cdi"] = {{"enabled", true}};
  json plugin = daemonset("state-device-plugin", spec, "containerd");
  EXPECT_EQ(plugin["spec"]["template"]["spec"].value("runtimeClassName", ""), "nvidia");
  EXPECT_FALSE(annotations(plugin).contains("nvidia.cdi.k8s.io/container.nvidia-device-plugin"));
  spec["cdi"] = {{"enabled", false}};
  plugin = daemonset("state-device-plugin", spec, "cri-o");
  EXPECT_FALSE(plugin["spec"]["template"]["spec"].contains("runtimeClassName"));
  EXPECT_EQ(daemonset("state-device-plugin", spec, "containerd")["spec"]["template"]["spec"].value("runtimeClassName", ""),
            "nvidia");
}

// Kubernetes lets the operator grant only permissions it holds: every Role and ClusterRole of every
// state (all enabled) is covered by the chart's ClusterRole, or, for a Role, also its Role.
TEST(GpuStateRendering, TheChartHoldsEveryPermissionTheOperandsAreGranted) {
  const std::string rbac = "deploy/gpu-operator/chart/templates/rbac.yaml";
  const auto cluster = chart_rules::Read(rbac, "ClusterRole");
  const auto namespaced = chart_rules::Read(rbac, "Role");
  ASSERT_FALSE(cluster.empty());
  json spec = SeedSpec();
  for (const char* key : {"migManager", "vfioManager", "vgpuManager", "vgpuDeviceManager", "sandboxDevicePlugin",
                          "ccManager", "gds", "gdrcopy"}) {
    if (spec.contains(key)) spec[key]["enabled"] = true;
  }
  spec["sandboxWorkloads"] = {{"enabled", true}};
  auto env = [](const std::string&) { return std::string("nvcr.io/nvidia/operand:1.0"); };  // images not in the seed
  int checked = 0;
  int states = 0;
  for (const auto& state : ClusterPolicyStates()) {
    if (!state.enabled(spec)) continue;
    ++states;
    auto r = RenderClusterPolicyState(state, {spec, "gpu-operator", env, Nodes(), true});
    ASSERT_TRUE(r.ok()) << state.name << ": " << r.status().ToString();
    checked += chart_rules::ExpectHeld(state.name, r->objects, cluster, namespaced);
  }
  EXPECT_GT(states, 10);
  EXPECT_GT(checked, 30);
}

TEST(GpuStateRendering, BadInputNamesTheField) {
  struct Case {
    std::string pointer;
    json value;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {"/sandboxWorkloads/defaultWorkload", "vm-gpu", "spec.sandboxWorkloads.defaultWorkload: unknown value \"vm-gpu\""},
      {"/mig/strategy", "double", "spec.mig.strategy: unknown value \"double\""},
      {"/cdi", json{{"enabled", false}, {"nriPluginEnabled", true}}, "spec.cdi.nriPluginEnabled: requires spec.cdi.enabled"},
      {"/gds", json{{"enabled", true}}, ""},  // fine on its own
      {"/daemonsets/priorityClassName", 5, "spec.daemonsets.priorityClassName: must be a string, not number \"5\""},
      {"/daemonsets/tolerations", json{{"key", "x"}}, "spec.daemonsets.tolerations: must be a list, not object"},
  };
  for (const auto& c : cases) {
    json spec = SeedSpec();
    spec[json::json_pointer(c.pointer)] = c.value;
    kube::Status s = ValidateClusterPolicy(spec);
    if (c.expect.empty()) {
      EXPECT_TRUE(s.ok()) << s.ToString();
      continue;
    }
    EXPECT_NE(s.message().find(c.expect), std::string::npos) << s.message();
  }
  json precompiled = SeedSpec();
  precompiled["driver"]["usePrecompiled"] = true;
  precompiled["gdrcopy"] = {{"enabled", true}};
  EXPECT_NE(ValidateClusterPolicy(precompiled).message().find("spec.driver.usePrecompiled"), std::string::npos);

  // An image with only part of repository/image/version names what is missing; the env fallback fills none.
  json partial = SeedSpec();
  partial["toolkit"].erase("version");
  auto r = RenderClusterPolicyState(ClusterPolicyStates()[3], {partial, "gpu-operator", nullptr, Nodes(), false});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("spec.toolkit.version is missing"), std::string::npos) << r.status().message();
  json fallback = SeedSpec();
  fallback.erase("toolkit");
  auto env = [](const std::string& name) { return name == "CONTAINER_TOOLKIT_IMAGE" ? "nvcr.io/nvidia/k8s/container-toolkit:v1.17.0" : ""; };
  auto ok = RenderClusterPolicyState(ClusterPolicyStates()[3], {fallback, "gpu-operator", env, Nodes(), false});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(Containers(ok->objects)[1]["image"], "nvcr.io/nvidia/k8s/container-toolkit:v1.17.0");

  // A value of a type the renderer does not expect, where the CRD leaves it open, is the state's
  // error, never an exception out of the reconcile.
  json odd = SeedSpec();
  odd["driver"]["usePrecompiled"] = "yes";
  kube::Result<RenderedState> thrown = kube::Status(kube::Code::kInternal, "not rendered");
  EXPECT_NO_THROW(thrown = RenderClusterPolicyState(ClusterPolicyStates()[2], {odd, "gpu-operator", nullptr, Nodes(), false}));
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(thrown.status().code(), kube::Code::kInvalidArgument);
  EXPECT_EQ(thrown.status().message().rfind("spec.driver.usePrecompiled: has the wrong type for state-driver (", 0), 0u)
      << thrown.status().message();
  // Deeper down, the field itself is named.
  json deep = SeedSpec();
  deep["driver"]["startupProbe"] = {{"initialDelaySeconds", 60}, {"periodSeconds", "ten"}};
  auto probe_error = RenderClusterPolicyState(ClusterPolicyStates()[2], {deep, "gpu-operator", nullptr, Nodes(), false});
  ASSERT_FALSE(probe_error.ok());
  EXPECT_EQ(probe_error.status().message().rfind("spec.driver.startupProbe.periodSeconds: has the wrong type", 0), 0u)
      << probe_error.status().message();

  // A GDS or GDRCopy image without a tag would get the OS appended to its repository's name.
  const GpuState& driver = ClusterPolicyStates()[2];
  ASSERT_EQ(driver.name, "state-driver");
  for (const char* key : {"gds", "gdrcopy"}) {
    json untagged = SeedSpec();
    untagged[key] = {{"enabled", true}, {"image", "nvcr.io/nvidia/cloud-native/untagged"}};
    auto u = RenderClusterPolicyState(driver, {untagged, "gpu-operator", nullptr, Nodes(), false});
    ASSERT_FALSE(u.ok()) << key;
    EXPECT_EQ(u.status().message().rfind(std::string("spec.") + key +
                                             ".version: \"nvcr.io/nvidia/cloud-native/untagged\" has no tag", 0),
              0u)
        << u.status().message();
    untagged[key] = {{"enabled", true}, {"repository", "nvcr.io/nvidia/cloud-native"}, {"image", "x"}, {"version", "2.20.5"}};
    EXPECT_TRUE(RenderClusterPolicyState(driver, {untagged, "gpu-operator", nullptr, Nodes(), false}).ok()) << key;
  }

  // ConfigMaps it refers to are listed with their fields, so a missing one can be named.
  auto refs = ReferencedConfigMaps(SeedSpec());
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0].field, "spec.driver.repoConfig.configMapName");
  EXPECT_EQ(refs[1].field, "spec.devicePlugin.config.name");
}

json DaemonSet(int desired, int available, int generation = 1, int observed = 1) {
  return {{"kind", "DaemonSet"},
          {"metadata", {{"name", "nvidia-driver-daemonset-ubuntu22.04"}, {"generation", generation}}},
          {"status", {{"desiredNumberScheduled", desired}, {"numberAvailable", available},
                      {"numberUnavailable", desired - available}, {"observedGeneration", observed}}}};
}

TEST(DriverReadiness, JudgedOnPodRevisions) {
  EXPECT_TRUE(OnDeleteReadiness(DaemonSet(0, 0), {}, "").ready) << "no GPU node in this pool";
  EXPECT_FALSE(OnDeleteReadiness(DaemonSet(2, 1), {}, "new").ready);
  EXPECT_FALSE(OnDeleteReadiness(DaemonSet(2, 2, 2, 1), {}, "new").ready) << "controller has not seen the new spec";
  const std::vector<DriverPod> mixed = {{"a", "new", true}, {"b", "old", true}};
  auto r = OnDeleteReadiness(DaemonSet(2, 2), mixed, "new");
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(r.message,
            "DaemonSet nvidia-driver-daemonset-ubuntu22.04: 1 of 2 pods run an older revision (OnDelete: they are "
            "replaced node by node)");
  EXPECT_TRUE(OnDeleteReadiness(DaemonSet(2, 2), {{"a", "new", true}, {"b", "new", true}}, "new").ready);
  EXPECT_FALSE(OnDeleteReadiness(DaemonSet(2, 2), {{"a", "new", true}, {"b", "new", false}}, "new").ready);
}

TEST(ClusterPolicyStatus, ReasonsAndMessagesAsUpstreamWithDetails) {
  StatusContext ctx{"gpu-operator", 3};
  auto ready = BuildClusterPolicyStatus({{"state-driver", StateOutcome::kReady, ""}}, ctx, nullptr, "t1");
  EXPECT_EQ(ready["state"], "ready");
  EXPECT_EQ(ready["namespace"], "gpu-operator");
  EXPECT_EQ(ready["conditions"][0]["reason"], "Reconciled");
  EXPECT_EQ(ready["conditions"][1]["type"], "Error");
  EXPECT_EQ(ready["conditions"][1]["status"], "False");

  auto waiting = BuildClusterPolicyStatus(
      {{"state-driver", StateOutcome::kNotReady, "DaemonSet nvidia-driver-daemonset-rhel9: 1 of 3 pods available"},
       {"state-device-plugin", StateOutcome::kReady, ""}},
      ctx, ready, "t2");
  EXPECT_EQ(waiting["state"], "notReady");
  EXPECT_EQ(waiting["conditions"][1]["reason"], "OperandNotReady");
  EXPECT_EQ(waiting["conditions"][0]["message"],
            "ClusterPolicy is not ready; states not ready: [state-driver]; state-driver: DaemonSet "
            "nvidia-driver-daemonset-rhel9: 1 of 3 pods available");
  EXPECT_EQ(waiting["conditions"][0]["lastTransitionTime"], "t2");

  // Unchanged results give an identical status (no write).
  auto again = BuildClusterPolicyStatus({{"state-driver", StateOutcome::kReady, ""}}, ctx, ready, "t3");
  EXPECT_EQ(again, ready);

  ctx.ready_reason = "NoGPUNodes";
  ctx.ready_message = "no GPU node";
  EXPECT_EQ(BuildClusterPolicyStatus({}, ctx, nullptr, "t")["conditions"][0]["reason"], "NoGPUNodes");
  ctx.failure = "spec.mig.strategy: unknown value";
  auto failed = BuildClusterPolicyStatus({}, ctx, nullptr, "t");
  EXPECT_EQ(failed["conditions"][1]["reason"], "ReconcileFailed");
  EXPECT_EQ(BuildIgnoredStatus("cluster-policy", ctx, nullptr, "t")["state"], "ignored");
}

}  // namespace
}  // namespace gpu

namespace gpu {
namespace {

using nlohmann::json;

TEST(DriverHandover, AnUpstreamPodGoesToThePoolWhoseNodeSelectorItsNodeSatisfies) {
  auto pool = [](const std::string& name, const json& selector) {
    return json{{"metadata", {{"name", name}}}, {"spec", {{"template", {{"spec", {{"nodeSelector", selector}}}}}}}};
  };
  const std::vector<json> rendered = {
      pool("nvidia-driver-daemonset-ubuntu22.04", {{"nvidia.com/gpu.deploy.driver", "true"},
                                                   {kOsIdLabel, "ubuntu"}, {kOsVersionLabel, "22.04"}}),
      pool("nvidia-driver-daemonset-rhel9", {{"nvidia.com/gpu.deploy.driver", "true"},
                                             {kOsIdLabel, "rhel"}, {kOsMajorLabel, "9"}})};
  const std::vector<const json*> daemonsets = {&rendered[0], &rendered[1]};
  const json* rhel = PoolDaemonSetFor(daemonsets, {{"nvidia.com/gpu.deploy.driver", "true"}, {kOsIdLabel, "rhel"},
                                                   {kOsMajorLabel, "9"}, {kOsVersionLabel, "9.4"}});
  ASSERT_NE(rhel, nullptr);
  EXPECT_EQ((*rhel)["metadata"]["name"], "nvidia-driver-daemonset-rhel9");
  EXPECT_EQ(PoolDaemonSetFor(daemonsets, {{kOsIdLabel, "ubuntu"}, {kOsVersionLabel, "22.04"}}), nullptr)
      << "a node the driver is not deployed to belongs to no pool";
  EXPECT_EQ(PoolDaemonSetFor(daemonsets, {{"nvidia.com/gpu.deploy.driver", "true"}, {kOsIdLabel, "ubuntu"},
                                          {kOsVersionLabel, "24.04"}}),
            nullptr);
}

}  // namespace
}  // namespace gpu
