// Golden-file tests of each NicClusterPolicy state's rendering. The policy
// is the seed example plus every implemented section; the expected objects
// are in test/unit/golden/network-operator/<state>.json. After an intended
// change to a template, regenerate with UPDATE_GOLDEN=1 and review the diff.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "chart_rules.h"
#include "kube/config.h"
#include "manifests/renderer.h"
#include "image_spec.h"
#include "state.h"

namespace network {
namespace {

using nlohmann::json;

json SeedSpec() {
  return json::parse(R"({
    "global": {"imagePullSecrets": ["regcred"]},
    "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "net", "effect": "NoSchedule"}],
    "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
      {"matchExpressions": [{"key": "node-role.kubernetes.io/worker", "operator": "Exists"}]}]}},
    "rdmaSharedDevicePlugin": {"image": "k8s-rdma-shared-dev-plugin", "repository": "ghcr.io/mellanox",
      "version": "sha-fe7f371c7e1b8315bf900f71cd25cfc1251dc775",
      "config": "{\"configList\":[{\"resourceName\":\"rdma_shared_device_a\",\"rdmaHcaMax\":63,\"selectors\":{\"vendors\":[\"15b3\"],\"deviceIDs\":[\"1017\"],\"ifNames\":[\"ens2f0\"]}}]}"},
    "sriovDevicePlugin": {"image": "sriov-network-device-plugin", "repository": "ghcr.io/k8snetworkplumbingwg",
      "version": "v3.6.2", "useCdi": true,
      "config": "{\"resourceList\":[{\"resourcePrefix\":\"nvidia.com\",\"resourceName\":\"hostdev\",\"selectors\":{\"vendors\":[\"15b3\"],\"isRdma\":true}}]}",
      "containerResources": [{"name": "kube-sriovdp", "requests": {"cpu": "100m"}, "limits": {"memory": "200Mi"}}]},
    "secondaryNetwork": {
      "cniPlugins": {"image": "plugins", "repository": "ghcr.io/k8snetworkplumbingwg", "version": "v1.2.0-amd64"},
      "multus": {"image": "multus-cni", "repository": "ghcr.io/k8snetworkplumbingwg", "version": "v3.9.3", "config": ""},
      "ipoib": {"image": "ipoib-cni", "repository": "ghcr.io/mellanox", "version": "v1.1.0"},
      "ipamPlugin": {"image": "whereabouts", "repository": "ghcr.io/k8snetworkplumbingwg", "version": "v0.6.1-amd64"}},
    "ibKubernetes": {"image": "ib-kubernetes", "repository": "ghcr.io/mellanox", "version": "v1.0.2",
      "periodicUpdateSeconds": 5, "pKeyGUIDPoolRangeStart": "02:00:00:00:00:00:00:00",
      "pKeyGUIDPoolRangeEnd": "02:FF:FF:FF:FF:FF:FF:FF", "ufmSecret": "ufm-secret"},
    "nvIpam": {"image": "nvidia-k8s-ipam", "repository": "ghcr.io/mellanox", "version": "v0.1.2", "enableWebhook": false},
    "nicFeatureDiscovery": {"image": "nic-feature-discovery", "repository": "ghcr.io/mellanox", "version": "v0.0.1"},
    "docaTelemetryService": {"image": "doca_telemetry", "repository": "nvcr.io/nvidia/doca", "version": "1.16.5-doca2.6.0-host"},
    "nicConfigurationOperator": {
      "operator": {"image": "nic-configuration-operator", "repository": "nvcr.io/nvidia/mellanox", "version": "v1.1.1"},
      "configurationDaemon": {"image": "nic-configuration-operator-daemon", "repository": "nvcr.io/nvidia/mellanox",
        "version": "v1.1.1", "imagePullSecrets": ["daemon-secret"],
        "containerResources": [{"name": "nic-configuration-daemon", "requests": {"cpu": "200m"}}]},
      "nicFirmwareStorage": {"create": true, "pvcName": "nic-fw-storage-pvc", "storageClassName": "local-path",
        "availableStorageSize": "2Gi"},
      "logLevel": "debug"},
    "spectrumXOperator": {"image": "spectrum-x-operator", "repository": "nvcr.io/nvidia/mellanox", "version": "v0.1.0",
      "xPlane": {"image": "xplane", "repository": "nvcr.io/nvidia/mellanox", "version": "v0.2.0", "imagePullSecrets": ["x"]}},
    "ofedDriver": {"image": "mofed", "repository": "nvcr.io/nvidia/mellanox", "version": "23.04-0.5.3.3.1",
      "startupProbe": {"initialDelaySeconds": 10, "periodSeconds": 10},
      "livenessProbe": {"initialDelaySeconds": 30, "periodSeconds": 30},
      "readinessProbe": {"initialDelaySeconds": 10, "periodSeconds": 30},
      "certConfig": {"name": "custom-ca"}, "env": [{"name": "UNLOAD_STORAGE_MODULES", "value": "true"}]}
  })");
}

