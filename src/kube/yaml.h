// YAML read into JSON trees, typed as Kubernetes reads YAML: quoted and block
// scalars are strings; plain true/false/yes/no/on/off, null and ~, integers
// and floats become JSON values; every other plain scalar is a string.
//
// The parser (libfyaml's event stream) is driven without recursion, and the
// input is bounded in size and nesting, so a hostile file can neither exhaust
// the stack nor make the parser allocate without bound. Aliases are refused:
// none of the files read here needs them, and they are how a small file
// expands into a huge tree. Stateless; safe from any thread.
#ifndef KUBE_YAML_H_
#define KUBE_YAML_H_

#include <cstddef>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kube/json_limits.h"
#include "kube/status.h"

namespace kube {

struct YamlLimits {
  size_t max_bytes = size_t{16} << 20;  // 16 MiB
  int max_depth = kMaxNestingDepth;
};

// Every document of `text`; an empty document is a null.
[[nodiscard]] Result<std::vector<nlohmann::json>> ParseYamlDocuments(std::string_view text,
                                                                     const YamlLimits& limits = {});

// Exactly one document.
[[nodiscard]] Result<nlohmann::json> ParseYamlDocument(std::string_view text, const YamlLimits& limits = {});

// The JSON value of a plain (unquoted) YAML scalar, as Kubernetes types it.
[[nodiscard]] nlohmann::json PlainScalarValue(std::string_view text);

}  // namespace kube

#endif  // KUBE_YAML_H_
