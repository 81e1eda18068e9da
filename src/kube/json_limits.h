// Bounds on the JSON the runtime and the operators take from outside.
//
// Objects from the API server, configuration files, CNI requests and daemon
// answers are all untrusted: a document nested a hundred thousand levels deep
// would overflow the stack of any code that walks it recursively (copies,
// comparisons, serialization). Everything parsed into a tree goes through
// ParseJson, which measures the nesting first, in one pass without recursion,
// and refuses documents deeper than the limit with a clear message.
// Stateless; safe from any thread.
#ifndef KUBE_JSON_LIMITS_H_
#define KUBE_JSON_LIMITS_H_

#include <cstddef>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "kube/status.h"

namespace kube {

// The deepest nesting of arrays and objects taken into a tree. Far beyond any
// real Kubernetes object (a Pod is about 15 levels), far within what a thread's
// stack holds while a tree is copied.
inline constexpr int kMaxNestingDepth = 512;

// The deepest nesting of arrays and objects in `json`, counted in one pass
// (strings skipped; the text need not be valid JSON).
[[nodiscard]] int NestingDepth(std::string_view json);

// Parses `text` as one JSON document. InvalidArgument when it is not JSON
// ("is not valid JSON (<the parser's position and reason>)"), or nested deeper
// than `max_depth`; the messages read after a field name.
[[nodiscard]] Result<nlohmann::json> ParseJson(std::string_view text, int max_depth = kMaxNestingDepth);
[[nodiscard]] Result<nlohmann::ordered_json> ParseOrderedJson(std::string_view text,
                                                              int max_depth = kMaxNestingDepth);

}  // namespace kube

#endif  // KUBE_JSON_LIMITS_H_