// Two OSes, two kernels on one of them, an arm64 node, a node without OS labels, a tainted one, a non-NIC one.
std::vector<NodeLabels> Nodes() {
  auto nic = [](const std::string& name, const std::string& os, const std::string& ver, const std::string& kernel,
                const std::string& arch) {
    NodeLabels n{name, {{kNicLabel, "true"}, {kArchLabel, arch}}, json::array()};
    if (!os.empty()) {
      n.labels[kOsIdLabel] = os;
      n.labels[kOsVersionLabel] = ver;
      n.labels[kKernelLabel] = kernel;
    }
    return n;
  };
  std::vector<NodeLabels> nodes = {
      nic("u1", "ubuntu", "22.04", "5.15.0-105-generic", "amd64"),
      nic("u2", "ubuntu", "22.04", "5.15.0-105-generic", "amd64"),
      nic("u3", "ubuntu", "22.04", "6.8.0-40-generic", "amd64"),
      nic("u4", "ubuntu", "22.04", "6.8.0-40-generic", "arm64"),
      nic("r1", "rhel", "9.4", "5.14.0-427.el9.x86_64", "amd64"),
      nic("bare", "", "", "", "amd64"),
      nic("tainted", "ubuntu", "22.04", "5.15.0-105-generic", "amd64"),
      {"cpu-only", {{kArchLabel, "amd64"}}, json::array()},
  };
  nodes[6].taints = json::array({{{"key", "maintenance"}, {"effect", "NoSchedule"}}});
  return nodes;
}

std::string GoldenPath(const std::string& state) {
  return std::string(ACCELOPS_SOURCE_DIR) + "/test/unit/golden/network-operator/" + state + ".json";
}

TEST(StateRendering, EveryStateMatchesItsGoldenFile) {
  const json spec = SeedSpec();
  const bool update = std::getenv("UPDATE_GOLDEN") != nullptr;
  for (const auto& state : NicClusterPolicyStates()) {
    const json::json_pointer pointer(state.section);
    ASSERT_TRUE(spec.contains(pointer)) << "the golden policy must configure " << state.name;
    std::string field = "spec" + state.section;
    std::replace(field.begin(), field.end(), '/', '.');
    const auto nodes = Nodes();
    // The user's ConfigMaps, which the driver mounts key by key.
    ConfigMapReader config_maps = [](const std::string& ns, const std::string& name) -> kube::Result<json> {
      if (ns == "nvidia-network-operator" && name == "custom-ca") return json{{"corp.crt", "PEM"}, {"lab.crt", "PEM"}};
      return kube::Status(kube::Code::kNotFound, "configmaps \"" + name + "\" not found");
    };
    auto objects = RenderState(state, {spec, spec.at(pointer), field, "nvidia-network-operator", &nodes, "", {},
                                       "registry.example.com/init:1", config_maps});
    ASSERT_TRUE(objects.ok()) << state.name << ": " << objects.status().ToString();
    const std::string rendered = json(objects->objects).dump(2) + "\n";
    if (update) {
      std::ofstream(GoldenPath(state.name)) << rendered;
      continue;
    }
    auto golden = kube::ReadFile(GoldenPath(state.name));
    ASSERT_TRUE(golden.ok()) << "no golden file for " << state.name << " (run with UPDATE_GOLDEN=1)";
    EXPECT_EQ(rendered, *golden) << state.name << " renders differently from its golden file";
  }
}

