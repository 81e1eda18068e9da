// The status a reconciler last wrote on a user's object, read on its own: an
// object whose spec is refused (nested too deep to walk) still has a status
// to compare with and to write. Pure; thread-safe.
#ifndef OPERATORS_COMMON_STORED_STATUS_H_
#define OPERATORS_COMMON_STORED_STATUS_H_

#include <nlohmann/json.hpp>

#include "kube/object.h"

namespace common {

// The object's status, or {} when it has none or it cannot be read.
inline nlohmann::json StoredStatus(const kube::Object& object) {
  auto status = object.MemberTree("/status");
  return status.ok() && status->is_object() ? std::move(*status) : nlohmann::json::object();
}

}  // namespace common

#endif  // OPERATORS_COMMON_STORED_STATUS_H_
