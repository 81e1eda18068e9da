// Requests to the node daemon and its answers, as they cross the socket.
#include <nlohmann/json.hpp>

#include "fuzz_input.h"
#include "kube/json_limits.h"
#include "rpc/ipam_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = kube::ParseJson(fuzz::Text(data, size));
  if (!parsed.ok()) return 0;
  fuzz::ExpectExplained(ipam::AllocateRequestFromJson(*parsed));
  fuzz::ExpectExplained(ipam::ReservationRequestFromJson(*parsed));
  auto addresses = ipam::AddressesFromJson(*parsed);
  fuzz::ExpectExplained(addresses);
  if (addresses.ok()) (void)ipam::ToJson(*addresses).dump();
  (void)ipam::ErrorFromJson(*parsed);
  return 0;
}
