// One version for every program, image and chart: the VERSION file.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "manifests/renderer.h"
#include "version/version.h"

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string VersionFile() {
  std::string v = ReadFile(std::string(ACCELOPS_SOURCE_DIR) + "/VERSION");
  while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
  return v;
}

TEST(Version, ProgramsPrintTheVersionFileAndTheirRevision) {
  ASSERT_FALSE(VersionFile().empty());
  EXPECT_EQ(version::Version(), VersionFile());
  EXPECT_FALSE(version::Revision().empty());
  EXPECT_EQ(version::VersionLine("ipam-node"),
            "ipam-node " + VersionFile() + " (revision " + std::string(version::Revision()) + ")");
}

TEST(Version, BothChartsCarryTheSameVersionAsTheirAppVersion) {
  for (const std::string chart : {"network-operator", "gpu-operator"}) {
    auto doc = manifests::YamlToJson(ReadFile(std::string(ACCELOPS_SOURCE_DIR) + "/deploy/" + chart + "/chart/Chart.yaml"));
    ASSERT_TRUE(doc.ok()) << chart << ": " << doc.status().ToString();
    EXPECT_EQ(doc->value("version", ""), VersionFile()) << chart;
    EXPECT_EQ(doc->value("appVersion", ""), VersionFile()) << chart << ": the operator image's default tag";
  }
}

}  // namespace
