// Node discovery on fixture host trees (test/fixtures/node-discovery): the
// exact labels for an H100 machine, a ConnectX-6 Dx node and a machine with
// neither; the PCI label options; os-release and label-value details.
#include <gtest/gtest.h>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "agent/label_plan.h"
#include "gpu/gpu_labels.h"
#include "gpu/gpu_sharing.h"
#include "manifests/renderer.h"
#include "gpu/nvml_reader.h"
#include "node_labels.h"
#include "pci/pci_labels.h"
#include "system/system_labels.h"

namespace discovery {
namespace {

using Labels = std::map<std::string, std::string>;

HostRoot Fixture(const std::string& name) {
  return HostRoot(std::string(ACCELOPS_SOURCE_DIR) + "/test/fixtures/node-discovery/" + name);
}

const std::string kNfd = "feature.node.kubernetes.io/";

TEST(NodeDiscovery, AnH100MachineGivesNvidiaPciOsAndKernelLabels) {
  const Labels expected = {
      {kNfd + "pci-0302_10de.present", "true"},
      {kNfd + "pci-10de.present", "true"},
      {kNfd + "pci-0200_8086.present", "true"},
      {kNfd + "pci-0200_8086.sriov.capable", "true"},
      {kNfd + "pci-8086.present", "true"},
      {kNfd + "pci-8086.sriov.capable", "true"},
      {kNfd + "kernel-version.full", "5.15.0-105-generic"},
      {kNfd + "kernel-version.major", "5"},
      {kNfd + "kernel-version.minor", "15"},
      {kNfd + "kernel-version.revision", "0"},
      {kNfd + "system-os_release.ID", "ubuntu"},
      {kNfd + "system-os_release.VERSION_ID", "22.04"},
      {kNfd + "system-os_release.VERSION_ID.major", "22"},
      {kNfd + "system-os_release.VERSION_ID.minor", "04"},
  };
  EXPECT_EQ(DiscoverNodeLabels(Fixture("h100"), {}), expected);
}

TEST(NodeDiscovery, AConnectX6DxNodeIsRdmaCapableAndAvailable) {
  const Labels expected = {
      {kNfd + "pci-0200_15b3.present", "true"},
      {kNfd + "pci-0200_15b3.sriov.capable", "true"},
      {kNfd + "pci-15b3.present", "true"},
      {kNfd + "pci-15b3.sriov.capable", "true"},
      {kNfd + "rdma.capable", "true"},
      {kNfd + "rdma.available", "true"},
      {kNfd + "kernel-version.full", "5.14.0-427.13.1.el9_4.x86_64"},
      {kNfd + "kernel-version.major", "5"},
      {kNfd + "kernel-version.minor", "14"},
      {kNfd + "kernel-version.revision", "0"},
      {kNfd + "system-os_release.ID", "rhel"},
      {kNfd + "system-os_release.VERSION_ID", "9.4"},
      {kNfd + "system-os_release.VERSION_ID.major", "9"},
      {kNfd + "system-os_release.VERSION_ID.minor", "4"},
  };
  EXPECT_EQ(DiscoverNodeLabels(Fixture("cx6dx"), {}), expected);
}

TEST(NodeDiscovery, AMachineWithNeitherHasOnlyItsNicOsAndKernel) {
  const Labels labels = DiscoverNodeLabels(Fixture("plain"), {});
  EXPECT_EQ(labels.at(kNfd + "pci-1af4.present"), "true");
  EXPECT_EQ(labels.at(kNfd + "system-os_release.ID"), "debian");  // from /usr/lib/os-release
  EXPECT_EQ(labels.at(kNfd + "system-os_release.VERSION_ID.major"), "12");
  EXPECT_EQ(labels.count(kNfd + "system-os_release.VERSION_ID.minor"), 0u);
  EXPECT_EQ(labels.at(kNfd + "kernel-version.full"), "6.1.0-18-amd64");
  for (const auto& [key, value] : labels) {
    EXPECT_EQ(key.find("10de"), std::string::npos) << key;
    EXPECT_EQ(key.find("rdma"), std::string::npos) << key;
    EXPECT_EQ(key.find("1234"), std::string::npos) << "a device with incomplete files is skipped: " << key;
  }
  EXPECT_EQ(labels.size(), 9u);  // 2 PCI (virtio NIC), 4 kernel, 3 OS
}

TEST(NodeDiscovery, AMissingRootGivesNoLabelsAndNoError) {
  EXPECT_TRUE(DiscoverNodeLabels(Fixture("does-not-exist"), {}).empty());
}

TEST(PciLabels, ClassesArePrefixesAndFieldsFollowNfdsOrder) {
  const std::vector<PciDevice> devices = {{"0000:1b:00.0", "0302", "10de", "2330", "10de", "16c1", false},
                                          {"0000:00:00.0", "0600", "8086", "09a2", "8086", "0000", false}};
  PciLabelOptions options;
  options.device_classes = {"03"};
  options.label_fields = {{"device", "vendor"}};  // written in NFD's order whatever the order given
  EXPECT_EQ(PciLabels(devices, options), (Labels{{kNfd + "pci-10de_2330.present", "true"}}));
  options.device_classes = {"06"};
  options.label_fields = {{"subsystem_device", "class"}};
  EXPECT_EQ(PciLabels(devices, options), (Labels{{kNfd + "pci-0600_0000.present", "true"}}));
}

TEST(PciLabels, BadOptionsAreNamed) {
  EXPECT_TRUE(ValidatePciLabelOptions({}).ok());
  PciLabelOptions bad_class;
  bad_class.device_classes = {"03x2"};
  EXPECT_NE(ValidatePciLabelOptions(bad_class).message().find("\"03x2\""), std::string::npos);
  PciLabelOptions bad_field;
  bad_field.label_fields = {{"vendor", "revision"}};
  EXPECT_NE(ValidatePciLabelOptions(bad_field).message().find("\"revision\""), std::string::npos);
  PciLabelOptions none;
  none.label_fields = {};
  EXPECT_FALSE(ValidatePciLabelOptions(none).ok());
}

TEST(SystemLabels, OsReleaseQuotesCommentsAndLabelValues) {
  auto release = ParseOsRelease("# comment\nID=\"rocky\"\nVERSION_ID='8.10'\nNAME=Rocky Linux\r\n\nBROKEN\n");
  EXPECT_EQ(release["ID"], "rocky");
  EXPECT_EQ(release["VERSION_ID"], "8.10");
  EXPECT_EQ(release["NAME"], "Rocky Linux");
  EXPECT_EQ(release.count("BROKEN"), 0u);
  EXPECT_EQ(LabelValue("Rocky Linux"), "Rocky_Linux");
  EXPECT_EQ(LabelValue("-.5.4+custom_"), "5.4_custom");
  EXPECT_EQ(LabelValue("..."), "");
  EXPECT_EQ(LabelValue(std::string(80, 'a')).size(), 63u);
}

// What NVML reports on the H100 machine the fixture is modelled on.
GpuSnapshot H100() { return {{{"NVIDIA H100 80GB HBM3", 81559, 9, 0, true}}, "550.90.07", 12040}; }

TEST(GpuLabels, AnH100GivesGfdsLabels) {
  const auto labels = GpuLabels(H100(), ReadPciDevices(Fixture("h100")), {"none", "DGX H100"});
  const Labels expected = {
      {"nvidia.com/gpu.count", "1"},
      {"nvidia.com/gpu.product", "NVIDIA-H100-80GB-HBM3"},
      {"nvidia.com/gpu.memory", "81559"},
      {"nvidia.com/gpu.family", "hopper"},
      {"nvidia.com/gpu.compute.major", "9"},
      {"nvidia.com/gpu.compute.minor", "0"},
      {"nvidia.com/gpu.machine", "DGX-H100"},
      {"nvidia.com/gpu.mode", "compute"},
      {"nvidia.com/mig.capable", "true"},
      {"nvidia.com/gpu.replicas", "1"},
      {"nvidia.com/gpu.sharing-strategy", "none"},
      {"nvidia.com/mps.capable", "false"},
      {"nvidia.com/cuda.driver.major", "550"},
      {"nvidia.com/cuda.driver.minor", "90"},
      {"nvidia.com/cuda.driver.rev", "07"},
      {"nvidia.com/cuda.driver-version.major", "550"},
      {"nvidia.com/cuda.driver-version.minor", "90"},
      {"nvidia.com/cuda.driver-version.revision", "07"},
      {"nvidia.com/cuda.driver-version.full", "550.90.07"},
      {"nvidia.com/cuda.runtime.major", "12"},
      {"nvidia.com/cuda.runtime.minor", "4"},
      {"nvidia.com/cuda.runtime-version.major", "12"},
      {"nvidia.com/cuda.runtime-version.minor", "4"},
      {"nvidia.com/cuda.runtime-version.full", "12.4"},
  };
  EXPECT_EQ(labels, expected);
}

TEST(GpuLabels, DiscoveryAddsThemFromTheSameHostTree) {
  const GpuSnapshot gpus = H100();
  const auto labels = DiscoverNodeLabels(Fixture("h100"), {}, &gpus);
  EXPECT_EQ(labels.at("nvidia.com/gpu.mode"), "compute");     // the tree's PCI class
  EXPECT_EQ(labels.at("nvidia.com/gpu.machine"), "DGX-H100");  // the tree's DMI product name
  EXPECT_EQ(labels.at(kNfd + "pci-10de.present"), "true");
  EXPECT_EQ(DiscoverNodeLabels(Fixture("h100"), {}).count("nvidia.com/gpu.count"), 0u);
}

TEST(GpuLabels, NoGpuNoLabelsAndTheDetailsOfNamesFamiliesAndCounts) {
  EXPECT_TRUE(GpuLabels({}, ReadPciDevices(Fixture("h100")), {}).empty());
  EXPECT_EQ(GpuLabelName("  NVIDIA  A100-SXM4-40GB (rev a1) "), "NVIDIA-A100-SXM4-40GB-rev-a1");
  EXPECT_EQ(GpuFamily(7, 0), "volta");
  EXPECT_EQ(GpuFamily(7, 5), "turing");
  EXPECT_EQ(GpuFamily(8, 6), "ampere");
  EXPECT_EQ(GpuFamily(8, 9), "ada-lovelace");
  EXPECT_EQ(GpuFamily(10, 0), "blackwell");
  EXPECT_EQ(GpuFamily(4, 0), "undefined");
  GpuSnapshot two = H100();
  two.devices.push_back(two.devices[0]);
  two.devices[1].mig_capable = false;
  two.driver_version = "550.90";  // two parts: no revision
  const auto labels = GpuLabels(two, {}, {"single", ""});
  EXPECT_EQ(labels.at("nvidia.com/gpu.count"), "2");
  EXPECT_EQ(labels.at("nvidia.com/mig.capable"), "true");
  EXPECT_EQ(labels.at("nvidia.com/mig.strategy"), "single");
  EXPECT_EQ(labels.at("nvidia.com/gpu.machine"), "unknown");
  EXPECT_EQ(labels.at("nvidia.com/gpu.mode"), "unknown");  // no PCI view
  EXPECT_EQ(labels.at("nvidia.com/cuda.driver-version.revision"), "");
  two.driver_version = "garbage";
  EXPECT_EQ(GpuLabels(two, {}, {}).count("nvidia.com/cuda.driver.major"), 0u);
}

TEST(GpuSharing, TheDevicePluginConfigGivesStrategyReplicasAndRenaming) {
  using nlohmann::json;
  auto sliced = ParseGpuSharing(json::parse(R"({"version": "v1", "sharing": {"timeSlicing": {"resources": [
      {"name": "nvidia.com/gpu", "replicas": 4}]}}})"));
  ASSERT_TRUE(sliced.ok()) << sliced.status().ToString();
  EXPECT_EQ(sliced->strategy, "time-slicing");
  EXPECT_EQ(sliced->replicas, 4);
  EXPECT_FALSE(sliced->renamed);
  auto mps = ParseGpuSharing(json::parse(R"({"sharing": {"mps": {"renameByDefault": true, "resources": [
      {"name": "nvidia.com/gpu", "replicas": 2}]}}})"));
  ASSERT_TRUE(mps.ok()) << mps.status().ToString();
  EXPECT_EQ(mps->strategy, "mps");
  EXPECT_TRUE(mps->renamed);
  auto other = ParseGpuSharing(json::parse(R"({"version": "v1", "flags": {"migStrategy": "none"},
      "sharing": {"timeSlicing": {"resources": [{"name": "nvidia.com/mig-1g.10gb", "replicas": 3}]}}})"));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->strategy, "none");
  EXPECT_EQ(other->replicas, 1);

  auto message = [](const char* text) { return ParseGpuSharing(json::parse(text)).status().message(); };
  EXPECT_NE(message(R"({"sharing": {"timeSlicing": {"resources": [{"name": "nvidia.com/gpu", "replicas": 0}]}}})")
                .find("sharing.timeSlicing.resources[0].replicas must be an integer from 1 to 2147483647, not 0"),
            std::string::npos);
  EXPECT_NE(message(R"({"sharing": {"mps": {"resources": [{"name": "nvidia.com/gpu", "replicas": "4"}]}}})")
                .find("sharing.mps.resources[0].replicas"),
            std::string::npos);
  EXPECT_NE(message(R"({"sharing": {"mps": {"resources": [{"replicas": 4}]}}})").find("resources[0].name is required"),
            std::string::npos);
  EXPECT_NE(message(R"({"version": "v2"})").find("version must be v1"), std::string::npos);
  EXPECT_NE(message(R"({"sharing": []})").find("sharing must be a map"), std::string::npos);
  EXPECT_NE(message(R"([1])").find("must be a map"), std::string::npos);
  // Wrong types and numbers out of range are clean errors that name the field, never aborts
  // or wrapped numbers (4294967298 once became gpu.replicas=2).
  const std::vector<std::pair<const char*, const char*>> hostile = {
      {R"({"sharing": {"mps": {"resources": [{"name": "nvidia.com/gpu", "replicas": 4294967298}]}}})",
       "sharing.mps.resources[0].replicas must be an integer from 1 to 2147483647, not 4294967298"},
      {R"({"sharing": {"mps": {"resources": [{"name": "nvidia.com/gpu", "replicas": 2.5}]}}})", "replicas must be an integer"},
      {R"({"sharing": {"mps": {"renameByDefault": "yes", "resources": []}}})", "sharing.mps.renameByDefault must be true or false"},
      {R"({"sharing": {"mps": {"resources": "nvidia.com/gpu"}}})", "sharing.mps.resources must be a list"},
      {R"({"sharing": {"mps": {"resources": [7]}}})", "sharing.mps.resources[0] must be an object"},
      {R"({"sharing": {"mps": {"resources": [{"name": 7, "replicas": 2}]}}})", "resources[0].name must be a string"},
      {R"({"sharing": {"timeSlicing": {"resources": [{"name": "nvidia.com/gpu", "replicas": 2, "rename": 1}]}}})",
       "resources[0].rename must be a string"},
      {R"({"sharing": {"timeSlicing": "on"}})", "sharing.timeSlicing must be a map"},
  };
  for (const auto& [text, want] : hostile) {
    EXPECT_NE(message(text).find(want), std::string::npos) << text << " -> " << message(text);
  }
}

