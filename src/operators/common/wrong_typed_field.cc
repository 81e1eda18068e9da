#include "wrong_typed_field.h"

#include <vector>

#include <nlohmann/json.hpp>

namespace operators {
namespace {

using nlohmann::json;

struct Child {
  std::string key;   // object member name; empty for an array element
  size_t index = 0;  // array element
};

// The children of `node` in order: members by name, elements by position.
std::vector<Child> ChildrenOf(const json& node) {
  std::vector<Child> out;
  if (node.is_object()) {
    for (const auto& [key, unused] : node.items()) out.push_back({key, 0});
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) out.push_back({"", i});
  }
  return out;
}

// Renders `probe` with the child removed from `node` (a node inside `probe`), then puts it back.
RenderOutcome WithoutChild(json& probe, json& node, const Child& child,
                           const std::function<RenderOutcome(const json&)>& render) {
  if (node.is_object()) {
    json saved = std::move(node[child.key]);
    node.erase(child.key);
    const RenderOutcome outcome = render(probe);
    node[child.key] = std::move(saved);
    return outcome;
  }
  json saved = std::move(node[child.index]);
  node.erase(child.index);
  const RenderOutcome outcome = render(probe);
  node.insert(node.begin() + static_cast<std::ptrdiff_t>(child.index), std::move(saved));
  return outcome;
}

}  // namespace

std::optional<std::string> FindWrongTypedField(const json& value,
                                               const std::function<RenderOutcome(const json&)>& render) {
  json probe = value;
  json::json_pointer at;
  std::string path;
  for (;;) {
    json& node = probe.at(at);
    std::optional<Child> chosen;
    for (const auto& child : ChildrenOf(node)) {
      const RenderOutcome outcome = WithoutChild(probe, node, child, render);
      if (outcome == RenderOutcome::kThrows) continue;
      if (!chosen || outcome == RenderOutcome::kSucceeds) chosen = child;
      if (outcome == RenderOutcome::kSucceeds) break;
    }
    if (!chosen) break;
    if (node.is_object()) {
      at /= chosen->key;
      path += (path.empty() ? "" : ".") + chosen->key;
    } else {
      at /= chosen->index;
      path += "[" + std::to_string(chosen->index) + "]";
    }
  }
  if (path.empty()) return std::nullopt;
  return path;
}

}  // namespace operators
