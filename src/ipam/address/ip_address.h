// IPAddress, IPPrefix and RangeSet: IPv4 and IPv6 addresses held as 128-bit
// integers, so block, prefix and exclusion arithmetic is the same code for
// both families.
#ifndef IPAM_ADDRESS_IP_ADDRESS_H_
#define IPAM_ADDRESS_IP_ADDRESS_H_

#include <compare>
#include <string>
#include <string_view>
#include <vector>

#include "kube/status.h"

namespace ipam {

__extension__ typedef unsigned __int128 uint128;

struct IPAddress {
  uint128 value = 0;
  bool v6 = false;

  // "10.0.0.1" or "fd00::1".
  static kube::Result<IPAddress> Parse(std::string_view text);
  std::string ToString() const;
  int bits() const { return v6 ? 128 : 32; }
  IPAddress Plus(uint128 n) const { return {value + n, v6}; }
  IPAddress Minus(uint128 n) const { return {value - n, v6}; }
  auto operator<=>(const IPAddress&) const = default;
};

struct IPPrefix {
  IPAddress network;
  int length = 0;

  // "10.0.0.0/24". With `allow_host_bits` the address is kept as written ("10.0.0.5/24"),
  // else host bits are an error naming the network address that was meant.
  static kube::Result<IPPrefix> Parse(std::string_view cidr, bool allow_host_bits = false);
  std::string ToString() const;
  // Number of addresses, saturated at 2^128-1 for ::/0.
  uint128 Size() const;
  // The highest address: the network with every host bit set (::/0 ends at ffff:...:ffff).
  IPAddress Last() const {
    const int host_bits = network.bits() - length;
    const uint128 host_mask = host_bits >= 128 ? ~uint128{0} : (uint128{1} << host_bits) - 1;
    return {network.value | host_mask, network.v6};
  }
  bool Contains(const IPAddress& a) const { return a.v6 == network.v6 && a >= network && a <= Last(); }
  bool Contains(const IPPrefix& p) const { return p.length >= length && Contains(p.network); }
  // /31 and /32 (/127 and /128): every address is usable.
  bool PointToPoint() const { return length >= network.bits() - 1; }
  // The addresses a host may hold: all for point-to-point, else without the network
  // address and, for IPv4, without the broadcast address.
  IPAddress FirstUsable() const { return PointToPoint() ? network : network.Plus(1); }
  IPAddress LastUsable() const { return PointToPoint() || network.v6 ? Last() : Last().Minus(1); }
  bool operator==(const IPPrefix&) const = default;
};

// A sorted set of disjoint inclusive address ranges (of one family).
class RangeSet {
 public:
  struct Range {
    uint128 first, last;
  };
  void Add(uint128 first, uint128 last);
  void Add(const IPAddress& a) { Add(a.value, a.value); }
  bool Contains(uint128 a) const;
  // How many addresses of [first, last] the set holds.
  uint128 CountIn(uint128 first, uint128 last) const;
  // The range holding `a`, or null.
  const Range* Covering(uint128 a) const;
  const std::vector<Range>& ranges() const { return ranges_; }

 private:
  std::vector<Range> ranges_;  // sorted by first, disjoint, not adjacent
};

}  // namespace ipam

#endif  // IPAM_ADDRESS_IP_ADDRESS_H_