TEST(StateRendering, ConfigValidationNamesTheField) {
  json spec = SeedSpec();
  struct Case {
    std::string state, pointer;
    json value;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {"state-SRIOV-device-plugin", "/sriovDevicePlugin/config", "{\"resourceList\": [{\"resourceName\": \"-x\"}]}",
       "spec.sriovDevicePlugin.config.resourceList[0].resourceName"},
      {"state-SRIOV-device-plugin", "/sriovDevicePlugin/config", "{\"resourceList\": [{\"resourceName\": \"xy\", \"deviceType\": \"gpu\"}]}",
       "spec.sriovDevicePlugin.config.resourceList[0].deviceType"},
      {"state-SRIOV-device-plugin", "/sriovDevicePlugin/config", "[]", "spec.sriovDevicePlugin.config: must be an object"},
      {"state-RDMA-device-plugin", "/rdmaSharedDevicePlugin/config", "{", "spec.rdmaSharedDevicePlugin.config: is not valid JSON"},
      {"state-RDMA-device-plugin", "/rdmaSharedDevicePlugin/version", "sha256:123",
       "spec.rdmaSharedDevicePlugin.version: \"sha256:123\""},
      {"state-multus-cni", "/secondaryNetwork/multus/config", "{oops", "spec.secondaryNetwork.multus.config: is not valid JSON"},
      {"state-multus-cni", "/secondaryNetwork/multus/repository", "", "spec.secondaryNetwork.multus.repository: is required"},
      {"state-ipoib-cni", "/secondaryNetwork/ipoib/containerResources", json::array({{{"name", "ipoib"}}}),
       "spec.secondaryNetwork.ipoib.containerResources[0].name: \"ipoib\" is not a container of this component (ipoib-cni)"},
      {"state-ib-kubernetes", "/ibKubernetes/pKeyGUIDPoolRangeStart", "02:00:00:00:00:00:00",
       "spec.ibKubernetes.pKeyGUIDPoolRangeStart: \"02:00:00:00:00:00:00\" is not a GUID"},
      {"state-ib-kubernetes", "/ibKubernetes/pKeyGUIDPoolRangeEnd", "01:FF:FF:FF:FF:FF:FF:FF",
       "spec.ibKubernetes.pKeyGUIDPoolRangeStart: must not be above spec.ibKubernetes.pKeyGUIDPoolRangeEnd"},
      {"state-ib-kubernetes", "/ibKubernetes/pKeyGUIDPoolRangeEnd", "FF:FF:FF:FF:FF:FF:FF:FF",
       "spec.ibKubernetes.pKeyGUIDPoolRangeEnd: the all-zero and all-ones GUIDs are reserved"},
      {"state-ib-kubernetes", "/ibKubernetes/ufmSecret", "", "spec.ibKubernetes.ufmSecret: is required"},
      {"state-ib-kubernetes", "/ibKubernetes/periodicUpdateSeconds", -1,
       "spec.ibKubernetes.periodicUpdateSeconds: must be a non-negative integer"},
      {"state-nv-ipam-cni", "/nvIpam/enableWebhook", true, "spec.nvIpam.enableWebhook: is not supported yet"},
      {"state-RDMA-device-plugin", "/rdmaSharedDevicePlugin/useCdi", "yes",
       "spec.rdmaSharedDevicePlugin.useCdi: has the wrong type"},
      {"state-SRIOV-device-plugin", "/sriovDevicePlugin/containerResources/0/name", 7,
       "spec.sriovDevicePlugin.containerResources[0].name: has the wrong type"},
      {"state-doca-telemetry-service", "/docaTelemetryService/config", {{"fromConfigMap", "My_Config"}},
       "spec.docaTelemetryService.config.fromConfigMap: \"My_Config\" is not a ConfigMap name"},
      {"state-nic-configuration-operator", "/nicConfigurationOperator/logLevel", "trace",
       "spec.nicConfigurationOperator.logLevel: must be info or debug"},
      {"state-nic-configuration-operator", "/nicConfigurationOperator/nicFirmwareStorage/availableStorageSize", "2GB",
       "spec.nicConfigurationOperator.nicFirmwareStorage.availableStorageSize: \"2GB\" must be a number with a unit"},
      {"state-nic-configuration-operator", "/nicConfigurationOperator/operator", nullptr,
       "spec.nicConfigurationOperator.operator: is required"},
      {"state-nic-configuration-operator", "/nicConfigurationOperator/configurationDaemon/containerResources",
       json::array({{{"name", "manager"}}}),
       "spec.nicConfigurationOperator.configurationDaemon.containerResources[0].name: \"manager\" is not a container"},
      {"state-spectrum-x-operator", "/spectrumXOperator/xPlane/version", "not a tag!",
       "spec.spectrumXOperator.xPlane.version: \"not a tag!\" is not a valid tag"},
  };
  for (const auto& c : cases) {
    json bad = spec;
    bad[json::json_pointer(c.pointer)] = c.value;
    const StateDefinition* def = nullptr;
    for (const auto& s : NicClusterPolicyStates()) {
      if (s.name == c.state) def = &s;
    }
    ASSERT_NE(def, nullptr);
    std::string field = "spec" + def->section;
    std::replace(field.begin(), field.end(), '/', '.');
    auto objects = RenderState(*def, {bad, bad.at(json::json_pointer(def->section)), field, "ns"});
    ASSERT_FALSE(objects.ok()) << c.expect;
    EXPECT_EQ(objects.status().code(), kube::Code::kInvalid);
    EXPECT_EQ(objects.status().message().rfind(c.expect, 0), 0u) << objects.status().message();
  }
}

