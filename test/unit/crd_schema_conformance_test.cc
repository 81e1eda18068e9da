// Our CRDs against upstream's (test/conformance/upstream/crds/, the v26.7
// line): both schemas are walked side by side, and every validation or
// default upstream has that ours lacks or has differently (a field ours does
// not take, a required field, a pattern, an enum, a bound, a default, a CEL
// rule, a printer column, a short name) is a gap. Each gap must be listed in
// test/conformance/crd-differences.yaml, as deliberate (with the reason) or
// pending (open work); an unlisted gap, or a listed one that is gone, fails.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "kube/yaml.h"

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::string kSource = ACCELOPS_SOURCE_DIR;

std::string Read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every CRD in the YAML files under `dirs` (recursively), by name.
std::map<std::string, json> Crds(const std::vector<std::string>& dirs) {
  std::map<std::string, json> out;
  for (const auto& dir : dirs) {
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (e.path().extension() != ".yaml") continue;
      const std::string text = Read(e.path());
      // State templates hold mustache tags; the CRDs among them are plain YAML.
      if (text.find("kind: CustomResourceDefinition") == std::string::npos) continue;
      auto docs = kube::ParseYamlDocuments(text);
      EXPECT_TRUE(docs.ok()) << e.path() << ": " << docs.status().ToString();
      if (!docs.ok()) continue;
      for (const auto& d : *docs) {
        if (d.is_object() && d.value("kind", "") == "CustomResourceDefinition") out[d["metadata"]["name"]] = d;
      }
    }
  }
  return out;
}

// What a schema node says about its value, keyword by keyword.
const char* const kKeywords[] = {"type",      "format",    "pattern",          "enum",
                                 "minimum",   "maximum",   "exclusiveMinimum", "exclusiveMaximum",
                                 "minLength", "maxLength", "minItems",         "maxItems",
                                 "minProperties", "maxProperties", "default", "x-kubernetes-int-or-string",
                                 "x-kubernetes-list-type", "x-kubernetes-map-type"};

class Walker {
 public:
  explicit Walker(std::string crd) : crd_(std::move(crd)) {}

  void Walk(const json& up, const json& ours, const std::string& path) {
    if (!up.is_object()) return;
    if (!ours.is_object()) {
      Gap(path, "field", "upstream takes it, ours does not");
      return;
    }
    for (const char* k : kKeywords) {
      if (!up.contains(k)) continue;
      if (!ours.contains(k)) {
        Gap(path, k, "upstream " + up[k].dump() + ", ours none");
      } else if (!Same(k, up[k], ours[k])) {
        Gap(path, k, "upstream " + up[k].dump() + ", ours " + ours[k].dump());
      }
    }
    std::set<std::string> required;
    for (const auto& r : ours.value("required", json::array())) required.insert(r.get<std::string>());
    for (const auto& r : up.value("required", json::array())) {
      if (!required.count(r.get<std::string>())) Gap(path, "required", r.get<std::string>());
    }
    std::set<std::string> rules;
    for (const auto& v : ours.value("x-kubernetes-validations", json::array())) rules.insert(v.value("rule", ""));
    for (const auto& v : up.value("x-kubernetes-validations", json::array())) {
      if (!rules.count(v.value("rule", ""))) Gap(path, "x-kubernetes-validations", v.value("rule", ""));
    }
    // Ours keeping unknown fields takes everything upstream declares below.
    if (ours.value("x-kubernetes-preserve-unknown-fields", false) && !ours.contains("properties")) return;
    const json properties = up.value("properties", json::object());
    for (const auto& [name, sub] : properties.items()) {
      const json child = ours.contains("properties") && ours["properties"].contains(name) ? ours["properties"][name] : json();
      Walk(sub, child, path + "." + name);
    }
    if (up.contains("items")) Walk(up["items"], ours.value("items", json()), path + "[]");
    if (up.contains("additionalProperties") && up["additionalProperties"].is_object()) {
      Walk(up["additionalProperties"], ours.value("additionalProperties", json()), path + "{}");
    }
  }

  void Version(const json& up, const json& ours) {
    const std::string v = up.value("name", "");
    if (!ours.is_object()) {
      Gap(v, "version", "upstream serves it, ours does not");
      return;
    }
    if (up.value("served", false) != ours.value("served", false)) Gap(v, "served", up["served"].dump());
    if (up.value("storage", false) != ours.value("storage", false)) Gap(v, "storage", up["storage"].dump());
    std::set<std::string> columns;
    for (const auto& c : ours.value("additionalPrinterColumns", json::array())) columns.insert(c.value("name", ""));
    for (const auto& c : up.value("additionalPrinterColumns", json::array())) {
      if (!columns.count(c.value("name", ""))) Gap(v, "printer-column", c.value("name", ""));
    }
    if (up.contains("subresources") && up["subresources"] != ours.value("subresources", json())) {
      Gap(v, "subresources", up["subresources"].dump());
    }
    Walk(up["schema"]["openAPIV3Schema"], ours.contains("schema") ? ours["schema"]["openAPIV3Schema"] : json(), v);
  }

  std::vector<std::string> gaps;

 private:
  static bool Same(const std::string& keyword, const json& a, const json& b) {
    if (keyword == "enum") {
      std::set<std::string> x, y;
      for (const auto& e : a) x.insert(e.dump());
      for (const auto& e : b) y.insert(e.dump());
      return x == y;
    }
    return a == b;
  }
  void Gap(const std::string& path, const std::string& keyword, const std::string& what) {
    gaps.push_back(crd_ + " " + path + " " + keyword + ": " + what);
  }
  std::string crd_;
};

