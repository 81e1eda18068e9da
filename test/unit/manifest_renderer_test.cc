#include "manifests/renderer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace manifests {
namespace {

using nlohmann::json;

TEST(ManifestRenderer, TypesScalarsAsKubernetesDoes) {
  auto objs = YamlToObjects(R"(
kind: ConfigMap
data:
  quoted: "true"
  single: '10'
  plain: hello
  block: |
    {"a": 1}
spec:
  replicas: 3
  ratio: 0.5
  enabled: true
  legacy: yes
  nothing: null
  version: "1.10"
  float: 1.10
)");
  ASSERT_TRUE(objs.ok()) << objs.status().ToString();
  ASSERT_EQ(objs->size(), 1u);
  const json& o = objs->front();
  EXPECT_EQ(o["data"]["quoted"], "true");
  EXPECT_EQ(o["data"]["single"], "10");
  EXPECT_EQ(o["data"]["plain"], "hello");
  EXPECT_EQ(o["data"]["block"], "{\"a\": 1}\n");
  EXPECT_EQ(o["spec"]["replicas"], 3);
  EXPECT_EQ(o["spec"]["ratio"], 0.5);
  EXPECT_EQ(o["spec"]["enabled"], true);
  EXPECT_EQ(o["spec"]["legacy"], true);
  EXPECT_TRUE(o["spec"]["nothing"].is_null());
  EXPECT_EQ(o["spec"]["version"], "1.10");
  EXPECT_EQ(o["spec"]["float"], 1.1);
}

TEST(ManifestRenderer, SkipsEmptyAndKindlessDocuments) {
  auto objs = YamlToObjects("---\n# nothing\n---\nkind: A\n---\nfoo: bar\n---\nkind: B\n");
  ASSERT_TRUE(objs.ok());
  ASSERT_EQ(objs->size(), 2u);
  EXPECT_EQ((*objs)[1]["kind"], "B");
}

TEST(ManifestRenderer, AConfigurationFileIsOneDocumentOfAnyShape) {
  auto config = YamlToJson("version: v1\nsharing:\n  mps:\n    resources:\n    - {name: nvidia.com/gpu, replicas: 2}\n");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ((*config)["sharing"]["mps"]["resources"][0]["replicas"], 2);
  EXPECT_EQ(YamlToJson("a: 1\n---\nb: 2\n").status().message(), "expected one YAML document, found 2");
  EXPECT_EQ(YamlToJson("").status().code(), kube::Code::kInvalidArgument);
  EXPECT_EQ(YamlToJson("a: [1").status().code(), kube::Code::kInvalidArgument);
}

TEST(ManifestRenderer, SectionsDecideAndValuesAreNotEscaped) {
  auto text = RenderTemplate("name: {{name}}\n{{#extra}}extra: {{{value}}}\n{{/extra}}{{^extra}}none: true\n{{/extra}}",
                             {{"name", "a&b"}, {"extra", true}, {"value", "{\"k\": \"<v>\"}"}});
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "name: a&b\nextra: {\"k\": \"<v>\"}\n");
  auto without = RenderTemplate("{{#extra}}x{{/extra}}{{^extra}}none{{/extra}}", {{"extra", false}});
  EXPECT_EQ(*without, "none");
}

TEST(ManifestRenderer, BrokenTemplatesAndYamlAreErrors) {
  EXPECT_FALSE(RenderTemplate("{{#open}}never closed", json::object()).ok());
  EXPECT_FALSE(YamlToObjects("kind: [unterminated").ok());
  EXPECT_FALSE(YamlToObjects("- a\n- b\n").ok());
}

TEST(ManifestRenderer, RendersADirectoryInOrder) {
  auto dir = std::filesystem::temp_directory_path() / ("manifests-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "sub");
  std::ofstream(dir / "0020-b.yaml") << "kind: B\nmetadata: {name: {{name}}}\n";
  std::ofstream(dir / "0010-a.yaml") << "kind: A\n---\n{{#maybe}}kind: Maybe\n{{/maybe}}";
  std::ofstream(dir / "sub" / "0030-c.yml") << "kind: C\n";
  std::ofstream(dir / "README.md") << "not a manifest";
  auto objs = RenderDirectory(dir.string(), {{"name", "n"}, {"maybe", false}});
  ASSERT_TRUE(objs.ok()) << objs.status().ToString();
  ASSERT_EQ(objs->size(), 3u);
  EXPECT_EQ((*objs)[0]["kind"], "A");
  EXPECT_EQ((*objs)[1]["metadata"]["name"], "n");
  EXPECT_EQ((*objs)[2]["kind"], "C");
  std::filesystem::remove_all(dir);
  EXPECT_FALSE(RenderDirectory(dir.string(), json::object()).ok());
}

TEST(ManifestRenderer, TheNetworkAttachmentTemplateRendersOneObject) {
  json ctx = {{"name", "n"}, {"namespace", "ns"}, {"state", "state-Macvlan-Network"}, {"resourceName", "nvidia.com/x"},
              {"configJsonString", json(R"({"cniVersion":"0.3.1","name":"n"})").dump()}};
  auto objs = RenderDirectory(ManifestRoot() + "/network-operator/networks", ctx);
  ASSERT_TRUE(objs.ok()) << objs.status().ToString();
  ASSERT_EQ(objs->size(), 1u);
  const json& nad = objs->front();
  EXPECT_EQ(nad["spec"]["config"], R"({"cniVersion":"0.3.1","name":"n"})");
  EXPECT_EQ(nad["metadata"]["annotations"]["k8s.v1.cni.cncf.io/resourceName"], "nvidia.com/x");
  EXPECT_EQ(nad["metadata"]["labels"]["nvidia.network-operator.state"], "state-Macvlan-Network");
}

}  // namespace
}  // namespace manifests