TEST(StateRendering, DocaTelemetryUsesTheUsersConfigMapInsteadOfItsOwn) {
  const StateDefinition* dts = nullptr;
  for (const auto& s : NicClusterPolicyStates()) {
    if (s.name == "state-doca-telemetry-service") dts = &s;
  }
  ASSERT_NE(dts, nullptr);
  json spec = {{"docaTelemetryService",
                {{"image", "doca_telemetry"}, {"repository", "nvcr.io/nvidia/doca"}, {"version", "1.16.5"},
                 {"config", {{"fromConfigMap", "my-dts-config"}}}}}};
  auto r = RenderState(*dts, {spec, spec["docaTelemetryService"], "spec.docaTelemetryService", "ns"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (const auto& o : r->objects) EXPECT_NE(o["kind"], "ConfigMap");
  EXPECT_EQ(r->objects.back()["spec"]["template"]["spec"]["volumes"][0]["configMap"]["name"], "my-dts-config");
}

// The chart's operator.cniBinDirectory and cniNetworkDirectory reach every CNI operand's host paths.
TEST(StateRendering, CniDirectoriesComeFromTheOperatorsSettings) {
  const StateDefinition* multus = nullptr;
  for (const auto& s : NicClusterPolicyStates()) {
    if (s.name == "state-multus-cni") multus = &s;
  }
  ASSERT_NE(multus, nullptr);
  json spec = {{"secondaryNetwork",
                {{"multus", {{"image", "multus-cni"}, {"repository", "ghcr.io/k8snetworkplumbingwg"}, {"version", "v4.1.0"}}}}}};
  RenderInputs in{spec, spec["secondaryNetwork"]["multus"], "spec.secondaryNetwork.multus", "ns"};
  in.cni_bin_dir = "/var/lib/cni/bin";
  in.cni_network_dir = "/run/multus/cni/net.d";
  auto r = RenderState(*multus, in);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::map<std::string, std::string> host_paths;
  for (const auto& v : r->objects.back()["spec"]["template"]["spec"]["volumes"]) {
    if (v.contains("hostPath")) host_paths[v["name"]] = v["hostPath"]["path"];
  }
  EXPECT_EQ(host_paths["cnibin"], "/var/lib/cni/bin");
  EXPECT_EQ(host_paths["cninetwork"], "/run/multus/cni/net.d");
}

}  // namespace
}  // namespace network

namespace network {
namespace {

// The OFED state's definition, null if it is missing.
const StateDefinition* OfedState() {
  for (const auto& s : NicClusterPolicyStates()) {
    if (s.name == "state-OFED") return &s;
  }
  return nullptr;
}

TEST(StateRendering, OfedBadInputNamesTheField) {
  const StateDefinition* ofed = OfedState();
  ASSERT_NE(ofed, nullptr);
  std::vector<NodeLabels> nodes = {{"n", {{kNicLabel, "true"}, {kOsIdLabel, "plan9"}, {kOsVersionLabel, "4"},
                                          {kKernelLabel, "k"}, {kArchLabel, "amd64"}}, json::array()}};
  json spec = {{"ofedDriver", {{"image", "mofed"}, {"repository", "nvcr.io/nvidia/mellanox"}, {"version", "24.01-0.3.3.1-0"},
                               {"repoConfig", {{"name", "repos"}}}}}};
  auto r = RenderState(*ofed, {spec, spec["ofedDriver"], "spec.ofedDriver", "ns", &nodes});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "spec.ofedDriver.repoConfig: no known path for OS \"plan9\" (nodes n, ...)");

  json digest = {{"ofedDriver", {{"image", "mofed"}, {"repository", "nvcr.io/nvidia/mellanox"},
                                 {"version", "sha256:" + std::string(64, 'f')}, {"forcePrecompiled", true}}}};
  auto d = RenderState(*ofed, {digest, digest["ofedDriver"], "spec.ofedDriver", "ns", &nodes});
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().message().rfind("spec.ofedDriver.forcePrecompiled:", 0), 0u);

