// Upstream's chart values through our charts: upstream's default values
// render as they are, and every leaf of them, changed one at a time, either
// changes what our chart renders or is refused by the chart with a message
// that names the leaf (values.schema.json, or upstream-inert.yaml's check with
// its reason). No leaf is silently ignored.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "hook_job_runner.h"
#include "kube/yaml.h"
#include "rig_environment.h"

namespace {

using nlohmann::json;

struct Leaf {
  std::vector<std::string> path;
  json value;
  std::string dotted() const {
    std::string s;
    for (const auto& p : path) s += (s.empty() ? "" : ".") + p;
    return s;
  }
};

void CollectLeaves(const json& node, std::vector<std::string>& path, std::vector<Leaf>& out) {
  if (node.is_object() && !node.empty()) {
    for (const auto& [key, value] : node.items()) {
      path.push_back(key);
      CollectLeaves(value, path, out);
      path.pop_back();
    }
    return;
  }
  out.push_back({path, node});
}

// Another value of the same kind, one a user could mean: valid where that is easy to keep.
json Changed(const json& v) {
  static const std::map<std::string, std::string> kAlternatives = {
      {"IfNotPresent", "Always"}, {"Always", "IfNotPresent"}, {"Equal", "Exists"}, {"Exists", "Equal"},
      {"NoSchedule", "NoExecute"}, {"In", "NotIn"},           {"info", "debug"},   {"json", "text"}};
  if (v.is_boolean()) return !v.get<bool>();
  if (v.is_number_integer()) return v.get<int64_t>() + 1;
  if (v.is_number()) return v.get<double>() + 0.5;
  if (v.is_null()) return "changed";
  if (v.is_string()) {
    const std::string s = v;
    if (auto it = kAlternatives.find(s); it != kAlternatives.end()) return it->second;
    // A quantity or a number keeps its unit: "500m" -> "501m".
    size_t digits = 0;
    while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
    if (digits > 0) return std::to_string(std::stoll(s.substr(0, digits)) + 1) + s.substr(digits);
    return s + "-changed";
  }
  if (v.is_array()) {
    if (v.empty()) return json::array({"changed"});
    json shorter = v;
    shorter.erase(shorter.end() - 1);
    return shorter;
  }
  return json::object({{"changed", "value"}});  // an empty map
}

json Override(const Leaf& leaf, const json& value) {
  json o = value;
  for (auto it = leaf.path.rbegin(); it != leaf.path.rend(); ++it) o = json::object({{*it, o}});
  return o;
}

class HelmValues : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& env = rig::RigEnvironment::Get();
    std::string bin;
    ASSERT_EQ(rig::Shell("sed -n 's/^BIN=//p' " + env.dir() + "/ports.env", &bin), 0);
    while (!bin.empty() && bin.back() == '\n') bin.pop_back();
    helm_ = bin + "/helm";
    dir_ = env.dir() + "/helm-values";
    ASSERT_EQ(rig::Shell("mkdir -p " + dir_, nullptr), 0);
  }

  // `helm template` of `chart` with the values files; its exit code, the output in `out`.
  int Template(const std::string& chart, const std::vector<std::string>& files, std::string* out) {
    std::string command = helm_ + " template probe " + std::string(ACCELOPS_SOURCE_DIR) + "/deploy/" + chart +
                          "/chart --namespace probe --kube-version 1.36.3";
    for (const auto& f : files) command += " -f " + f;
    return rig::Shell(command + " 2>&1", out);
  }

  enum class Effect { kHonoured, kRefused, kIgnored };

  // Renders `chart` with `files` (the last one sets `leaf` to `changed`): refused (by the schema,
  // which names the leaf as a JSON pointer, or by the inert-value check, which names it dotted),
  // honoured (the output differs from `expected`), or ignored.
  Effect Judge(const std::string& chart, const std::vector<std::string>& files, const Leaf& leaf,
               const json& changed, const std::string& expected) {
    std::string out;
    if (Template(chart, files, &out) != 0) {
      std::string pointer;
      for (const auto& p : leaf.path) pointer += "/" + p;
      const bool names_it = out.find("'" + pointer) != std::string::npos ||
                            out.find(leaf.dotted() + ": ") != std::string::npos;
      EXPECT_TRUE(names_it) << leaf.dotted() << " = " << changed.dump() << " fails without naming it:\n" << out;
      return Effect::kRefused;
    }
    return out == expected ? Effect::kIgnored : Effect::kHonoured;
  }

  // Checks every leaf of upstream's `values` file through `chart`. Leaves under a subtree named in
  // `gated` belong to a component that upstream renders only when the gate leaf is true; the gate
  // itself is checked like any leaf (turning it on must be refused or honoured). A leaf under a
  // prefix in `conditions` acts only with those values also set (as upstream's does), so it is
  // compared with them set on both sides. `examples` gives the changed value for leaves whose
  // upstream default says nothing of what goes in (an empty list of objects).
  void CheckEveryLeaf(const std::string& chart, const std::string& values,
                      const std::map<std::string, std::string>& gated,
                      const std::map<std::string, json>& conditions = {},
                      const std::map<std::string, json>& examples = {}) {
    std::ifstream in(values);
    std::stringstream text;
    text << in.rdbuf();
    auto upstream = kube::ParseYamlDocument(text.str());
    ASSERT_TRUE(upstream.ok()) << upstream.status().ToString();
    std::string baseline;
    ASSERT_EQ(Template(chart, {values}, &baseline), 0) << "upstream's values as they are:\n" << baseline;

    std::vector<Leaf> leaves;
    std::vector<std::string> path;
    CollectLeaves(*upstream, path, leaves);
    int honoured = 0, refused = 0, gated_count = 0;
    std::vector<std::string> ignored;
    for (size_t i = 0; i < leaves.size(); ++i) {
      const Leaf& leaf = leaves[i];
      if (gated.count(leaf.path[0])) {
        ++gated_count;
        continue;
      }
      const auto example = examples.find(leaf.dotted());
      const json changed = example != examples.end() ? example->second : Changed(leaf.value);
      const std::string file = dir_ + "/" + chart + "-" + std::to_string(i) + ".json";
      std::ofstream(file) << Override(leaf, changed).dump();
      std::vector<std::string> files = {values};
      std::string expected = baseline;
      for (const auto& [prefix, condition] : conditions) {
        if (leaf.dotted().rfind(prefix, 0) != 0) continue;
        const std::string condition_file = dir_ + "/" + chart + "-" + std::to_string(i) + "-condition.json";
        std::ofstream(condition_file) << condition.dump();
        files.push_back(condition_file);
        ASSERT_EQ(Template(chart, files, &expected), 0) << prefix << " with " << condition.dump() << ":\n" << expected;
      }
      files.push_back(file);
      switch (Judge(chart, files, leaf, changed, expected)) {
        case Effect::kRefused: ++refused; break;
        case Effect::kHonoured: ++honoured; break;
        case Effect::kIgnored:
          ignored.push_back(leaf.dotted() + " (" + leaf.value.dump() + " -> " + changed.dump() + ")");
          break;
      }
    }
    std::string list;
    for (const auto& l : ignored) list += "\n  " + l;
    EXPECT_TRUE(ignored.empty()) << ignored.size() << " of " << leaves.size()
                                 << " upstream leaves change nothing and are not refused:" << list;
    std::printf("%s: %zu upstream leaves: %d honoured, %d refused with a reason, %d in disabled subcharts\n",
                chart.c_str(), leaves.size(), honoured, refused, gated_count);
    for (const auto& [subtree, gate] : gated) {
      EXPECT_TRUE(upstream->contains(subtree)) << subtree;
      (void)gate;
    }
  }

  std::string helm_;
  std::string dir_;
};

