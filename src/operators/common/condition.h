// metav1.Condition as operators write them: the previous lastTransitionTime
// is kept while a condition's status does not change, so an unchanged
// object gets an identical status (and no write).
#ifndef OPERATORS_COMMON_CONDITION_H_
#define OPERATORS_COMMON_CONDITION_H_

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace operators {

// `previous` is the object's current status (or null); `now` an RFC 3339 time.
nlohmann::json MakeCondition(const std::string& type, bool ok, const std::string& reason, const std::string& message,
                             int64_t generation, const nlohmann::json& previous, const std::string& now);

}  // namespace operators

#endif  // OPERATORS_COMMON_CONDITION_H_