  // No NIC node: nothing but the service account, its RBAC and the init container's config, and the
  // report says why.
  std::vector<NodeLabels> none;
  auto empty = RenderState(*ofed, {spec, spec["ofedDriver"], "spec.ofedDriver", "ns", &none});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->objects.size(), 4u);
  EXPECT_EQ(empty->note, "no NIC node to run the driver on");

  // Unlabelled NIC nodes hold the state back, with the reason.
  std::vector<NodeLabels> bare = {{"bare", {{kNicLabel, "true"}}, json::array()}};
  auto pending = RenderState(*ofed, {spec, spec["ofedDriver"], "spec.ofedDriver", "ns", &bare});
  ASSERT_TRUE(pending.ok());
  EXPECT_NE(pending->pending.find("is node discovery running?"), std::string::npos);

  // A certificate ConfigMap that does not exist is named, and nothing is rendered.
  json certs = spec;
  certs["ofedDriver"]["certConfig"] = {{"name", "missing-ca"}};
  std::vector<NodeLabels> ubuntu = {{"u", {{kNicLabel, "true"}, {kOsIdLabel, "ubuntu"}, {kOsVersionLabel, "22.04"},
                                           {kKernelLabel, "k"}, {kArchLabel, "amd64"}}, json::array()}};
  ConfigMapReader none_found = [](const std::string&, const std::string& name) -> kube::Result<json> {
    return kube::Status(kube::Code::kNotFound, name + " not found");
  };
  auto missing = RenderState(*ofed, {certs, certs["ofedDriver"], "spec.ofedDriver", "ns", &ubuntu, "", {}, "", none_found});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "spec.ofedDriver.certConfig.name: ConfigMap ns/missing-ca does not exist");

  // Precompiled tags name the kernel.
  spec["ofedDriver"].erase("repoConfig");
  spec["ofedDriver"]["forcePrecompiled"] = true;
  nodes[0].labels[kOsIdLabel] = "ubuntu";
  nodes[0].labels[kOsVersionLabel] = "22.04";
  auto pre = RenderState(*ofed, {spec, spec["ofedDriver"], "spec.ofedDriver", "ns", &nodes});
  ASSERT_TRUE(pre.ok()) << pre.status().ToString();
  ASSERT_EQ(pre->objects.size(), 5u);
  EXPECT_EQ(pre->objects[4]["spec"]["template"]["spec"]["containers"][0]["image"],
            "nvcr.io/nvidia/mellanox/mofed:24.01-0.3.3.1-0-k-ubuntu22.04-amd64");
}

