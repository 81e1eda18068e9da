// The check every image reference an operator deploys passes: the grammar the
// container runtimes accept ([registry[:port]/]path[:tag][@digest], path
// components in lower case, a name of at most 255 characters). A reference
// that fails would render a pod that can never pull; it is refused with the
// field named instead. Pure; thread-safe.
#ifndef OPERATORS_COMMON_IMAGE_REFERENCE_CHECK_H_
#define OPERATORS_COMMON_IMAGE_REFERENCE_CHECK_H_

#include <string>

#include "kube/status.h"

namespace common {

// Ok, or InvalidArgument "<field>: "<reference>" is not an image reference (...)".
[[nodiscard]] kube::Status CheckImageReference(const std::string& field, const std::string& reference);

}  // namespace common

#endif  // OPERATORS_COMMON_IMAGE_REFERENCE_CHECK_H_
