// IP addresses and CIDR prefixes as users write them in pools and CNI arguments.
#include "address/ip_address.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = fuzz::Text(data, size);
  auto address = ipam::IPAddress::Parse(text);
  fuzz::ExpectExplained(address);
  // What is printed parses back to the same address.
  if (address.ok() && !(*ipam::IPAddress::Parse(address->ToString()) == *address)) std::abort();
  for (bool host_bits : {false, true}) {
    auto prefix = ipam::IPPrefix::Parse(text, host_bits);
    fuzz::ExpectExplained(prefix);
    if (prefix.ok()) {
      if (!prefix->Contains(prefix->network) || !prefix->Contains(prefix->Last())) std::abort();
      (void)prefix->Size();
      (void)prefix->ToString();
    }
  }
  return 0;
}
