// Typed reads of the members of a JSON object taken from outside (a store
// file, a CNI configuration, a daemon request, a configuration file). A member
// of the wrong type, or a number out of its range, never throws and never
// wraps around: it reads as the fallback and the first such problem is kept,
// naming the field, for the caller to return. Not thread-safe (one reader per
// thread); the object must outlive the reader.
#ifndef KUBE_JSON_FIELDS_H_
#define KUBE_JSON_FIELDS_H_

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "kube/status.h"

namespace kube {

class JsonFields {
 public:
  // `path` names `object` in messages ("ipam", "store entry a/b"); empty for a top-level document.
  // A null object reads as empty; any other non-object is an error.
  JsonFields(const nlohmann::json& object, std::string path, Code code = Code::kInvalidArgument);

  bool Has(const char* key) const;
  std::string String(const char* key, std::string fallback = "");
  bool Bool(const char* key, bool fallback);
  // An integer from `min` to `max` (JSON floats such as 1.5 or 2.4e28 are not integers).
  int64_t Int(const char* key, int64_t fallback, int64_t min, int64_t max);
  std::optional<int64_t> OptionalInt(const char* key, int64_t min, int64_t max);
  // The member when it is an object (or an array); an empty one when absent or of another type.
  const nlohmann::json& Object(const char* key);
  const nlohmann::json& Array(const char* key);

  // "<path>.<key>", or "<key>" at the top.
  std::string Field(const char* key) const;
  // Records a problem with `key` (the first one is kept).
  void Fail(const char* key, const std::string& problem);

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

 private:
  const nlohmann::json* Find(const char* key) const;

  const nlohmann::json& object_;
  std::string path_;
  Code code_;
  Status status_;
};

}  // namespace kube

#endif  // KUBE_JSON_FIELDS_H_
