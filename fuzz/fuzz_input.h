// What every fuzz target shares: the input as text, and a check that a parser
// answered with a value or a clear message (a Status with text), never with a
// crash, a hang or an exception.
#ifndef FUZZ_FUZZ_INPUT_H_
#define FUZZ_FUZZ_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "kube/status.h"

namespace fuzz {

inline std::string Text(const uint8_t* data, size_t size) { return std::string(reinterpret_cast<const char*>(data), size); }

// A refused input must say why.
inline void ExpectExplained(const kube::Status& status) {
  if (!status.ok() && status.message().empty()) std::abort();
}

template <typename T>
void ExpectExplained(const kube::Result<T>& result) {
  if (!result.ok()) ExpectExplained(result.status());
}

}  // namespace fuzz

#endif  // FUZZ_FUZZ_INPUT_H_
