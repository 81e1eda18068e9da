// Node discovery on fixture host trees (test/fixtures/node-discovery): the
// exact labels for an H100 machine, a ConnectX-6 Dx node and a machine with
// neither; the PCI label options; os-release and label-value details.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace discovery
