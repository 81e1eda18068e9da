// The node daemon's protocol: the requests the nv-ipam CNI plugin sends and
// the answers it gets, as JSON, one request per connection. Errors carry the
// Status code by name so the plugin can map them to CNI error codes.
#ifndef IPAM_RPC_IPAM_PROTOCOL_H_
#define IPAM_RPC_IPAM_PROTOCOL_H_

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "address/ip_address.h"
#include "kube/status.h"
#include "pool/pool_spec.h"

namespace ipam {

struct PoolRef {
  PoolType type = PoolType::kIPPool;
  std::string name;
  // The store's key: the name for an IPPool, "cidrpool/<name>" for a CIDRPool (as upstream).
  std::string Key() const { return type == PoolType::kIPPool ? name : "cidrpool/" + name; }
};

struct PodRef {
  std::string namespace_, name, uid;
};

struct AllocateRequest {
  std::vector<PoolRef> pools;  // one or two (dual stack)
  std::string container_id, if_name;
  PodRef pod;
  std::vector<IPAddress> static_ips;
  bool allocate_default_gateway = false;
  std::optional<uint64_t> ip_index;  // the index-th address of the node's range
};

// DEL and CHECK: which reservations.
struct ReservationRequest {
  std::vector<PoolRef> pools;
  std::string container_id, if_name;
};

struct AllocatedAddress {
  std::string pool;
  IPAddress ip;
  int prefix_length = 0;
  std::optional<IPAddress> gateway;  // absent when the address is the gateway itself
  std::vector<IPPrefix> routes;      // through the gateway
};

// Method names.
inline constexpr const char* kAllocate = "Allocate";
inline constexpr const char* kDeallocate = "Deallocate";
inline constexpr const char* kIsAllocated = "IsAllocated";

nlohmann::json ToJson(const AllocateRequest& r);
nlohmann::json ToJson(const ReservationRequest& r);
nlohmann::json ToJson(const std::vector<AllocatedAddress>& addresses);
kube::Result<AllocateRequest> AllocateRequestFromJson(const nlohmann::json& j);
kube::Result<ReservationRequest> ReservationRequestFromJson(const nlohmann::json& j);
kube::Result<std::vector<AllocatedAddress>> AddressesFromJson(const nlohmann::json& j);

// {"error": {"code": "ResourceExhausted", "message": ...}}, and back.
nlohmann::json ErrorToJson(const kube::Status& status);
kube::Status ErrorFromJson(const nlohmann::json& response);

}  // namespace ipam

#endif  // IPAM_RPC_IPAM_PROTOCOL_H_
