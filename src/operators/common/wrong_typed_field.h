// FindWrongTypedField: which field of a spec holds a value of a type the
// renderer cannot take. A renderer reads a spec through JSON accessors that
// throw on a wrong type without saying where; this finds the field by
// rendering again without each member in turn and descending into the member
// whose removal lets the render through, preferring one whose removal makes it
// succeed over one whose removal only turns the throw into another error.
// Used on the error path only (it renders once per member on the way down).
//
// Stateless; `render` is called from the calling thread only.
#ifndef OPERATORS_COMMON_WRONG_TYPED_FIELD_H_
#define OPERATORS_COMMON_WRONG_TYPED_FIELD_H_

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace operators {

// What rendering a candidate spec came to.
enum class RenderOutcome { kThrows, kFails, kSucceeds };

// The path of the wrong-typed field below `value`, in dots and brackets ("driver.env[1].value");
// nullopt when no removal lets the render through.
std::optional<std::string> FindWrongTypedField(const nlohmann::json& value,
                                               const std::function<RenderOutcome(const nlohmann::json&)>& render);

}  // namespace operators

#endif  // OPERATORS_COMMON_WRONG_TYPED_FIELD_H_
