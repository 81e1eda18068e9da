#include "manifests/renderer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

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

// Values reach the objects exactly as they are, as strings, wherever the
// template puts them: no value can change a manifest's shape or type.
TEST(ManifestRenderer, ValuesAreEscapedScalarsOfTheirType) {
  const std::string tmpl =
      "kind: ConfigMap\n"
      "metadata:\n  name: {{name}}\n  labels: {app: {{name}}, quoted: \"{{name}}\"}\n"
      "  annotations:\n    {{key}}: {{name}}-suffix\n"
      "data:\n  list: [{{name}}, x]\n  count: {{count}}\n  ratio: {{ratio}}\n";
  const std::vector<std::string> hostile = {
      "123", "1e3", "yes", "on", "null", "~", "", "true", "0x1F", "- a", "a: b", "a\n  finalizers: [x]\nb",
      "\"quoted\"", "'single'", "{a: 1}", "[1, 2]", "#comment", "a #b", "&anchor", "*alias", "!!int 3", "%TAG",
      "a\u0085b", "a\u2028b", "back\\slash", "tab\there", "\r\n---\nkind: Secret", "{{name}}", "@x", "`x`",
  };
  for (const std::string& v : hostile) {
    auto objs = RenderManifest(tmpl, {{"name", v}, {"key", v.empty() ? "k" : v}, {"count", 3}, {"ratio", 0.5}});
    ASSERT_TRUE(objs.ok()) << v << ": " << objs.status().ToString();
    ASSERT_EQ(objs->size(), 1u) << v;
    const json& o = objs->front();
    EXPECT_EQ(o["metadata"]["name"], v);
    EXPECT_EQ(o["metadata"]["labels"]["app"], v);
    EXPECT_EQ(o["metadata"]["labels"]["quoted"], v);
    EXPECT_EQ(o["metadata"]["labels"].size(), 2u) << v;
    EXPECT_EQ(o["metadata"]["annotations"][v.empty() ? "k" : v], v + "-suffix");
    EXPECT_EQ(o["metadata"].size(), 3u) << v;
    EXPECT_EQ(o["data"]["list"], json::array({v, "x"}));
    EXPECT_EQ(o["data"]["count"], 3);
    EXPECT_EQ(o["data"]["ratio"], 0.5);
    EXPECT_EQ(o.size(), 3u) << v;
  }
}

// {{{name}}} inserts text as written, so only JSON that code serialized may go there: every
// template of both operators names such values "...Json" or "...JsonString" (or a member of
// resourcesJson), and everything else is a {{name}} that the renderer escapes.
TEST(ManifestRenderer, EveryTemplateInsertsOnlySerializedJsonAsWritten) {
  const std::regex raw(R"(\{\{\{\s*([^}\s]+)\s*\}\}\}|\{\{&\s*([^}\s]+)\s*\}\})");
  int templates = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(ManifestRoot())) {
    if (!entry.is_regular_file() || entry.path().extension() != ".yaml") continue;
    ++templates;
    std::ifstream in(entry.path());
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    for (auto it = std::sregex_iterator(text.begin(), text.end(), raw); it != std::sregex_iterator(); ++it) {
      const std::string name = (*it)[1].matched ? (*it)[1].str() : (*it)[2].str();
      const bool serialized = name.ends_with("Json") || name.ends_with("JsonString") || name.starts_with("resourcesJson.");
      EXPECT_TRUE(serialized) << entry.path() << " inserts " << name << " as written";
    }
  }
  EXPECT_GT(templates, 60);
}

TEST(ManifestRenderer, RawJsonValuesKeepTheirLineSeparators) {
  // DEL and C1 controls too: JSON keeps them as they are, YAML refuses them (a fuzz finding).
  const json env = json::array({{{"name", "X"}, {"value", "a\u0085b\u2028c\u2029d\x7f\u0080\u009f\uffff"}}});
  auto objs = RenderManifest("kind: Pod\nspec: {env: {{{envJson}}}}\n", {{"envJson", env.dump()}});
  ASSERT_TRUE(objs.ok()) << objs.status().ToString();
  EXPECT_EQ(objs->front()["spec"]["env"], env);
}

TEST(ManifestRenderer, HostileYamlIsAnErrorNotACrash) {
  // yaml-cpp 0.7 allocated without bound on this one.
  EXPECT_FALSE(YamlToJson(",").ok());
  EXPECT_FALSE(YamlToJson(std::string(100000, '[')).ok());
  auto deep = YamlToJson(std::string(1000, '[') + std::string(1000, ']'));
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.status().message().find("nested deeper than 512 levels"), std::string::npos) << deep.status().message();
  auto alias = YamlToJson("a: &x [1, 2]\nb: *x\n");
  ASSERT_FALSE(alias.ok());
  EXPECT_NE(alias.status().message().find("aliases are not supported"), std::string::npos);
  auto duplicate = YamlToJson("a: 1\na: 2\n");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_NE(duplicate.status().message().find("duplicate key \"a\""), std::string::npos) << duplicate.status().message();
  EXPECT_FALSE(YamlToJson("{[a]: 1}").ok());
  EXPECT_FALSE(YamlToJson("a: \"\xff\xfe\"\n").ok());
  // Found by fuzzing: NUL bytes in a block scalar came out as bytes that are not UTF-8.
  EXPECT_FALSE(YamlToJson(std::string("k: |\0k: |\0\0\0\0 ", 15)).ok());
  EXPECT_FALSE(YamlToJson("a: b\x01c\n").ok());
  EXPECT_TRUE(YamlToJson("a: \"tab\there\"\r\nb: \xc2\x85\n").ok());
  EXPECT_FALSE(YamlToObjects(std::string(17 << 20, ' ')).ok());
}

