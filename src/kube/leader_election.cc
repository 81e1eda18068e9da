#include "kube/leader_election.h"

#include <unistd.h>

#include <ctime>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "kube/log.h"
#include "kube/metrics.h"
#include "kube/sleep.h"

namespace kube {
namespace {

std::string MicroTimeNow() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[80];
  std::snprintf(out, sizeof out, "%s.%06lldZ", buf, static_cast<long long>(micros));
  return out;
}

std::chrono::milliseconds Jittered(std::chrono::milliseconds d) {
  thread_local std::minstd_rand rng(std::random_device{}());
  return d + std::chrono::milliseconds(rng() % static_cast<uint64_t>(d.count() / 5 + 1));
}

metrics::Series& MasterStatus(const std::string& name) {
  return metrics::Default()
      .Gauge("leader_election_master_status",
             "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master.",
             {"name"})
      .With({name});
}

}  // namespace

std::string DefaultLeaderIdentity() {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  std::random_device rd;
  char suffix[17];
  std::snprintf(suffix, sizeof suffix, "%08x%08x", rd(), rd());
  return std::string(host) + "_" + suffix;
}

LeaderElector::LeaderElector(Client& client, LeaderElectionConfig config) : client_(client), config_(std::move(config)) {
  if (config_.identity.empty()) config_.identity = DefaultLeaderIdentity();
}

LeaderElector::Outcome LeaderElector::TryAcquireOrRenew(std::chrono::steady_clock::time_point deadline,
                                                        Status* error) {
  const Resource leases = resources::Leases();
  const CallOptions call{deadline};
  const auto now = std::chrono::steady_clock::now();
  const std::string now_time = MicroTimeNow();
  const int lease_seconds = static_cast<int>((config_.lease_duration.count() + 999) / 1000);
  auto current = client_.Get(leases, config_.namespace_, config_.name, call);
  if (!current.ok()) {
    if (!IsNotFound(current.status())) {
      *error = current.status();
      return Outcome::kError;
    }
    nlohmann::json lease = {
        {"apiVersion", "coordination.k8s.io/v1"},
        {"kind", "Lease"},
        {"metadata", {{"name", config_.name}, {"namespace", config_.namespace_}}},
        {"spec",
         {{"holderIdentity", config_.identity}, {"leaseDurationSeconds", lease_seconds}, {"acquireTime", now_time},
          {"renewTime", now_time}, {"leaseTransitions", 0}}}};
    auto created = client_.Create(leases, lease, call);
    if (!created.ok()) {
      *error = created.status();
      return IsAlreadyExists(created.status()) ? Outcome::kHeldByOther : Outcome::kError;
    }
    observed_holder_ = config_.identity;
    observed_renew_time_ = now_time;
    observed_at_ = now;
    return Outcome::kHeld;
  }
  nlohmann::json lease = current->Tree();
  auto& spec = lease["spec"];
  const std::string holder = spec.value("holderIdentity", "");
  const std::string renew_time = spec.value("renewTime", "");
  if (holder != observed_holder_ || renew_time != observed_renew_time_) {
    observed_holder_ = holder;
    observed_renew_time_ = renew_time;
    observed_at_ = now;
  }
  const int held_for = spec.value("leaseDurationSeconds", lease_seconds);
  const bool expired = now - observed_at_ > std::chrono::seconds(held_for);
  if (!holder.empty() && holder != config_.identity && !expired) return Outcome::kHeldByOther;

  if (holder != config_.identity) {
    spec["acquireTime"] = now_time;
    spec["leaseTransitions"] = spec.value("leaseTransitions", 0) + 1;
  }
  spec["holderIdentity"] = config_.identity;
  spec["leaseDurationSeconds"] = lease_seconds;
  spec["renewTime"] = now_time;
  auto updated = client_.Update(leases, lease, "", call);  // carries resourceVersion: optimistic concurrency
  if (!updated.ok()) {
    *error = updated.status();
    return IsConflict(updated.status()) ? Outcome::kHeldByOther : Outcome::kError;
  }
  observed_holder_ = config_.identity;
  observed_renew_time_ = now_time;
  observed_at_ = now;
  return Outcome::kHeld;
}

Status LeaderElector::Acquire(std::stop_token stop) {
  log::Info("attempting to acquire leader lease",
            {{"lease", config_.namespace_ + "/" + config_.name}, {"identity", config_.identity}});
  MasterStatus(config_.name).Set(0);
  while (!stop.stop_requested()) {
    Status error;
    Outcome outcome = TryAcquireOrRenew(std::chrono::steady_clock::now() + config_.renew_deadline, &error);
    if (outcome == Outcome::kHeld) {
      leader_ = true;
      MasterStatus(config_.name).Set(1);
      log::Info("acquired leader lease", {{"lease", config_.namespace_ + "/" + config_.name},
                                          {"identity", config_.identity}});
      return Status::Ok();
    }
    if (outcome == Outcome::kError) {
      log::Warn("leader lease attempt failed", {{"error", error.ToString()}});
      if (error.code() == Code::kForbidden || error.code() == Code::kUnauthorized) return error;
    }
    SleepFor(stop, Jittered(config_.retry_period));
  }
  return Status(Code::kCancelled, "stopped before acquiring the leader lease");
}

Status LeaderElector::Hold(std::stop_token stop) {
  auto last_renew = std::chrono::steady_clock::now();
  while (!stop.stop_requested()) {
    SleepFor(stop, config_.retry_period);
    if (stop.stop_requested()) break;
    Status error;
    // Every call of a renewal ends by the renew deadline (a hung API server cannot keep a
    // leader that does not renew), and failures are retried until then, as client-go does.
    const auto deadline = last_renew + config_.renew_deadline;
    Outcome outcome = TryAcquireOrRenew(deadline, &error);
    if (outcome == Outcome::kHeld) {
      last_renew = std::chrono::steady_clock::now();
      continue;
    }
    const bool lost = outcome == Outcome::kHeldByOther ||
                      std::chrono::steady_clock::now() + config_.retry_period >= deadline;
    if (lost) {
      leader_ = false;
      MasterStatus(config_.name).Set(0);
      return Status(Code::kUnavailable, "leader lease " + config_.namespace_ + "/" + config_.name + " lost" +
                                            (error.ok() ? "" : ": " + error.ToString()));
    }
    log::Warn("failed to renew leader lease; retrying", {{"error", error.ToString()}});
  }
  if (config_.release_on_stop) Release();
  leader_ = false;
  MasterStatus(config_.name).Set(0);
  return Status::Ok();
}

void LeaderElector::Release() {
  const CallOptions call{std::chrono::steady_clock::now() + config_.renew_deadline};
  auto current = client_.Get(resources::Leases(), config_.namespace_, config_.name, call);
  if (!current.ok()) return;
  nlohmann::json lease = current->Tree();
  if (lease["spec"].value("holderIdentity", "") != config_.identity) return;
  // As client-go: an empty holder and a 1 s duration let a successor take over at once.
  lease["spec"]["holderIdentity"] = "";
  lease["spec"]["leaseDurationSeconds"] = 1;
  lease["spec"]["renewTime"] = MicroTimeNow();
  auto updated = client_.Update(resources::Leases(), lease, "", call);
  if (updated.ok()) {
    log::Info("released leader lease", {{"lease", config_.namespace_ + "/" + config_.name}});
  } else {
    log::Warn("could not release leader lease", {{"error", updated.status().ToString()}});
  }
}

}  // namespace kube