// Upstream's default values files (v26.7 line), kept with the other captured upstream data.
const std::string kUpstreamValues = std::string(ACCELOPS_SOURCE_DIR) + "/test/conformance/upstream/values/";

TEST_F(HelmValues, NetworkChartHonoursOrRefusesEveryUpstreamLeaf) {
  CheckEveryLeaf("network-operator", kUpstreamValues + "network-operator-values.yaml",
                 {{"sriov-network-operator", "sriovNetworkOperator.enabled"},
                  {"maintenance-operator-chart", "maintenanceOperator.enabled"}});
  // The gates of the subcharts that are not part of this chart are refused with the reason.
  std::string out;
  const std::string gate = dir_ + "/gate.json";
  std::ofstream(gate) << R"({"sriovNetworkOperator": {"enabled": true}})";
  EXPECT_NE(Template("network-operator", {gate}, &out), 0);
  EXPECT_NE(out.find("sriovNetworkOperator.enabled: true is not supported: the SR-IOV network operator is not part"),
            std::string::npos)
      << out;
}

TEST_F(HelmValues, GpuChartHonoursOrRefusesEveryUpstreamLeaf) {
  const json kNvidiaDriverCrd = {{"driver", {{"nvidiaDriverCRD", {{"enabled", true}}}}}};
  CheckEveryLeaf("gpu-operator", kUpstreamValues + "gpu-operator-values.yaml",
                 {{"draDriver", "gpuCluster.deployCR"}},
                 {{"devicePlugin.config.data", {{"devicePlugin", {{"config", {{"create", true}}}}}}},
                  {"migManager.config.data", {{"migManager", {{"config", {{"create", true}}}}}}},
                  {"driver.nvidiaDriverCRD.deployDefaultCR", kNvidiaDriverCrd},
                  {"driver.nvidiaDriverCRD.driverType", kNvidiaDriverCrd},
                  {"driver.nvidiaDriverCRD.nodeSelector", kNvidiaDriverCrd}},
                 {{"extraObjects", {{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "extra"}}}}}}});
}

