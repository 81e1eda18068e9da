// IpamService: the node daemon's reservations: hands out addresses from this
// node's block or prefix of each pool, releases them, and persists every
// change in the StoreFile before answering.
//
// Allocation is host-local style round robin from the pool's last reserved
// address, skipping exclusions, the gateway and reserved addresses, as
// upstream. A repeated ADD for the same container and interface returns the
// same address (runtimes retry). No call returns before its change is on disk;
// concurrent calls share one write (group commit), so a burst of ADDs costs
// a few fsyncs, not one each. A failed write rolls memory back to what the
// disk holds and fails every call whose change it carried.
#ifndef IPAM_NODE_IPAM_SERVICE_H_
#define IPAM_NODE_IPAM_SERVICE_H_

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "node/pool_catalog.h"
#include "node/store_file.h"
#include "rpc/ipam_protocol.h"

namespace ipam {

class IpamService {
 public:
  // One reservation, as the stale cleaner sees it.
  struct Entry {
    std::string pool_key;
    std::string key;  // <containerID>_<ifName>
    PodRef pod;
    IPAddress ip;
  };

  IpamService(const PoolCatalog& catalog, StoreFile store);

  // Loads the store; an error when it cannot be trusted (see StoreFile).
  kube::Status Open();

  kube::Result<std::vector<AllocatedAddress>> Allocate(const AllocateRequest& request);
  // Idempotent: releasing what is not reserved is not an error.
  kube::Status Deallocate(const ReservationRequest& request);
  // NotFound when a pool holds no reservation for the container and interface.
  kube::Status IsAllocated(const ReservationRequest& request) const;

  std::vector<Entry> Entries() const;
  // Releases `entry` if it is still the same reservation (for the stale cleaner).
  kube::Status Release(const Entry& entry);
  size_t size() const;

 private:
  struct Reservation {
    IPAddress ip;
    std::string container_id, if_name;
    PodRef pod;
    std::string create_time;
  };
  struct Pool {
    std::map<std::string, Reservation> entries;
    std::set<uint128> reserved;
    std::optional<IPAddress> last_reserved;
  };

  kube::Result<AllocatedAddress> AllocateIn(const PoolRef& ref, const NodePoolConfig& config,
                                            const AllocateRequest& request, Pool& pool);
  // Makes the change just made to pools_ durable (see the class comment). Called with mu_ held.
  kube::Status Persist(std::unique_lock<std::mutex>& lock);
  nlohmann::json ToJson() const;

  const PoolCatalog& catalog_;
  const StoreFile store_;
  mutable std::mutex mu_;
  std::map<std::string, Pool> pools_;    // by PoolRef::Key(); what the daemon answers from
  std::map<std::string, Pool> durable_;  // what the store holds
  uint64_t version_ = 0;                 // changes made to pools_
  uint64_t durable_version_ = 0;         // changes on disk
  uint64_t failed_version_ = 0;          // changes rolled back by a failed write
  kube::Status failure_;
  bool flushing_ = false;
  std::condition_variable flushed_;
};

}  // namespace ipam

#endif  // IPAM_NODE_IPAM_SERVICE_H_