TEST(CrdSchemaConformance, EveryValidationAndDefaultUpstreamHasIsOursOrListed) {
  const auto upstream = Crds({kSource + "/test/conformance/upstream/crds"});
  const auto ours = Crds({kSource + "/deploy/network-operator/chart/crds", kSource + "/deploy/gpu-operator/chart/crds",
                          kSource + "/manifests/network-operator"});
  ASSERT_FALSE(upstream.empty());

  // Every gap, as "crd path keyword: what".
  std::vector<std::string> gaps;
  for (const auto& [name, up] : upstream) {
    Walker w(name);
    auto it = ours.find(name);
    if (it == ours.end()) {
      gaps.push_back(name + " - crd: upstream serves it, ours does not");
      continue;
    }
    const json& o = it->second;
    std::set<std::string> short_names;
    for (const auto& s : o["spec"]["names"].value("shortNames", json::array())) short_names.insert(s);
    for (const auto& s : up["spec"]["names"].value("shortNames", json::array())) {
      if (!short_names.count(s)) gaps.push_back(name + " - short-name: " + s.get<std::string>());
    }
    if (up["spec"].value("scope", "") != o["spec"].value("scope", "")) gaps.push_back(name + " - scope: differs");
    for (const auto& v : up["spec"]["versions"]) {
      json mine;
      for (const auto& candidate : o["spec"]["versions"]) {
        if (candidate.value("name", "") == v.value("name", "")) mine = candidate;
      }
      w.Version(v, mine);
    }
    gaps.insert(gaps.end(), w.gaps.begin(), w.gaps.end());
  }

  // The listed ones: "crd path keyword: what" -> deliberate (a reason) or pending.
  auto listed = kube::ParseYamlDocument(Read(kSource + "/test/conformance/crd-differences.yaml"));
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  std::map<std::string, std::string> known;
  for (const auto& entry : (*listed).value("deliberate", json::array())) {
    ASSERT_TRUE(entry.contains("gap") && entry.contains("reason")) << entry.dump();
    known[entry["gap"]] = "deliberate";
  }
  for (const auto& entry : (*listed).value("pending", json::array())) known[entry.get<std::string>()] = "pending";

  std::string unlisted, stale;
  std::set<std::string> found(gaps.begin(), gaps.end());
  int deliberate = 0, pending = 0;
  for (const auto& g : found) {
    auto it = known.find(g);
    if (it == known.end()) {
      unlisted += "\n  - " + json(g).dump();
    } else {
      (it->second == "deliberate" ? deliberate : pending)++;
    }
  }
  for (const auto& [g, kind] : known) {
    if (!found.count(g)) stale += "\n  " + g;
  }
  EXPECT_TRUE(unlisted.empty()) << "gaps to fix or to list in test/conformance/crd-differences.yaml:" << unlisted;
  EXPECT_TRUE(stale.empty()) << "listed gaps that are gone (remove them from the list):" << stale;
  std::printf("CRDs: %zu upstream CRDs, %zu gaps: %d deliberate, %d pending\n", upstream.size(), found.size(),
              deliberate, pending);
}

// Every schema node of our CRDs holds only JSONSchemaProps keywords: a description with an
// unquoted comma in a YAML flow mapping turns its tail into a key, which the API server's
// server-side apply then refuses ("field not declared in schema").
void CheckKeywords(const json& schema, const std::string& path, std::vector<std::string>& bad) {
  static const std::set<std::string> kProps = {
      "type", "format", "description", "properties", "items", "additionalProperties", "required", "enum",
      "default", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
      "pattern", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties", "anyOf", "allOf",
      "oneOf", "not", "nullable", "title", "example", "multipleOf", "x-kubernetes-preserve-unknown-fields",
      "x-kubernetes-int-or-string", "x-kubernetes-embedded-resource", "x-kubernetes-list-type",
      "x-kubernetes-list-map-keys", "x-kubernetes-map-type", "x-kubernetes-validations"};
  if (!schema.is_object()) return;
  for (const auto& [key, value] : schema.items()) {
    if (!kProps.count(key)) bad.push_back(path + ": " + json(key).dump());
  }
  const json properties = schema.value("properties", json::object());
  for (const auto& [name, sub] : properties.items()) CheckKeywords(sub, path + "." + name, bad);
  if (schema.contains("items")) CheckKeywords(schema["items"], path + "[]", bad);
  if (schema.contains("additionalProperties") && schema["additionalProperties"].is_object()) {
    CheckKeywords(schema["additionalProperties"], path + "{}", bad);
  }
  for (const char* list : {"anyOf", "allOf", "oneOf"}) {
    const json alternatives = schema.value(list, json::array());
    for (const auto& sub : alternatives) CheckKeywords(sub, path + "|", bad);
  }
}

TEST(CrdSchemaConformance, OurSchemasHoldOnlySchemaKeywords) {
  const auto ours = Crds({kSource + "/deploy/network-operator/chart/crds", kSource + "/deploy/gpu-operator/chart/crds",
                          kSource + "/manifests/network-operator", kSource + "/manifests/gpu-operator"});
  ASSERT_GT(ours.size(), 10u);
  std::vector<std::string> bad;
  for (const auto& [name, crd] : ours) {
    const json versions = crd["spec"].value("versions", json::array());
    for (const auto& v : versions) {
      if (v.contains("schema")) CheckKeywords(v["schema"]["openAPIV3Schema"], name + " " + v.value("name", ""), bad);
    }
  }
  std::string list;
  for (const auto& b : bad) list += "\n  " + b;
  EXPECT_TRUE(bad.empty()) << "keys that are no schema keyword:" << list;
}

}  // namespace