TEST(ManifestRenderer, BlockScalarsIndentedNoFurtherThanTheirParentAreRefused) {
  // Found by fuzzing: the parser took this text as the scalar and returned it cut short, with bytes
  // of its own memory after it. Every YAML reader upstream uses refuses it.
  auto bad = YamlToJson("s:\n  t: |\n  d\n\n   r\n    s\n    - n\n      r\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("line 3, column 1: a block scalar's text is indented 2 spaces, not past its "
                                        "parent's 2"),
            std::string::npos)
      << bad.status().message();
  EXPECT_FALSE(YamlToJson("t: |\nd\n").ok());
  EXPECT_FALSE(YamlToJson("- a: >\n  x\n").ok());

  // Content past the parent's indentation, an indentation indicator, leading empty lines, an empty
  // scalar, a sequence beside its key and a document-level scalar all read as written.
  auto good = YamlToJson("s:\n  t: |\n   d\n\n    r\n  u: |1\n    x\n  v: >-\n\n     y\n     z\n  w: |\n"
                         "k:\n- |\n x\n");
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ((*good)["s"]["t"], "d\n\n r\n");
  EXPECT_EQ((*good)["s"]["u"], " x\n");
  EXPECT_EQ((*good)["s"]["v"], "\ny z");
  EXPECT_EQ((*good)["s"]["w"], "");
  EXPECT_EQ((*good)["k"], json::array({"x\n"}));
  auto top = YamlToJson("--- |\nx\n");
  ASSERT_TRUE(top.ok()) << top.status().ToString();
  EXPECT_EQ(*top, "x\n");
}

TEST(ManifestRenderer, PlainScalarsOutOfRangeStayAsWritten) {
  auto config = YamlToJson("big: 99999999999999999999\nhuge: 1e999\nsmall: -9223372036854775808\n");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ((*config)["big"], "99999999999999999999");
  EXPECT_EQ((*config)["huge"], "1e999");
  EXPECT_EQ((*config)["small"], INT64_MIN);
}

}  // namespace
}  // namespace manifests

// Every template of both operators, rendered with a value that holds YAML syntax (line breaks,
// "key: value", flow brackets, a comment, an anchor) in every variable: the objects have the
// same shape as with plain values, so no value adds, removes or retypes a field.
namespace manifests {
namespace {

// Counts of each kind of node and of keys: what an injected field or document would change.
void Shape(const json& j, std::map<std::string, size_t>* counts) {
  ++(*counts)[j.type_name()];
  if (j.is_object()) {
    (*counts)["keys"] += j.size();
    for (const auto& [k, v] : j.items()) Shape(v, counts);
  } else if (j.is_array()) {
    for (const auto& v : j) Shape(v, counts);
  }
}

// Sets `path` ("a.b.c") in `context` to `value` unless a section already made it an object.
void Set(json& context, const std::string& path, const json& value) {
  json* at = &context;
  size_t from = 0;
  for (size_t dot = path.find('.'); dot != std::string::npos; from = dot + 1, dot = path.find('.', from)) {
    json& next = (*at)[path.substr(from, dot - from)];
    if (!next.is_object()) next = json::object();
    at = &next;
  }
  json& leaf = (*at)[path.substr(from)];
  if (!leaf.is_object()) leaf = value;
}

TEST(ManifestRenderer, EveryTemplateKeepsItsShapeWhateverTheValues) {
  const std::regex tag(R"(\{\{([#^/&{]?)\s*([^}\s]+)\s*\}?\}\})");
  int rendered = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(ManifestRoot())) {
    if (!entry.is_regular_file() || entry.path().extension() != ".yaml") continue;
    std::ifstream in(entry.path());
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    json plain = json::object(), hostile = json::object();
    for (auto it = std::sregex_iterator(text.begin(), text.end(), tag); it != std::sregex_iterator(); ++it) {
      const std::string kind = (*it)[1].str(), name = (*it)[2].str();
      if (name == "." || kind == "/") continue;
      if (kind == "#" || kind == "^") {
        Set(plain, name, true);
        Set(hostile, name, true);
      } else if (kind == "{" || kind == "&") {
        const json serialized = name.find("JsonString") != std::string::npos ? json(json("s").dump())
                                : name.find("nv") == 0                      ? json("{}")
                                                                             : json("[]");
        Set(plain, name, serialized);
        Set(hostile, name, serialized);
      } else {
        Set(plain, name, "v-" + name);
        Set(hostile, name, "v-" + name + "\n  injected: [x, {y: 1}]\n# yes: null\n- &a *a ---");
      }
    }
    auto a = RenderManifest(text, plain);
    auto b = RenderManifest(text, hostile);
    ASSERT_TRUE(a.ok()) << entry.path() << ": " << a.status().ToString();
    ASSERT_TRUE(b.ok()) << entry.path() << ": " << b.status().ToString();
    std::map<std::string, size_t> shape_a, shape_b;
    for (const auto& o : *a) Shape(o, &shape_a);
    for (const auto& o : *b) Shape(o, &shape_b);
    EXPECT_EQ(shape_a, shape_b) << entry.path();
    ++rendered;
  }
  EXPECT_GE(rendered, 60) << "the templates of both operators were found";
}

}  // namespace
}  // namespace manifests
