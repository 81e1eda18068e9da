#include "kube/json_fields.h"

namespace kube {
namespace {

const nlohmann::json& EmptyObject() {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  return kEmpty;
}

const nlohmann::json& EmptyArray() {
  static const nlohmann::json kEmpty = nlohmann::json::array();
  return kEmpty;
}

}  // namespace

JsonFields::JsonFields(const nlohmann::json& object, std::string path, Code code)
    : object_(object), path_(std::move(path)), code_(code) {
  if (!object_.is_object() && !object_.is_null()) {
    status_ = Status(code_, (path_.empty() ? std::string("the document") : path_) + " must be an object");
  }
}

const nlohmann::json* JsonFields::Find(const char* key) const {
  if (!object_.is_object()) return nullptr;
  const auto it = object_.find(key);
  return it == object_.end() || it->is_null() ? nullptr : &*it;
}

bool JsonFields::Has(const char* key) const { return Find(key) != nullptr; }

std::string JsonFields::Field(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

void JsonFields::Fail(const char* key, const std::string& problem) {
  if (status_.ok()) status_ = Status(code_, Field(key) + " " + problem);
}

std::string JsonFields::String(const char* key, std::string fallback) {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return fallback;
  if (!v->is_string()) {
    Fail(key, "must be a string, not " + std::string(v->type_name()));
    return fallback;
  }
  return v->get<std::string>();
}

bool JsonFields::Bool(const char* key, bool fallback) {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return fallback;
  if (!v->is_boolean()) {
    Fail(key, "must be true or false, not " + std::string(v->type_name()));
    return fallback;
  }
  return v->get<bool>();
}

std::optional<int64_t> JsonFields::OptionalInt(const char* key, int64_t min, int64_t max) {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return std::nullopt;
  const std::string range = "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (v->is_number_unsigned()) {
    const uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(max) || (min > 0 && u < static_cast<uint64_t>(min))) {
      Fail(key, range + ", not " + v->dump());
      return std::nullopt;
    }
    return static_cast<int64_t>(u);
  }
  if (v->is_number_integer()) {
    const int64_t i = v->get<int64_t>();
    if (i < min || i > max) {
      Fail(key, range + ", not " + v->dump());
      return std::nullopt;
    }
    return i;
  }
  Fail(key, range + ", not " + (v->is_number() ? v->dump() : std::string(v->type_name())));
  return std::nullopt;
}

int64_t JsonFields::Int(const char* key, int64_t fallback, int64_t min, int64_t max) {
  return OptionalInt(key, min, max).value_or(fallback);
}

const nlohmann::json& JsonFields::Object(const char* key) {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return EmptyObject();
  if (!v->is_object()) {
    Fail(key, "must be an object, not " + std::string(v->type_name()));
    return EmptyObject();
  }
  return *v;
}

const nlohmann::json& JsonFields::Array(const char* key) {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return EmptyArray();
  if (!v->is_array()) {
    Fail(key, "must be a list, not " + std::string(v->type_name()));
    return EmptyArray();
  }
  return *v;
}

}  // namespace kube
