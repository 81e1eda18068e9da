#include "address/ip_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace ipam {

kube::Result<IPAddress> IPAddress::Parse(std::string_view text) {
  const std::string s(text);
  IPAddress a;
  unsigned char bytes[16];
  if (inet_pton(AF_INET, s.c_str(), bytes) == 1) {
    for (int i = 0; i < 4; ++i) a.value = (a.value << 8) | bytes[i];
    return a;
  }
  if (s.find(':') != std::string::npos && inet_pton(AF_INET6, s.c_str(), bytes) == 1) {
    a.v6 = true;
    for (int i = 0; i < 16; ++i) a.value = (a.value << 8) | bytes[i];
    return a;
  }
  return kube::Status(kube::Code::kInvalidArgument, "\"" + s + "\" is not an IP address");
}

std::string IPAddress::ToString() const {
  unsigned char bytes[16];
  const int n = v6 ? 16 : 4;
  uint128 v = value;
  for (int i = n - 1; i >= 0; --i) {
    bytes[i] = static_cast<unsigned char>(v & 0xff);
    v >>= 8;
  }
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes, buf, sizeof(buf));
  return buf;
}

kube::Result<IPPrefix> IPPrefix::Parse(std::string_view cidr, bool allow_host_bits) {
  const auto slash = cidr.find('/');
  if (slash == std::string_view::npos) {
    return kube::Status(kube::Code::kInvalidArgument, "\"" + std::string(cidr) + "\" is not in CIDR notation");
  }
  auto address = IPAddress::Parse(cidr.substr(0, slash));
  if (!address.ok()) return address.status();
  const std::string_view len_text = cidr.substr(slash + 1);
  int length = -1;
  auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), length);
  if (ec != std::errc() || end != len_text.data() + len_text.size() || len_text.empty() || length < 0 ||
      length > address->bits()) {
    return kube::Status(kube::Code::kInvalidArgument, "\"" + std::string(cidr) + "\" has an invalid prefix length");
  }
  IPPrefix p{*address, length};
  const int host_bits = address->bits() - length;
  const uint128 host_mask = host_bits == 128 ? ~uint128(0) : (uint128(1) << host_bits) - 1;
  if (!allow_host_bits && (address->value & host_mask) != 0) {
    IPPrefix meant{{address->value & ~host_mask, address->v6}, length};
    return kube::Status(kube::Code::kInvalidArgument, "\"" + std::string(cidr) + "\" has host bits set (did you mean " +
                                                          meant.ToString() + "?)");
  }
  return p;
}

std::string IPPrefix::ToString() const { return network.ToString() + "/" + std::to_string(length); }

uint128 IPPrefix::Size() const {
  const int host_bits = network.bits() - length;
  return host_bits >= 128 ? ~uint128(0) : uint128(1) << host_bits;
}

void RangeSet::Add(uint128 first, uint128 last) {
  if (first > last) std::swap(first, last);
  auto it = std::lower_bound(ranges_.begin(), ranges_.end(), first,
                             [](const Range& r, uint128 v) { return r.last + 1 < v && r.last != ~uint128(0); });
  Range merged{first, last};
  auto erase_from = it;
  while (it != ranges_.end() && (last == ~uint128(0) || it->first <= last + 1)) {
    merged.first = std::min(merged.first, it->first);
    merged.last = std::max(merged.last, it->last);
    ++it;
  }
  it = ranges_.erase(erase_from, it);
  ranges_.insert(it, merged);
}

const RangeSet::Range* RangeSet::Covering(uint128 a) const {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), a, [](uint128 v, const Range& r) { return v < r.first; });
  if (it == ranges_.begin()) return nullptr;
  --it;
  return a <= it->last ? &*it : nullptr;
}

bool RangeSet::Contains(uint128 a) const { return Covering(a) != nullptr; }

uint128 RangeSet::CountIn(uint128 first, uint128 last) const {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), first, [](uint128 v, const Range& r) { return v < r.first; });
  if (it != ranges_.begin() && std::prev(it)->last >= first) --it;
  uint128 count = 0;
  for (; it != ranges_.end() && it->first <= last; ++it) {
    count += std::min(it->last, last) - std::max(it->first, first) + 1;
  }
  return count;
}

}  // namespace ipam