TEST(GpuSharing, AConfigFileThatIsNotYamlIsACleanError) {
  for (const std::string& text : std::vector<std::string>{",", "a: \xff\n", "[[[[", std::string(100000, '[')}) {
    auto document = manifests::YamlToJson(text);
    EXPECT_FALSE(document.ok()) << text.substr(0, 20);
  }
}

TEST(GpuLabels, SharingGivesReplicasStrategySharedProductAndMps) {
  GpuLabelOptions options{"none", "", {"time-slicing", 4, false}};
  auto labels = GpuLabels(H100(), {}, options);
  EXPECT_EQ(labels.at("nvidia.com/gpu.product"), "NVIDIA-H100-80GB-HBM3-SHARED");
  EXPECT_EQ(labels.at("nvidia.com/gpu.replicas"), "4");
  EXPECT_EQ(labels.at("nvidia.com/gpu.sharing-strategy"), "time-slicing");
  EXPECT_EQ(labels.at("nvidia.com/mps.capable"), "false");
  options.sharing = {"mps", 2, true};  // renamed: the product keeps its name
  labels = GpuLabels(H100(), {}, options);
  EXPECT_EQ(labels.at("nvidia.com/gpu.product"), "NVIDIA-H100-80GB-HBM3");
  EXPECT_EQ(labels.at("nvidia.com/gpu.sharing-strategy"), "mps");
  EXPECT_EQ(labels.at("nvidia.com/mps.capable"), "true");
  GpuSnapshot mig = H100();
  mig.devices[0].mig_enabled = true;  // MPS does not run on a MIG-enabled GPU
  EXPECT_EQ(GpuLabels(mig, {}, options).at("nvidia.com/mps.capable"), "false");
  options.sharing = {"time-slicing", 1, false};  // configured, not replicated
  labels = GpuLabels(H100(), {}, options);
  EXPECT_EQ(labels.at("nvidia.com/gpu.sharing-strategy"), "none");
  EXPECT_EQ(labels.at("nvidia.com/gpu.product"), "NVIDIA-H100-80GB-HBM3");
}

