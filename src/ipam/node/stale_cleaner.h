// StaleCleaner: releases reservations whose pod is gone, for the pods whose
// CNI DEL never came (node crash, runtime bug). A reservation is released
// after its pod was missing on more than `checks_before_release` consecutive
// checks, so a pod that is slow to appear in the cache keeps its address.
#ifndef IPAM_NODE_STALE_CLEANER_H_
#define IPAM_NODE_STALE_CLEANER_H_

#include <chrono>
#include <map>
#include <stop_token>
#include <string>

#include "node/ipam_service.h"

namespace ipam {

class PodLookup {
 public:
  virtual ~PodLookup() = default;
  // True when the pod exists with this UID; an error when that cannot be told.
  virtual kube::Result<bool> Exists(const PodRef& pod) const = 0;
};

class StaleCleaner {
 public:
  StaleCleaner(IpamService& service, const PodLookup& pods, int checks_before_release);

  // One pass; returns how many reservations it released.
  int CheckOnce();
  // A pass every `interval` until `stop`.
  void Run(std::chrono::milliseconds interval, std::stop_token stop);

 private:
  IpamService& service_;
  const PodLookup& pods_;
  const int checks_before_release_;
  std::map<std::string, int> misses_;  // pool key + reservation key -> consecutive misses
};

}  // namespace ipam

#endif  // IPAM_NODE_STALE_CLEANER_H_
