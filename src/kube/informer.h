// Informer: keeps a Store in step with the server by list+watch, and tells
// handlers what changed.
//
// It lists (paged, consistent), then watches from the list's
// resourceVersion with bookmarks. A watch that ends is resumed from the last
// seen resourceVersion; a 410 Gone (compacted history) leads to a relist
// whose differences are delivered as ordinary add/update/delete events, so
// handlers never see a lost or duplicated change. Broken connections are
// retried with capped exponential backoff (800 ms to 30 s). An optional
// FieldMask trims cached objects to bound memory on large clusters.
#ifndef KUBE_INFORMER_H_
#define KUBE_INFORMER_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <vector>

#include "kube/client.h"
#include "kube/field_mask.h"
#include "kube/store.h"

namespace kube {

struct InformerOptions {
  std::string namespace_;  // "" for all namespaces
  std::string label_selector;
  std::string field_selector;
  std::shared_ptr<const FieldMask> mask;  // null: keep whole objects
  std::chrono::seconds resync{0};         // 0: never redeliver unchanged objects
  int64_t page_size = 500;
};

// Callbacks an informer makes from its own thread; they should be quick (enqueue work).
struct EventHandlers {
  std::function<void(const ObjectPtr&)> on_add;
  std::function<void(const ObjectPtr& old_obj, const ObjectPtr& new_obj)> on_update;
  std::function<void(const ObjectPtr&)> on_delete;
};

class Informer {
 public:
  Informer(Client& client, Resource resource, InformerOptions options);

  // Handlers added after the first sync get the current content as adds.
  void AddHandlers(EventHandlers handlers);
  Store& store() { return store_; }
  const Store& store() const { return store_; }
  const Resource& resource() const { return resource_; }

  // Runs until `stop` is requested.
  void Run(std::stop_token stop);
  bool HasSynced() const { return synced_.load(); }
  // The error of the most recent failed list or watch (Ok when the last one succeeded).
  Status LastError() const;

  // Counters for tests and metrics.
  uint64_t relists() const { return relists_.load(); }
  uint64_t watches() const { return watches_.load(); }

 private:
  Status ListAndReplace();
  Status WatchOnce(std::stop_token stop);
  void Dispatch(const Store::Delta& delta);
  void SetError(Status status);
  void Resync();

  Client& client_;
  const Resource resource_;
  const InformerOptions options_;
  Store store_;
  mutable std::mutex mu_;  // guards handlers_ and last_error_
  std::vector<EventHandlers> handlers_;
  Status last_error_;
  std::string resource_version_;
  std::atomic<bool> synced_{false};
  std::atomic<uint64_t> relists_{0};
  std::atomic<uint64_t> watches_{0};
};

}  // namespace kube

#endif  // KUBE_INFORMER_H_
