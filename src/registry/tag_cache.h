// TagCache: what registries last said about repositories' tags, asked on a
// thread of its own so that a caller (a reconcile) never waits on a registry.
//
// Lookup() answers at once. The first question about a key starts a listing
// and answers kPending; the answer (the tags, or why there are none) then
// stays until a refresh replaces it, every `refresh`. A failed listing is
// asked again after `retry`; a refresh that fails keeps the tags it had.
// `on_change` runs on the cache's thread whenever an answer changes, so the
// caller can look again. Keys not looked up for two refresh periods are
// dropped. Thread-safe.
#ifndef REGISTRY_TAG_CACHE_H_
#define REGISTRY_TAG_CACHE_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kube/status.h"

namespace registry {

class TagCache {
 public:
  // Lists one key's tags; runs on the cache's thread, never under its lock.
  using Fetch = std::function<kube::Result<std::vector<std::string>>()>;

  struct Options {
    std::chrono::milliseconds refresh = std::chrono::minutes(30);
    std::chrono::milliseconds retry = std::chrono::minutes(1);
    std::function<void()> on_change;
  };

  struct Answer {
    enum class State { kPending, kKnown, kFailed };
    State state = State::kPending;
    std::shared_ptr<const std::set<std::string>> tags;  // set when kKnown
    std::string error;                                  // the last listing's error, if it failed
    bool Has(const std::string& tag) const { return tags && tags->count(tag) > 0; }
  };

  explicit TagCache(Options options);
  ~TagCache();  // stops the thread, waiting for a listing in progress
  TagCache(const TagCache&) = delete;
  TagCache& operator=(const TagCache&) = delete;

  // The answer for `key`; `fetch` is how to list it (kept for the refreshes, replaced by each call).
  Answer Lookup(const std::string& key, Fetch fetch);

  // Listings done so far (for tests and metrics).
  int64_t listings() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    Fetch fetch;
    Answer answer;
    Clock::time_point due;          // next listing
    Clock::time_point last_lookup;  // for dropping keys no one asks about
  };
  void Run(std::stop_token stop);

  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable_any wake_;
  std::map<std::string, Entry> entries_;
  int64_t listings_ = 0;
  uint64_t inserted_ = 0;  // keys added so far: wakes the thread for a new one
  std::jthread thread_;  // last: it starts after the members it uses
};

}  // namespace registry

#endif  // REGISTRY_TAG_CACHE_H_
