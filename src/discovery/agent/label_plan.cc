#include "agent/label_plan.h"

#include <set>
#include <sstream>

namespace discovery {

LabelPlan PlanAgentLabels(const std::map<std::string, std::string>& current, const std::string& owned,
                          const std::map<std::string, std::string>& desired) {
  std::set<std::string> mine;
  std::istringstream in(owned);
  for (std::string key; std::getline(in, key, ',');) {
    if (!key.empty()) mine.insert(key);
  }
  LabelPlan plan;
  std::set<std::string> now_mine;
  for (const auto& [key, value] : desired) {
    auto it = current.find(key);
    if (it == current.end()) {
      plan.labels[key] = value;
    } else if (it->second != value) {
      if (!mine.count(key)) {
        plan.foreign.push_back(key);
        continue;
      }
      plan.labels[key] = value;
    }
    now_mine.insert(key);
  }
  for (const auto& key : mine) {
    if (!now_mine.count(key) && !desired.count(key) && current.count(key)) plan.labels[key] = std::nullopt;
  }
  std::string list;
  for (const auto& key : now_mine) list += (list.empty() ? "" : ",") + key;
  if (list != owned) plan.owned = list;
  return plan;
}

}  // namespace discovery
