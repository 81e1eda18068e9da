// The node daemon's store file, as found on disk after a crash or an edit; also
// with a right checksum around fields of any type.
#include <unistd.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "fuzz_input.h"
#include "kube/json_limits.h"
#include "node/ipam_service.h"
#include "node/store_file.h"

namespace {

class NoPools : public ipam::PoolCatalog {
 public:
  kube::Result<ipam::NodePoolConfig> Get(const ipam::PoolRef& pool) const override {
    return kube::Status(kube::Code::kNotFound, "no pool " + pool.name);
  }
};

std::string StorePath() {
  static const std::string path = "/tmp/store-fuzzer-" + std::to_string(::getpid()) + ".json";
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = fuzz::Text(data, size);
  const NoPools catalog;
  {
    std::ofstream(StorePath(), std::ios::binary | std::ios::trunc) << text;
    ipam::IpamService service(catalog, ipam::StoreFile(StorePath()));
    fuzz::ExpectExplained(service.Open());
  }
  if (auto parsed = kube::ParseJson(text); parsed.ok()) {
    // Saved by the store itself, so the checksum holds whatever the fields are.
    if (ipam::StoreFile(StorePath()).Save(*parsed).ok()) {
      ipam::IpamService service(catalog, ipam::StoreFile(StorePath()));
      fuzz::ExpectExplained(service.Open());
    }
  }
  return 0;
}