TEST(NvmlReader, ReadsTheGpusThroughTheLibraryItLoads) {
  auto gpus = ReadGpus({"/nonexistent/libnvidia-ml.so.1", FAKE_NVML_LIBRARY});
  ASSERT_TRUE(gpus.ok()) << gpus.status().ToString();
  ASSERT_EQ(gpus->devices.size(), 1u);
  EXPECT_EQ(gpus->devices[0].name, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(gpus->devices[0].memory_mib, 81559u);
  EXPECT_EQ(gpus->devices[0].compute_major, 9);
  EXPECT_TRUE(gpus->devices[0].mig_capable);
  EXPECT_FALSE(gpus->devices[0].mig_enabled);
  EXPECT_EQ(gpus->driver_version, "550.90.07");
  EXPECT_EQ(gpus->cuda_version, 12040);
}

TEST(NvmlReader, NoLibraryIsNotFoundAndAFailingOneNamesTheCall) {
  auto none = ReadGpus({"/nonexistent/libnvidia-ml.so.1"});
  EXPECT_EQ(none.status().code(), kube::Code::kNotFound);
  setenv("FAKE_NVML_INIT_ERROR", "9", 1);
  auto failing = ReadGpus({FAKE_NVML_LIBRARY});
  unsetenv("FAKE_NVML_INIT_ERROR");
  ASSERT_FALSE(failing.ok());
  EXPECT_EQ(failing.status().message(), "nvmlInit_v2: Driver Not Loaded");
  const auto candidates = NvmlCandidates("/host/");
  EXPECT_EQ(candidates.front(), "/host/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1");
  EXPECT_EQ(candidates.back(), "libnvidia-ml.so.1");
}

TEST(AgentLabelPlan, SetsWhatChangedRemovesWhatItWroteAndLeavesOthersAlone) {
  const Labels current = {{"a", "1"}, {"b", "old"}, {"gone", "true"}, {"user", "x"}, {"theirs", "2"}};
  const Labels desired = {{"a", "1"}, {"b", "new"}, {"c", "3"}, {"theirs", "9"}};
  auto plan = PlanAgentLabels(current, "a,b,gone", desired);
  EXPECT_EQ(plan.labels, (std::map<std::string, std::optional<std::string>>{
                             {"b", "new"}, {"c", "3"}, {"gone", std::nullopt}}));
  EXPECT_EQ(plan.foreign, std::vector<std::string>{"theirs"});
  ASSERT_TRUE(plan.owned.has_value());
  EXPECT_EQ(*plan.owned, "a,b,c");
  // Applied, the next plan is empty: no writes at rest.
  const Labels after = {{"a", "1"}, {"b", "new"}, {"c", "3"}, {"user", "x"}, {"theirs", "2"}};
  EXPECT_TRUE(PlanAgentLabels(after, "a,b,c", desired).empty());
  // A label someone else set to the same value is taken over, not rewritten.
  auto adopt = PlanAgentLabels({{"a", "1"}}, "", {{"a", "1"}});
  EXPECT_TRUE(adopt.labels.empty());
  EXPECT_EQ(adopt.owned, std::optional<std::string>("a"));
  // Nothing found any more: everything it wrote goes, the annotation empties.
  auto none = PlanAgentLabels(after, "a,b,c", {});
  EXPECT_EQ(none.labels.size(), 3u);
  EXPECT_EQ(none.owned, std::optional<std::string>(""));
}

}  // namespace
}  // namespace discovery
