// 32-bit FNV-1a, the hash upstream uses for revisions and driver DaemonSet
// names; kept the same so an upstream installation's objects are adopted.
#ifndef OPERATORS_COMMON_FNV_HASH_H_
#define OPERATORS_COMMON_FNV_HASH_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace operators {

inline uint32_t Fnv32(std::string_view text) {
  uint32_t h = 2166136261u;
  for (unsigned char c : text) h = (h ^ c) * 16777619u;
  return h;
}

// The hash spelled as upstream names driver DaemonSets: the decimal digits of
// the FNV-1a, each mapped as Kubernetes' rand.SafeEncodeString maps a
// character (to one of 27 consonants and digits, so no word is formed).
inline std::string Fnv32SafeEncoded(std::string_view text) {
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string out = std::to_string(Fnv32(text));
  for (char& c : out) c = kAlphabet[static_cast<unsigned char>(c) % kAlphabet.size()];
  return out;
}

}  // namespace operators

#endif  // OPERATORS_COMMON_FNV_HASH_H_
