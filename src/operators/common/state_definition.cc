#include "state_definition.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "manifests/renderer.h"

namespace operators {

kube::Status CheckStateKinds(const std::string& state, const std::vector<std::string>& kinds,
                             const std::vector<nlohmann::json>& objects) {
  for (const auto& object : objects) {
    const std::string kind = object.is_object() ? object.value("kind", "") : "";
    if (std::find(kinds.begin(), kinds.end(), kind) != kinds.end()) continue;
    std::string declared;
    for (const auto& k : kinds) declared += (declared.empty() ? "" : ", ") + k;
    const std::string name = object.is_object() && object.contains("metadata") && object["metadata"].is_object()
                                 ? object["metadata"].value("name", "")
                                 : "";
    return kube::Status(kube::Code::kInvalid, state + " renders " + (kind.empty() ? "an object without a kind" : "a " + kind) +
                                                  (name.empty() ? "" : " \"" + name + "\"") +
                                                  ", which is not among the kinds it creates (" + declared + ")");
  }
  return kube::Status::Ok();
}

kube::Result<std::vector<nlohmann::json>> RenderStateTemplates(const StateBase& state, const nlohmann::json& context) {
  if (state.manifests.empty()) return std::vector<nlohmann::json>{};  // a state upstream has but ships nothing for
  auto objects = manifests::RenderDirectory(manifests::ManifestRoot() + "/" + state.manifests, context);
  if (!objects.ok()) return objects.status();
  KUBE_RETURN_IF_ERROR(CheckStateKinds(state.name, state.kinds, *objects));
  return objects;
}

}  // namespace operators
