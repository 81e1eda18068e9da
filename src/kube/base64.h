// Base64 decoding of the standard alphabet, as kubeconfig data fields and
// Secrets carry it. Pure; thread-safe.
#ifndef KUBE_BASE64_H_
#define KUBE_BASE64_H_

#include <string>

#include "kube/status.h"

namespace kube {

// The bytes `in` encodes (line breaks and spaces ignored); InvalidArgument naming `what` otherwise.
[[nodiscard]] Result<std::string> Base64Decode(const std::string& in, const std::string& what);

}  // namespace kube

#endif  // KUBE_BASE64_H_
