// The CRD hook's reading of a CRD directory: every chart's crds/ reads whole;
// a bad file is refused before anything could be applied, naming the file.
#include "crd_upgrade.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;

class CrdDirectory : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("crd-dir-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }

  fs::path dir_;
};

const char* kCrd = R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
)";

TEST_F(CrdDirectory, ChartsShipReadableCrds) {
  for (const char* chart : {"network-operator", "gpu-operator"}) {
    const std::string dir = std::string(ACCELOPS_SOURCE_DIR) + "/deploy/" + chart + "/chart/crds";
    auto crds = operators::ReadCrdDirectory(dir);
    ASSERT_TRUE(crds.ok()) << crds.status().ToString();
    size_t files = 0;
    for (const auto& e : fs::directory_iterator(dir)) files += e.path().extension() == ".yaml";
    EXPECT_GE(crds->size(), files) << chart;
  }
}

TEST_F(CrdDirectory, ReadsEveryDocumentInNameOrderAndSkipsOtherFiles) {
  Write("b.yaml", std::string(kCrd) + "---\n" + std::string(kCrd).replace(std::string(kCrd).find("widgets"), 7, "gadgets"));
  Write("a.yml", std::string(kCrd).replace(std::string(kCrd).find("widgets"), 7, "things"));
  Write("README.md", "not yaml: [");
  auto crds = operators::ReadCrdDirectory(dir_.string());
  ASSERT_TRUE(crds.ok()) << crds.status().ToString();
  ASSERT_EQ(crds->size(), 3u);
  EXPECT_EQ((*crds)[0]["metadata"]["name"], "things.example.com");
  EXPECT_EQ((*crds)[1]["metadata"]["name"], "widgets.example.com");
  EXPECT_EQ((*crds)[2]["metadata"]["name"], "gadgets.example.com");
}

TEST_F(CrdDirectory, RefusesAnotherKindNamingTheFile) {
  Write("a.yaml", kCrd);
  Write("z.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");
  auto crds = operators::ReadCrdDirectory(dir_.string());
  ASSERT_FALSE(crds.ok());
  EXPECT_NE(crds.status().message().find("z.yaml"), std::string::npos) << crds.status().ToString();
  EXPECT_NE(crds.status().message().find("not an apiextensions.k8s.io/v1 CustomResourceDefinition"), std::string::npos);
}

TEST_F(CrdDirectory, RefusesBrokenYamlAnUnnamedCrdAndAnEmptyOrMissingDirectory) {
  EXPECT_FALSE(operators::ReadCrdDirectory(dir_.string()).ok());  // empty
  EXPECT_FALSE(operators::ReadCrdDirectory((dir_ / "missing").string()).ok());
  Write("a.yaml", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {}\n");
  auto unnamed = operators::ReadCrdDirectory(dir_.string());
  ASSERT_FALSE(unnamed.ok());
  EXPECT_NE(unnamed.status().message().find("no metadata.name"), std::string::npos) << unnamed.status().ToString();
  Write("a.yaml", "apiVersion: [\n");
  auto broken = operators::ReadCrdDirectory(dir_.string());
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("a.yaml"), std::string::npos) << broken.status().ToString();
}

}  // namespace
