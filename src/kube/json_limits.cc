#include "kube/json_limits.h"

#include <string>

#include <nlohmann/json.hpp>

namespace kube {
namespace {

template <typename Json>
Result<Json> Parse(std::string_view text, int max_depth) {
  const int depth = NestingDepth(text);
  if (depth > max_depth) {
    return Status(Code::kInvalidArgument, "is nested " + std::to_string(depth) + " levels deep; at most " +
                                              std::to_string(max_depth) + " are taken");
  }
  try {
    return Json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // nlohmann's message reads "[json.exception.parse_error.101] parse error at line 1, column 2: ...".
    std::string what = e.what();
    if (const auto pos = what.find("] "); what.rfind("[json.exception", 0) == 0 && pos != std::string::npos) {
      what.erase(0, pos + 2);
    }
    return Status(Code::kInvalidArgument, "is not valid JSON (" + what + ")");
  }
}

}  // namespace

int NestingDepth(std::string_view json) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : json) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '[':
      case '{':
        if (++depth > deepest) deepest = depth;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default: break;
    }
  }
  return deepest;
}

Result<nlohmann::json> ParseJson(std::string_view text, int max_depth) { return Parse<nlohmann::json>(text, max_depth); }

Result<nlohmann::ordered_json> ParseOrderedJson(std::string_view text, int max_depth) {
  return Parse<nlohmann::ordered_json>(text, max_depth);
}

}  // namespace kube
