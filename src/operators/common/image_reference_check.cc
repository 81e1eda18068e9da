#include "image_reference_check.h"

#include <re2/re2.h>

namespace common {

kube::Status CheckImageReference(const std::string& field, const std::string& reference) {
  // As the distribution project's reference grammar spells it.
  static const RE2 kReference(
      "(?:((?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*"
      "(?::[0-9]+)?)/)?"
      "([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
      "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
      "(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?");
  std::string registry, path;
  if (!RE2::FullMatch(reference, kReference, &registry, &path)) {
    return kube::Status(kube::Code::kInvalidArgument,
                        field + ": " + kube::Quoted(reference) +
                            " is not an image reference ([registry[:port]/]path[:tag][@digest], the path in lower case)");
  }
  if (registry.size() + 1 + path.size() > 255) {
    return kube::Status(kube::Code::kInvalidArgument,
                        field + ": " + kube::Quoted(reference) + " names an image longer than 255 characters");
  }
  return kube::Status::Ok();
}

}  // namespace common
