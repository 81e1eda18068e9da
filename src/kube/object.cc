#include "kube/object.h"

#include <nlohmann/json.hpp>

#include "kube/json_decode.h"
#include "kube/json_limits.h"

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

Status Object::CheckNesting() const {
  const int depth = NestingDepth(json_);
  if (depth <= kMaxNestingDepth) return Status::Ok();
  return Status(Code::kInvalidArgument, "the object is nested " + std::to_string(depth) + " levels deep; at most " +
                                            std::to_string(kMaxNestingDepth) + " are taken");
}

nlohmann::json Object::Tree() const {
  if (!CheckNesting().ok()) return nlohmann::json(nlohmann::json::value_t::discarded);
  return nlohmann::json::parse(json_, nullptr, /*allow_exceptions=*/false);
}

Result<nlohmann::json> Object::MemberTree(std::string_view pointer) const {
  const std::string text = MemberAt(json_, pointer);
  if (text.empty()) return nlohmann::json();
  auto tree = ParseJson(text);
  if (!tree.ok()) return Status(tree.status().code(), std::string(pointer) + " " + tree.status().message());
  return tree;
}

nlohmann::json Object::StatusTree() const {
  auto status = MemberTree("/status");
  return status.ok() && status->is_object() ? std::move(*status) : nlohmann::json::object();
}

std::string Object::CreationTimestamp() const {
  auto stamp = MemberTree("/metadata/creationTimestamp");
  return stamp.ok() && stamp->is_string() ? stamp->get<std::string>() : "";
}

std::map<std::string, std::string> Object::Labels() const { return DecodeLabels(json_); }

}  // namespace kube
