#include "node/stale_cleaner.h"

#include <set>

#include "kube/log.h"
#include "kube/metrics.h"
#include "kube/sleep.h"

namespace ipam {

StaleCleaner::StaleCleaner(IpamService& service, const PodLookup& pods, int checks_before_release)
    : service_(service), pods_(pods), checks_before_release_(checks_before_release) {}

int StaleCleaner::CheckOnce() {
  int released = 0;
  std::set<std::string> seen;
  for (const auto& entry : service_.Entries()) {
    if (entry.pod.uid.empty() || entry.pod.name.empty()) continue;  // no pod to check against
    const std::string id = entry.pool_key + "/" + entry.key;
    seen.insert(id);
    auto exists = pods_.Exists(entry.pod);
    if (!exists.ok()) {
      kube::log::Warn("cannot check a reservation's pod", {{"pod", entry.pod.namespace_ + "/" + entry.pod.name},
                                                           {"error", exists.status().ToString()}});
      continue;
    }
    if (*exists) {
      misses_.erase(id);
      continue;
    }
    if (++misses_[id] <= checks_before_release_) continue;
    kube::Status s = service_.Release(entry);
    if (!s.ok()) {
      kube::log::Error("cannot release a stale reservation", {{"error", s.ToString()}});
      continue;
    }
    kube::log::Info("released the address of a pod that is gone",
                    {{"pool", entry.pool_key}, {"ip", entry.ip.ToString()},
                     {"pod", entry.pod.namespace_ + "/" + entry.pod.name}, {"uid", entry.pod.uid}});
    misses_.erase(id);
    ++released;
    static auto& stale = kube::metrics::Default().Counter(
        "nv_ipam_stale_reservations_released_total", "Reservations released because their pod is gone");
    stale.With({}).Add(1);
  }
  std::erase_if(misses_, [&](const auto& m) { return !seen.count(m.first); });
  return released;
}

void StaleCleaner::Run(std::chrono::milliseconds interval, std::stop_token stop) {
  while (kube::SleepFor(stop, interval)) CheckOnce();
}

}  // namespace ipam