// The precompiled choice as upstream makes it, from the registry's tag list: the precompiled tag
// when it exists, forcePrecompiled without it an error naming it; answers still out never make
// a reconcile wait or change a running pool's image.
TEST(StateRendering, OfedAsksTheRegistryForThePrecompiledTag) {
  const StateDefinition* ofed = OfedState();
  ASSERT_NE(ofed, nullptr);
  std::vector<NodeLabels> nodes = {{"n0", {{kNicLabel, "true"}, {kOsIdLabel, "ubuntu"}, {kOsVersionLabel, "22.04"},
                                           {kKernelLabel, "5.15.0-105-generic"}, {kArchLabel, "amd64"}}, json::array()}};
  json spec = {{"ofedDriver", {{"image", "doca-driver"}, {"repository", "registry.example/mellanox"},
                               {"version", "25.04-0.6.1.0-2"}, {"imagePullSecrets", {"ngc"}}}}};
  const std::string precompiled = "registry.example/mellanox/doca-driver:25.04-0.6.1.0-2-5.15.0-105-generic-ubuntu22.04-amd64";
  const std::string built = "registry.example/mellanox/doca-driver:25.04-0.6.1.0-2-ubuntu22.04-amd64";
  using Answer = registry::TagCache::Answer;
  Answer answer;
  std::string asked;
  TagLookup lookup = [&](const std::string& repository, const std::vector<std::string>& secrets) {
    asked = repository + " " + (secrets.empty() ? "" : secrets[0]);
    return answer;
  };
  std::string live;
  auto render = [&](bool forced) {
    json s = spec;
    s["ofedDriver"]["forcePrecompiled"] = forced;
    RenderInputs in{s, s["ofedDriver"], "spec.ofedDriver", "ns", &nodes};
    in.driver_tags = lookup;
    in.live_driver_image = [&](const std::string& ds) { return ds.rfind("mofed-ubuntu22.04-", 0) == 0 ? live : ""; };
    return RenderState(*ofed, in);
  };
  auto image = [](const kube::Result<RenderedState>& r) {
    return r.ok() ? r->objects.back()["spec"]["template"]["spec"]["containers"][0].value("image", "") : "";
  };

  // The first answer is still out: a new pool waits, applying nothing; a running pool keeps its image.
  auto waiting = render(false);
  ASSERT_FALSE(waiting.ok());
  EXPECT_EQ(waiting.status().code(), kube::Code::kUnavailable);
  EXPECT_EQ(waiting.status().message(), "asking the registry whether \"" + precompiled + "\" exists");
  EXPECT_EQ(asked, "registry.example/mellanox/doca-driver ngc");
  live = built;
  EXPECT_EQ(image(render(false)), built);
  EXPECT_EQ(image(render(true)), built);

  // The registry has the tag: it is used, forced or not.
  answer.state = Answer::State::kKnown;
  answer.tags = std::make_shared<const std::set<std::string>>(
      std::set<std::string>{"25.04-0.6.1.0-2-5.15.0-105-generic-ubuntu22.04-amd64", "25.04-0.6.1.0-2-ubuntu22.04-amd64"});
  EXPECT_EQ(image(render(false)), precompiled);
  EXPECT_EQ(image(render(true)), precompiled);

  // It does not: the pool builds on the node, and forcePrecompiled is an error naming the tag.
  answer.tags = std::make_shared<const std::set<std::string>>(std::set<std::string>{"25.04-0.6.1.0-2-ubuntu22.04-amd64"});
  EXPECT_EQ(image(render(false)), built);
  auto missing = render(true);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), kube::Code::kInvalid);
  EXPECT_EQ(missing.status().message(), "spec.ofedDriver.forcePrecompiled: the registry has no precompiled driver image \"" +
                                            precompiled + "\" for kernel 5.15.0-105-generic (nodes n0)");

  // The registry cannot be asked: the pool builds on the node; forcePrecompiled waits, saying why.
  answer = Answer{Answer::State::kFailed, nullptr, "registry.example/mellanox/doca-driver: connection refused"};
  EXPECT_EQ(image(render(false)), built);
  auto unknown = render(true);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), kube::Code::kUnavailable);
  EXPECT_NE(unknown.status().message().find("connection refused"), std::string::npos) << unknown.status().message();

  // A digest names one image: the registry is not asked.
  asked.clear();
  spec["ofedDriver"]["version"] = "sha256:" + std::string(64, 'a');
  EXPECT_EQ(image(render(false)), "registry.example/mellanox/doca-driver@sha256:" + std::string(64, 'a'));
  EXPECT_EQ(asked, "");
}

}  // namespace
}  // namespace network

namespace network {
namespace {

// Image references of any length are checked in linear time (std::regex once recursed on
// 60,000 characters until the stack overflowed), and the message quotes only their start.
TEST(ImageSpec, LongAndHostileReferencesAreRefusedQuickly) {
  const nlohmann::json global = {{"repository", "nvcr.io/nvidia"}, {"version", "v1"}};
  for (const std::string& image : std::vector<std::string>{std::string(60000, 'a') + "!", std::string(60000, 'a') + ".-",
                                                          "a" + std::string(60000, '.'), "x\n  evil: [1]"}) {
    auto resolved = ResolveImage({{"image", image}}, global, "spec.ofedDriver");
    ASSERT_FALSE(resolved.ok());
    EXPECT_EQ(resolved.status().message().rfind("spec.ofedDriver.image: \"", 0), 0u) << resolved.status().message();
    EXPECT_LT(resolved.status().message().size(), 300u);
  }
  auto repository = ResolveImage({{"image", "doca-driver"}, {"repository", std::string(60000, 'r') + "/"}}, global, "spec.x");
  EXPECT_FALSE(repository.ok());
  auto tag = ResolveImage({{"image", "doca-driver"}, {"version", std::string(60000, 'v')}}, global, "spec.x");
  EXPECT_FALSE(tag.ok());
  EXPECT_TRUE(ResolveImage({{"image", "doca-driver"}}, global, "spec.x").ok());
}

}  // namespace
}  // namespace network

namespace network {
namespace {

// A NicNodePolicy's objects carry its name as upstream spells it: the DaemonSets a safe-encoded
// hash of it, selectors and ConfigMaps the name itself, every object `ds-owner: nnp-<name>`.
TEST(StateRendering, NodePolicyObjectsAreNamedAsUpstream) {
  const nlohmann::json spec = nlohmann::json::parse(R"({
    "ofedDriver": {"image": "doca-driver", "repository": "nvcr.io/nvidia/mellanox", "version": "25.04-0.6.1.0-2"},
    "rdmaSharedDevicePlugin": {"image": "k8s-rdma-shared-dev-plugin", "repository": "ghcr.io/mellanox",
      "version": "v1.5.3", "config": "{\"configList\": [{\"resourceName\": \"rdma_a\"}]}"}})");
  std::vector<NodeLabels> nodes = {{"u0",
                                    {{kNicLabel, "true"}, {kOsIdLabel, "ubuntu"}, {kOsVersionLabel, "22.04"},
                                     {kKernelLabel, "5.15.0-105-generic"}, {kArchLabel, "amd64"}},
                                    nlohmann::json::array()}};
  std::vector<std::string> order;
  for (const auto& s : NicNodePolicyStates()) order.push_back(s.name);
  EXPECT_EQ(order, (std::vector<std::string>{"state-OFED", "state-RDMA-device-plugin", "state-SRIOV-device-plugin"}));

