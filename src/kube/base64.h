// Base64 of the standard alphabet, as kubeconfig data fields, Secrets and
// registry credentials carry it. Pure; thread-safe.
#ifndef KUBE_BASE64_H_
#define KUBE_BASE64_H_

#include <string>

#include "kube/status.h"

namespace kube {

// The bytes `in` encodes (line breaks and spaces ignored); InvalidArgument naming `what` otherwise.
[[nodiscard]] Result<std::string> Base64Decode(const std::string& in, const std::string& what);

// `bytes` encoded, padded, on one line.
[[nodiscard]] std::string Base64Encode(const std::string& bytes);

}  // namespace kube

#endif  // KUBE_BASE64_H_
