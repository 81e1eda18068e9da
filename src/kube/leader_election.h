// LeaderElector: leader election on a coordination.k8s.io/v1 Lease, as
// client-go's leaderelection with controller-runtime's defaults (lease 15 s,
// renew deadline 10 s, retry 2 s).
//
// A candidate takes the lease when it is free, released, or unrenewed for a
// lease duration as observed on the candidate's own clock (no cross-machine
// clock comparison). The leader renews every retry period and gives up
// leadership when it cannot renew within the renew deadline. On graceful
// stop the leader releases the lease so a successor takes over at once.
#ifndef KUBE_LEADER_ELECTION_H_
#define KUBE_LEADER_ELECTION_H_

#include <atomic>
#include <chrono>
#include <stop_token>
#include <string>

#include "kube/client.h"

namespace kube {

struct LeaderElectionConfig {
  std::string namespace_;
  std::string name;
  std::string identity;  // defaults to hostname_<random>
  std::chrono::milliseconds lease_duration{15000};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
  bool release_on_stop = true;
};

class LeaderElector {
 public:
  LeaderElector(Client& client, LeaderElectionConfig config);

  // Blocks until this process holds the lease (Ok) or `stop` is requested (Cancelled).
  Status Acquire(std::stop_token stop);
  // Renews until `stop` is requested (then releases and returns Ok) or the
  // lease cannot be renewed within the renew deadline (returns an error: leadership lost).
  Status Hold(std::stop_token stop);

  bool IsLeader() const { return leader_.load(); }
  const std::string& identity() const { return config_.identity; }

 private:
  enum class Outcome { kHeld, kHeldByOther, kError };
  // One attempt to create, take over or renew the lease.
  // Every API call ends by `deadline`.
  Outcome TryAcquireOrRenew(std::chrono::steady_clock::time_point deadline, Status* error);
  void Release();

  Client& client_;
  LeaderElectionConfig config_;
  std::atomic<bool> leader_{false};
  // What we last saw of the lease, and when (our clock).
  std::string observed_holder_;
  std::string observed_renew_time_;
  std::chrono::steady_clock::time_point observed_at_{};
};

// hostname + "_" + random hex, as client-go's default identity.
std::string DefaultLeaderIdentity();

}  // namespace kube

#endif  // KUBE_LEADER_ELECTION_H_