  std::map<std::string, nlohmann::json> by_name;
  for (const auto& state : NicNodePolicyStates()) {
    const nlohmann::json::json_pointer pointer(state.section);
    if (!spec.contains(pointer)) continue;
    auto r = RenderState(state, {spec, spec.at(pointer), "spec" + state.section, "ns", &nodes, "ubuntu-nics",
                                 {{kOsIdLabel, "ubuntu"}}, "init:1"});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    for (const auto& o : r->objects) by_name[o.value("kind", "") + "/" + o["metadata"].value("name", "")] = o;
  }
  ASSERT_TRUE(by_name.contains("DaemonSet/mofed-ubuntu22.04-6486ccb87-699b7ccb8b-ds"));
  ASSERT_TRUE(by_name.contains("DaemonSet/rdma-shared-dp-ds-699b7ccb8b"));
  ASSERT_TRUE(by_name.contains("ConfigMap/rdma-devices-ubuntu-nics"));
  const auto& ofed = by_name["DaemonSet/mofed-ubuntu22.04-6486ccb87-699b7ccb8b-ds"];
  EXPECT_EQ(ofed["spec"]["selector"]["matchLabels"], (nlohmann::json{{"app", "mofed-ubuntu22.04-6486ccb87-699b7ccb8b"}}));
  EXPECT_EQ(ofed["spec"]["template"]["spec"]["nodeSelector"][kOsIdLabel], "ubuntu");
  const auto& rdma = by_name["DaemonSet/rdma-shared-dp-ds-699b7ccb8b"];
  EXPECT_EQ(rdma["spec"]["selector"]["matchLabels"], (nlohmann::json{{"app", "rdma-shared-dp-ubuntu-nics"}}));
  for (const auto& [key, o] : by_name) {
    EXPECT_EQ(o["metadata"]["labels"].value("ds-owner", ""), "nnp-ubuntu-nics") << key;
  }
}

}  // namespace
}  // namespace network

namespace network {
namespace {

// Kubernetes lets the operator grant only permissions it holds: every rule of every Role and
// ClusterRole a state renders must be covered by the chart's ClusterRole (or, for a Role, by the
// chart's Role in the operand namespace).
TEST(StateRendering, TheChartHoldsEveryPermissionTheOperandsAreGranted) {
  const std::string chart = "deploy/network-operator/chart/templates/";
  const auto cluster = chart_rules::Read(chart + "clusterrole.yaml", "ClusterRole");
  const auto namespaced = chart_rules::Read(chart + "role.yaml", "Role");
  ASSERT_FALSE(cluster.empty());
  const nlohmann::json spec = SeedSpec();
  const auto nodes = Nodes();
  ConfigMapReader config_maps = [](const std::string&, const std::string&) -> kube::Result<nlohmann::json> {
    return nlohmann::json{{"ca.crt", "PEM"}};
  };
  int checked = 0;
  for (const auto& state : NicClusterPolicyStates()) {
    const nlohmann::json::json_pointer pointer(state.section);
    auto r = RenderState(state, {spec, spec.at(pointer), "spec", "nvidia-network-operator", &nodes, "", {}, "init:1",
                                 config_maps});
    ASSERT_TRUE(r.ok()) << state.name << ": " << r.status().ToString();
    checked += chart_rules::ExpectHeld(state.name, r->objects, cluster, namespaced);
  }
  EXPECT_GT(checked, 100);
}

}  // namespace
}  // namespace network

