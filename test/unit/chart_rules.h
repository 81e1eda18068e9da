// What a chart's ClusterRole or Role grants, read from its template (the
// lines Helm fills in left out), and whether a rule covers a permission: for
// the tests that hold every Role and ClusterRole an operator renders to what
// its chart lets it grant (Kubernetes lets a ServiceAccount grant only
// permissions it holds).
#ifndef TEST_UNIT_CHART_RULES_H_
#define TEST_UNIT_CHART_RULES_H_

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/config.h"
#include "manifests/renderer.h"

namespace chart_rules {

// The rules of every object of `kind` in the chart template `path` (below the source tree).
inline std::vector<nlohmann::json> Read(const std::string& path, const std::string& kind) {
  auto text = kube::ReadFile(std::string(ACCELOPS_SOURCE_DIR) + "/" + path);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  std::string plain;
  std::istringstream lines(text.ok() ? *text : "");
  for (std::string line; std::getline(lines, line);) {
    if (line.find("{{") == std::string::npos) plain += line + "\n";
  }
  auto objects = manifests::YamlToObjects(plain);
  EXPECT_TRUE(objects.ok()) << objects.status().ToString();
  std::vector<nlohmann::json> rules;
  for (const auto& o : objects.ok() ? *objects : std::vector<nlohmann::json>{}) {
    if (o.value("kind", "") != kind) continue;
    for (const auto& r : o.value("rules", nlohmann::json::array())) rules.push_back(r);
  }
  return rules;
}

inline bool Covers(const std::vector<nlohmann::json>& rules, const std::string& group, const std::string& resource,
                   const std::string& verb) {
  auto has = [](const nlohmann::json& list, const std::string& v) {
    for (const auto& x : list) {
      if (x == "*" || x == v) return true;
    }
    return false;
  };
  for (const auto& r : rules) {
    if (has(r.value("apiGroups", nlohmann::json::array()), group) &&
        has(r.value("resources", nlohmann::json::array()), resource) &&
        has(r.value("verbs", nlohmann::json::array()), verb)) {
      return true;
    }
  }
  return false;
}

// Checks every rule of the rendered Roles and ClusterRoles in `objects` (of `state`) against the
// chart's `cluster` rules (and, for a Role, `cluster` plus `namespaced`). Returns how many
// permissions were checked.
inline int ExpectHeld(const std::string& state, const std::vector<nlohmann::json>& objects,
                      const std::vector<nlohmann::json>& cluster, const std::vector<nlohmann::json>& namespaced) {
  auto both = cluster;
  both.insert(both.end(), namespaced.begin(), namespaced.end());
  int checked = 0;
  for (const auto& o : objects) {
    const std::string kind = o.value("kind", "");
    if (kind != "ClusterRole" && kind != "Role") continue;
    for (const auto& rule : o.value("rules", nlohmann::json::array())) {
      for (const auto& g : rule.value("apiGroups", nlohmann::json::array())) {
        for (const auto& res : rule.value("resources", nlohmann::json::array())) {
          for (const auto& v : rule.value("verbs", nlohmann::json::array())) {
            ++checked;
            EXPECT_TRUE(Covers(kind == "Role" ? both : cluster, g, res, v))
                << state << " " << kind << " " << o["metadata"].value("name", "") << " grants " << v << " on "
                << (g.get<std::string>().empty() ? "core" : g.get<std::string>()) << "/" << res.get<std::string>()
                << ", which the chart's " << (kind == "Role" ? "Role and ClusterRole do" : "ClusterRole does")
                << " not hold";
          }
        }
      }
    }
  }
  return checked;
}

}  // namespace chart_rules

#endif  // TEST_UNIT_CHART_RULES_H_
