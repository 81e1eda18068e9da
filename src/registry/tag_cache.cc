#include "registry/tag_cache.h"

namespace registry {

TagCache::TagCache(Options options)
    : options_(std::move(options)), thread_([this](std::stop_token stop) { Run(stop); }) {}

TagCache::~TagCache() {
  thread_.request_stop();
  wake_.notify_all();
}

TagCache::Answer TagCache::Lookup(const std::string& key, Fetch fetch) {
  std::lock_guard<std::mutex> lock(mu_);
  const Clock::time_point now = Clock::now();
  auto [it, inserted] = entries_.try_emplace(key);
  it->second.fetch = std::move(fetch);
  it->second.last_lookup = now;
  if (inserted) {
    it->second.due = now;
    ++inserted_;
    wake_.notify_all();
  }
  return it->second.answer;
}

int64_t TagCache::listings() const {
  std::lock_guard<std::mutex> lock(mu_);
  return listings_;
}

void TagCache::Run(std::stop_token stop) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop.stop_requested()) {
    const Clock::time_point now = Clock::now();
    // Drop what no one asks about any more, then find the key due first.
    for (auto it = entries_.begin(); it != entries_.end();) {
      it = now - it->second.last_lookup > 2 * options_.refresh ? entries_.erase(it) : std::next(it);
    }
    auto next = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (next == entries_.end() || it->second.due < next->second.due) next = it;
    }
    if (next == entries_.end()) {
      wake_.wait(lock, stop, [this] { return !entries_.empty(); });
      continue;
    }
    if (next->second.due > now) {
      const Clock::time_point due = next->second.due;
      const uint64_t inserted = inserted_;
      // Wake for the due time, or when a new key arrives.
      wake_.wait_until(lock, stop, due, [this, inserted] { return inserted_ != inserted; });
      continue;
    }
    const std::string key = next->first;
    Fetch fetch = next->second.fetch;
    lock.unlock();
    kube::Result<std::vector<std::string>> listed = fetch();
    lock.lock();
    ++listings_;
    auto it = entries_.find(key);
    if (it == entries_.end()) continue;
    Answer& answer = it->second.answer;
    const Answer before = answer;
    if (listed.ok()) {
      answer.state = Answer::State::kKnown;
      answer.tags = std::make_shared<const std::set<std::string>>(listed->begin(), listed->end());
      answer.error.clear();
      it->second.due = Clock::now() + options_.refresh;
    } else {
      // A failed refresh keeps the tags it had: the registry being away says nothing about them.
      if (answer.state != Answer::State::kKnown) answer.state = Answer::State::kFailed;
      answer.error = listed.status().message();
      it->second.due = Clock::now() + options_.retry;
    }
    // A new error text alone is no change: a timeout's message differs from try to try.
    const bool changed = before.state != answer.state || before.error.empty() != answer.error.empty() ||
                         (before.tags == nullptr) != (answer.tags == nullptr) ||
                         (before.tags && *before.tags != *answer.tags);
    if (changed && options_.on_change) {
      lock.unlock();
      options_.on_change();
      lock.lock();
    }
  }
}

}  // namespace registry