// The values upstream's values files document only in comments, uncommented one at a time over
// upstream's defaults: each is honoured or refused with a message naming it.
TEST_F(HelmValues, BothChartsHonourOrRefuseUpstreamsDocumentedExamples) {
  std::ifstream in(std::string(ACCELOPS_SOURCE_DIR) + "/test/conformance/documented-values.yaml");
  std::stringstream text;
  text << in.rdbuf();
  auto documented = kube::ParseYamlDocument(text.str());
  ASSERT_TRUE(documented.ok()) << documented.status().ToString();
  int checked = 0;
  for (const auto& [chart, examples] : documented->items()) {
    const std::string values = kUpstreamValues + chart + "-values.yaml";
    std::vector<std::string> ignored;
    for (size_t i = 0; i < examples.size(); ++i) {
      const json& example = examples[i];
      Leaf leaf;
      std::stringstream dotted(example.at("leaf").get<std::string>());
      for (std::string part; std::getline(dotted, part, '.');) leaf.path.push_back(part);
      std::vector<std::string> files = {values};
      if (example.contains("with")) {
        files.push_back(dir_ + "/documented-" + chart + "-" + std::to_string(i) + "-with.json");
        std::ofstream(files.back()) << example["with"].dump();
      }
      std::string expected;
      ASSERT_EQ(Template(chart, files, &expected), 0) << leaf.dotted() << " baseline:\n" << expected;
      files.push_back(dir_ + "/documented-" + chart + "-" + std::to_string(i) + ".json");
      std::ofstream(files.back()) << Override(leaf, example.at("value")).dump();
      if (Judge(chart, files, leaf, example["value"], expected) == Effect::kIgnored) ignored.push_back(leaf.dotted());
      ++checked;
    }
    std::string list;
    for (const auto& l : ignored) list += "\n  " + l;
    EXPECT_TRUE(ignored.empty()) << chart << ": documented values that change nothing and are not refused:" << list;
  }
  EXPECT_GE(checked, 20);
}

// The string forms upstream's values documentation gives for ConfigMap data and extra objects
// become exactly those strings, not YAML-quoted copies of them.
TEST_F(HelmValues, GpuChartTakesUpstreamsDocumentedStringForms) {
  const std::string device_plugin = "version: v1\nflags:\n  migStrategy: none";
  const std::string mig = "version: v1\nmig-configs:\n  all-disabled:\n    - devices: all\n      mig-enabled: false";
  const json values = {
      {"devicePlugin", {{"config", {{"create", true}, {"name", "device-plugin-config"}, {"default", "default"},
                                    {"data", {{"default", device_plugin}}}}}}},
      {"migManager", {{"config", {{"create", true}, {"name", "custom-mig-config"}, {"data", {{"config.yaml", mig}}}}}}},
      {"extraObjects", {"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra-{{ .Release.Name }}\n"}}};
  const std::string file = dir_ + "/documented.json";
  std::ofstream(file) << values.dump();
  std::string out;
  ASSERT_EQ(Template("gpu-operator", {file}, &out), 0) << out;
  auto docs = kube::ParseYamlDocuments(out);
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  std::map<std::string, json> config_maps;
  for (const auto& d : *docs) {
    if (d.is_object() && d.value("kind", "") == "ConfigMap") config_maps[d["metadata"]["name"]] = d;
  }
  EXPECT_EQ(config_maps["device-plugin-config"]["data"].value("default", ""), device_plugin);
  EXPECT_EQ(config_maps["custom-mig-config"]["data"].value("config.yaml", ""), mig);
  EXPECT_TRUE(config_maps.count("extra-probe")) << out.substr(0, 2000);
}

// Upstream's values files as they are install both charts on the rig, CRD hooks included.
TEST_F(HelmValues, BothChartsInstallOnTheRigWithUpstreamsValues) {
  auto& env = rig::RigEnvironment::Get();
  auto client = env.NewClient();
  ASSERT_EQ(env.RigCommand("nodes 1 --prefix upstream-values"), 0);  // for the hook pods
  struct Chart {
    std::string name, values, job, binary;
  };
  for (const Chart& c : {Chart{"network-operator", "network-operator-values.yaml", "upvalues-upgrade-crds", NETWORK_OPERATOR_BIN},
                         Chart{"gpu-operator", "gpu-operator-values.yaml", "gpu-operator-upgrade-crd", GPU_OPERATOR_BIN}}) {
    const std::string ns = "upstream-values-" + c.name;
    const std::string chart = std::string(ACCELOPS_SOURCE_DIR) + "/deploy/" + c.name + "/chart";
    std::string out;
    {
      rig::HookJobRunner hook(client, ns, c.job, rig::CrdHook(c.binary, ns, chart + "/crds"));
      ASSERT_EQ(env.RigCommand("helm install upvalues " + chart + " --namespace " + ns +
                                   " --create-namespace --wait=false -f " + kUpstreamValues + c.values + " 2>&1",
                               &out),
                0)
          << c.name << ": " << out << hook.output();
      EXPECT_EQ(hook.runs(), 1) << c.name << ": " << hook.output();
    }
    EXPECT_NE(out.find("this chart's own operator image runs instead"), std::string::npos) << out;
    EXPECT_EQ(env.RigCommand("helm uninstall upvalues --namespace " + ns + " 2>&1", &out), 0) << out;
  }
  EXPECT_EQ(env.RigCommand("kubectl delete node upstream-values-0 --wait=false"), 0);
}

}  // namespace
