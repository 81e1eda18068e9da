#include "node/ipam_service.h"

#include "kube/json_fields.h"
#include "kube/time_format.h"

namespace ipam {
namespace {

std::string ReservationKey(const std::string& container_id, const std::string& if_name) {
  return container_id + "_" + if_name;
}

std::string Describe(const PoolRef& ref) {
  return std::string(ref.type == PoolType::kIPPool ? "IPPool " : "CIDRPool ") + ref.name;
}

}  // namespace

IpamService::IpamService(const PoolCatalog& catalog, StoreFile store) : catalog_(catalog), store_(std::move(store)) {}

kube::Status IpamService::Open() {
  auto data = store_.Load();
  if (!data.ok()) return data.status();
  std::lock_guard<std::mutex> lock(mu_);
  pools_.clear();
  // The checksum proves the file is what this daemon wrote, not that its fields have the
  // types it wrote: each is checked, and a wrong one stops the daemon naming it.
  auto corrupt = [&](const kube::Status& s) {
    pools_.clear();
    return kube::Status(kube::Code::kInternal, "store " + store_.path() + ": " + s.message() +
                                                   "; refusing to start rather than guess (move it away to start empty)");
  };
  kube::JsonFields top(*data, "data");
  const nlohmann::json& stored_pools = top.Object("pools");
  if (!top.ok()) return corrupt(top.status());
  for (const auto& [key, p] : stored_pools.items()) {
    kube::JsonFields pool_fields(p, "pools." + key);
    Pool pool;
    if (pool_fields.Has("lastReservedIP")) {
      auto last = IPAddress::Parse(pool_fields.String("lastReservedIP"));
      if (last.ok()) pool.last_reserved = *last;
    }
    const nlohmann::json& entries = pool_fields.Object("entries");
    if (!pool_fields.ok()) return corrupt(pool_fields.status());
    for (const auto& [entry_key, e] : entries.items()) {
      kube::JsonFields entry(e, "pools." + key + ".entries." + entry_key);
      const std::string ip_text = entry.String("ip");
      kube::JsonFields pod(entry.Object("pod"), entry.Field("pod"));
      Reservation r{IPAddress{}, entry.String("containerID"), entry.String("ifName"),
                    {pod.String("namespace"), pod.String("name"), pod.String("uid")},
                    entry.String("createTime")};
      if (!entry.ok()) return corrupt(entry.status());
      if (!pod.ok()) return corrupt(pod.status());
      auto ip = IPAddress::Parse(ip_text);
      if (!ip.ok()) return corrupt(kube::Status(ip.status().code(), entry.Field("ip") + ": " + ip.status().message()));
      r.ip = *ip;
      pool.reserved.insert(ip->value);
      pool.entries.emplace(entry_key, std::move(r));
    }
    pools_.emplace(key, std::move(pool));
  }
  durable_ = pools_;
  return kube::Status::Ok();
}

nlohmann::json IpamService::ToJson() const {
  nlohmann::json pools = nlohmann::json::object();
  for (const auto& [key, pool] : pools_) {
    nlohmann::json entries = nlohmann::json::object();
    for (const auto& [entry_key, r] : pool.entries) {
      entries[entry_key] = {{"ip", r.ip.ToString()},
                            {"containerID", r.container_id},
                            {"ifName", r.if_name},
                            {"pod", {{"namespace", r.pod.namespace_}, {"name", r.pod.name}, {"uid", r.pod.uid}}},
                            {"createTime", r.create_time}};
    }
    nlohmann::json p = {{"entries", std::move(entries)}};
    if (pool.last_reserved) p["lastReservedIP"] = pool.last_reserved->ToString();
    pools[key] = std::move(p);
  }
  return {{"pools", std::move(pools)}};
}

kube::Status IpamService::Persist(std::unique_lock<std::mutex>& lock) {
  const uint64_t mine = ++version_;
  while (true) {
    if (durable_version_ >= mine) return kube::Status::Ok();
    if (failed_version_ >= mine) return failure_;
    if (flushing_) {
      flushed_.wait(lock);
      continue;
    }
    // This caller writes everything changed so far, its own change and those of the callers
    // waiting behind it (group commit: one fsync for a burst of ADDs).
    flushing_ = true;
    const uint64_t covered = version_;
    const nlohmann::json data = ToJson();
    auto snapshot = pools_;
    lock.unlock();
    kube::Status s = store_.Save(data);
    lock.lock();
    flushing_ = false;
    if (s.ok()) {
      durable_version_ = covered;
      durable_ = std::move(snapshot);
    } else {
      // Back to what the disk holds; every change not on disk fails.
      pools_ = durable_;
      failed_version_ = version_;
      failure_ = s;
    }
    flushed_.notify_all();
  }
}

kube::Result<AllocatedAddress> IpamService::AllocateIn(const PoolRef& ref, const NodePoolConfig& config,
                                                       const AllocateRequest& request, Pool& pool) {
  const std::string key = ReservationKey(request.container_id, request.if_name);
  std::optional<IPAddress> chosen;
  bool dynamic = false;
  const auto existing = pool.entries.find(key);
  if (existing != pool.entries.end()) {
    chosen = existing->second.ip;  // a retried ADD gets what it got before
  } else if (request.allocate_default_gateway) {
    if (!config.gateway) {
      return kube::Status(kube::Code::kInvalidArgument, Describe(ref) + " has no gateway to allocate");
    }
    chosen = *config.gateway;
  } else if (!request.static_ips.empty()) {
    for (const auto& ip : request.static_ips) {
      if (ip.v6 == config.first.v6) chosen = ip;
    }
    if (!chosen) {
      return kube::Status(kube::Code::kInvalidArgument, "no static address of " + Describe(ref) + "'s family requested");
    }
    // Any address of the subnet but the gateway, as upstream: exclusions fence off dynamic
    // allocation only, and a pod may ask for an address outside this node's block.
    if (!config.subnet.Contains(*chosen) || chosen == config.gateway) {
      return kube::Status(kube::Code::kInvalidArgument,
                          "static address " + chosen->ToString() + " is not in " + config.subnet.ToString() + " of " +
                              Describe(ref) + (chosen == config.gateway ? " (it is the gateway)" : ""));
    }
  } else if (request.ip_index) {
    const IPAddress ip = config.first.Plus(*request.ip_index);
    if (ip > config.last || !config.Allocatable(ip) || ip == config.gateway) {
      return kube::Status(kube::Code::kInvalidArgument, "index " + std::to_string(*request.ip_index) +
                                                            " is not an allocatable address of this node's range " +
                                                            config.first.ToString() + "-" + config.last.ToString());
    }
    chosen = ip;
  } else {
    dynamic = true;
    IPAddress start = pool.last_reserved ? pool.last_reserved->Plus(1) : config.first;
    if (start < config.first || start > config.last || start.v6 != config.first.v6) start = config.first;
    IPAddress c = start;
    bool wrapped = false;
    while (true) {
      if (wrapped && c >= start) break;
      if (c > config.last) {
        if (wrapped) break;
        wrapped = true;
        c = config.first;
        continue;
      }
      if (const auto* r = config.exclusions.Covering(c.value)) {
        if (r->last >= config.last.value) {
          c = config.last.Plus(1);
          continue;
        }
        c = IPAddress{r->last + 1, c.v6};
        continue;
      }
      if (c != config.gateway && !pool.reserved.count(c.value)) {
        chosen = c;
        break;
      }
      c = c.Plus(1);
    }
    if (!chosen) {
      return kube::Status(kube::Code::kResourceExhausted,
                          "no free addresses in the allocated range " + config.first.ToString() + "-" +
                              config.last.ToString() + " of " + Describe(ref) + " (" +
                              std::to_string(pool.entries.size()) + " reserved)");
    }
  }
  if (existing == pool.entries.end()) {
    if (pool.reserved.count(chosen->value)) {
      std::string owner;
      for (const auto& [k, r] : pool.entries) {
        if (r.ip == *chosen) owner = k;
      }
      return kube::Status(kube::Code::kAlreadyExists,
                          "address " + chosen->ToString() + " of " + Describe(ref) + " is already reserved by " + owner);
    }
    pool.entries[key] = Reservation{*chosen, request.container_id, request.if_name, request.pod,
                                    kube::RfcTimeNow()};
    pool.reserved.insert(chosen->value);
    if (dynamic) pool.last_reserved = *chosen;
  }
  AllocatedAddress out;
  out.pool = ref.name;
  out.ip = *chosen;
  out.prefix_length = config.prefix_length;
  if (config.gateway && *config.gateway != *chosen) out.gateway = config.gateway;
  if (config.default_gateway && config.gateway) out.routes.push_back(IPPrefix{{0, chosen->v6}, 0});
  // Each route once, as upstream returns them (a pool's routes may repeat a route).
  for (const auto& r : config.routes) {
    if (std::find(out.routes.begin(), out.routes.end(), r) == out.routes.end()) out.routes.push_back(r);
  }
  return out;
}

kube::Result<std::vector<AllocatedAddress>> IpamService::Allocate(const AllocateRequest& request) {
  if (request.pools.empty() || request.pools.size() > 2) {
    return kube::Status(kube::Code::kInvalidArgument, "one or two pools are required, got " +
                                                          std::to_string(request.pools.size()));
  }
  std::vector<NodePoolConfig> configs;
  for (const auto& ref : request.pools) {
    auto config = catalog_.Get(ref);
    if (!config.ok()) return config.status();
    configs.push_back(std::move(*config));
  }
  const std::string key = ReservationKey(request.container_id, request.if_name);
  std::unique_lock<std::mutex> lock(mu_);
  // What this call added, to undo a partial dual-stack allocation.
  struct Added {
    Pool* pool;
    std::optional<IPAddress> last_reserved;  // before this call
  };
  std::vector<Added> added;
  std::vector<AllocatedAddress> out;
  for (size_t i = 0; i < request.pools.size(); ++i) {
    Pool& pool = pools_[request.pools[i].Key()];
    const bool had = pool.entries.count(key) > 0;
    const std::optional<IPAddress> last_reserved = pool.last_reserved;
    auto a = AllocateIn(request.pools[i], configs[i], request, pool);
    if (!a.ok()) {
      for (const auto& undo : added) {
        auto it = undo.pool->entries.find(key);
        undo.pool->reserved.erase(it->second.ip.value);
        undo.pool->entries.erase(it);
        undo.pool->last_reserved = undo.last_reserved;
      }
      return a.status();
    }
    if (!had) added.push_back({&pool, last_reserved});
    out.push_back(std::move(*a));
  }
  if (!added.empty()) KUBE_RETURN_IF_ERROR(Persist(lock));
  return out;
}

kube::Status IpamService::Deallocate(const ReservationRequest& request) {
  const std::string key = ReservationKey(request.container_id, request.if_name);
  std::unique_lock<std::mutex> lock(mu_);
  bool changed = false;
  for (const auto& ref : request.pools) {
    auto pool = pools_.find(ref.Key());
    if (pool == pools_.end()) continue;
    auto it = pool->second.entries.find(key);
    if (it == pool->second.entries.end()) continue;
    pool->second.reserved.erase(it->second.ip.value);
    pool->second.entries.erase(it);
    changed = true;
  }
  return changed ? Persist(lock) : kube::Status::Ok();
}

kube::Status IpamService::IsAllocated(const ReservationRequest& request) const {
  const std::string key = ReservationKey(request.container_id, request.if_name);
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& ref : request.pools) {
    auto pool = pools_.find(ref.Key());
    if (pool == pools_.end() || !pool->second.entries.count(key)) {
      return kube::Status(kube::Code::kNotFound, Describe(ref) + " holds no address for container " +
                                                     request.container_id + " interface " + request.if_name);
    }
  }
  return kube::Status::Ok();
}

std::vector<IpamService::Entry> IpamService::Entries() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Entry> out;
  for (const auto& [pool_key, pool] : pools_) {
    for (const auto& [key, r] : pool.entries) out.push_back({pool_key, key, r.pod, r.ip});
  }
  return out;
}

kube::Status IpamService::Release(const Entry& entry) {
  std::unique_lock<std::mutex> lock(mu_);
  auto pool = pools_.find(entry.pool_key);
  if (pool == pools_.end()) return kube::Status::Ok();
  auto it = pool->second.entries.find(entry.key);
  if (it == pool->second.entries.end() || it->second.ip != entry.ip || it->second.pod.uid != entry.pod.uid) {
    return kube::Status::Ok();
  }
  pool->second.reserved.erase(it->second.ip.value);
  pool->second.entries.erase(it);
  return Persist(lock);
}

size_t IpamService::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& [key, pool] : pools_) n += pool.entries.size();
  return n;
}

}  // namespace ipam