namespace network {
namespace {

// RHEL and SLES driver pods mount the host's subscription, numbered in mount-path order as
// upstream's; safe loading is only on with autoUpgrade.
TEST(StateRendering, OfedSubscriptionMountsAndSafeLoad) {
  const StateDefinition* ofed = OfedState();
  ASSERT_NE(ofed, nullptr);
  nlohmann::json spec = {{"ofedDriver", {{"image", "doca-driver"}, {"repository", "r"}, {"version", "1"},
                                         {"upgradePolicy", {{"safeLoad", true}}}}}};
  std::vector<NodeLabels> nodes = {{"s", {{kNicLabel, "true"}, {kOsIdLabel, "sles"}, {kOsVersionLabel, "15.6"},
                                          {kKernelLabel, "6.4.0-150600.23-default"}, {kArchLabel, "amd64"}},
                                    nlohmann::json::array()}};
  auto r = RenderState(*ofed, {spec, spec["ofedDriver"], "spec.ofedDriver", "ns", &nodes, "", {}, "init:1"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const nlohmann::json* ds = nullptr;
  const nlohmann::json* init = nullptr;
  for (const auto& o : r->objects) {
    if (o.value("kind", "") == "DaemonSet") ds = &o;
    if (o.value("kind", "") == "ConfigMap") init = &o;
  }
  ASSERT_NE(ds, nullptr);
  const auto& pod = (*ds)["spec"]["template"]["spec"];
  std::vector<std::string> mounts;
  for (const auto& m : pod["containers"][0]["volumeMounts"]) {
    if (m.value("name", "").rfind("subscription-config-", 0) == 0) mounts.push_back(m["name"].get<std::string>() + "=" + m["mountPath"].get<std::string>());
  }
  EXPECT_EQ(mounts, (std::vector<std::string>{"subscription-config-0=/etc/SUSEConnect",
                                              "subscription-config-1=/etc/zypp/credentials.d"}));
  bool file_or_create = false;
  for (const auto& v : pod["volumes"]) {
    if (v.value("name", "") == "subscription-config-0") file_or_create = v["hostPath"]["type"] == "FileOrCreate";
  }
  EXPECT_TRUE(file_or_create);
  ASSERT_NE(init, nullptr);
  EXPECT_NE((*init)["data"]["config.json"].get<std::string>().find("\"enable\": false"), std::string::npos)
      << "safeLoad without autoUpgrade does nothing";
  spec["ofedDriver"]["upgradePolicy"]["autoUpgrade"] = true;
  auto on = RenderState(*ofed, {spec, spec["ofedDriver"], "spec.ofedDriver", "ns", &nodes, "", {}, "init:1"});
  ASSERT_TRUE(on.ok());
  for (const auto& o : on->objects) {
    if (o.value("kind", "") == "ConfigMap") {
      EXPECT_NE(o["data"]["config.json"].get<std::string>().find("\"enable\": true"), std::string::npos);
    }
  }
}

// RHEL driver pods mount the host's entitlement, repo file and rhsm directory, except where CRI-O
// runs them: it mounts the subscription into every container itself (upstream skips them too).
TEST(StateRendering, OfedRhelSubscriptionMountsAreLeftToCriO) {
  const StateDefinition* ofed = OfedState();
  ASSERT_NE(ofed, nullptr);
  nlohmann::json spec = {{"ofedDriver", {{"image", "doca-driver"}, {"repository", "r"}, {"version", "1"}}}};
  auto subscription_mounts = [&](const std::vector<std::string>& runtimes) {
    std::vector<NodeLabels> nodes;
    for (size_t i = 0; i < runtimes.size(); ++i) {
      nodes.push_back({"rhel-" + std::to_string(i),
                       {{kNicLabel, "true"}, {kOsIdLabel, "rhel"}, {kOsVersionLabel, "9.4"},
                        {kKernelLabel, "5.14.0-427.13.1.el9_4.x86_64"}, {kArchLabel, "amd64"}},
                       nlohmann::json::array(), runtimes[i]});
    }
    auto r = RenderState(*ofed, {spec, spec["ofedDriver"], "spec.ofedDriver", "ns", &nodes});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> mounts;
    if (!r.ok()) return mounts;
    for (const auto& m : r->objects.back()["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]) {
      if (m.value("name", "").rfind("subscription-config-", 0) == 0) mounts.push_back(m["mountPath"].get<std::string>());
    }
    return mounts;
  };
  const std::vector<std::string> rhel = {"/run/secrets/etc-pki-entitlement", "/run/secrets/redhat.repo", "/run/secrets/rhsm"};
  EXPECT_EQ(subscription_mounts({"containerd"}), rhel);
  EXPECT_EQ(subscription_mounts({""}), rhel) << "an unknown runtime gets them";
  EXPECT_TRUE(subscription_mounts({"cri-o", "cri-o"}).empty());
  EXPECT_EQ(subscription_mounts({"cri-o", "containerd"}), rhel) << "a pool with other runtimes needs them";
}

}  // namespace
}  // namespace network
