// What the node agent changes on its Node: the labels discovery found, set
// where missing or different; the labels it set before and no longer finds,
// removed; and the list of the labels it owns, kept in an annotation so
// that it never touches a label it did not write. A label someone else set
// to another value is left alone and reported.
#ifndef DISCOVERY_AGENT_LABEL_PLAN_H_
#define DISCOVERY_AGENT_LABEL_PLAN_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace discovery {

// The labels the agent wrote, comma-separated.
inline constexpr const char* kOwnedLabelsAnnotation = "node-agent.accelops.io/labels";

struct LabelPlan {
  std::map<std::string, std::optional<std::string>> labels;  // nullopt: remove
  std::optional<std::string> owned;                          // the annotation's new value, when it changes
  std::vector<std::string> foreign;                          // discovered labels held by someone else's value
  bool empty() const { return labels.empty() && !owned; }
};

// `owned` is the annotation's current value ("" when absent).
LabelPlan PlanAgentLabels(const std::map<std::string, std::string>& current, const std::string& owned,
                          const std::map<std::string, std::string>& desired);

}  // namespace discovery

#endif  // DISCOVERY_AGENT_LABEL_PLAN_H_
