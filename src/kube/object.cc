#include "kube/object.h"

#include <nlohmann/json.hpp>

#include "kube/json_decode.h"

namespace kube {

const OwnerReference* ObjectMeta::ControllerOwner() const {
  for (const auto& ref : owner_references) {
    if (ref.controller) return &ref;
  }
  return nullptr;
}

std::string ObjectKey(std::string_view ns, std::string_view name) {
  if (ns.empty()) return std::string(name);
  std::string key;
  key.reserve(ns.size() + 1 + name.size());
  key.append(ns).append("/").append(name);
  return key;
}

std::string Object::Key() const { return ObjectKey(meta_.namespace_, meta_.name); }

Result<Object> Object::FromJson(std::string json) { return DecodeObject(std::move(json)); }

Result<Object> Object::FromTree(const nlohmann::json& tree) { return DecodeObject(tree.dump()); }

nlohmann::json Object::Tree() const { return nlohmann::json::parse(json_, nullptr, /*allow_exceptions=*/false); }

std::map<std::string, std::string> Object::Labels() const { return DecodeLabels(json_); }

}  // namespace kube
