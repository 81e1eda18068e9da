// Controller: turns informer events into keys on a WorkQueue and runs a
// Reconciler on them with N workers, as controller-runtime's controller.
//
// A Reconciler returns a ReconcileResult (requeue, requeue-after) or an
// error Status: errors are retried with the queue's rate-limited backoff,
// except terminal ones (Invalid, InvalidArgument), which wait for the next
// change. Exceptions from a reconciler are caught, counted as panics and
// retried, never allowed to end the process.
#ifndef KUBE_CONTROLLER_H_
#define KUBE_CONTROLLER_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "kube/informer.h"
#include "kube/status.h"
#include "kube/work_queue.h"

namespace kube {

struct ReconcileRequest {
  std::string namespace_;
  std::string name;
  std::string Key() const { return ObjectKey(namespace_, name); }
  static ReconcileRequest FromKey(const std::string& key);
};

struct ReconcileResult {
  bool requeue = false;
  std::chrono::milliseconds requeue_after{0};
};

class Reconciler {
 public:
  virtual ~Reconciler() = default;
  virtual Result<ReconcileResult> Reconcile(const ReconcileRequest& request, std::stop_token stop) = 0;
};

// Maps an object event to the requests it should trigger.
using MapFunc = std::function<std::vector<ReconcileRequest>(const Object&)>;
// Decides whether an update is worth a reconcile.
using UpdatePredicate = std::function<bool(const Object& old_obj, const Object& new_obj)>;

namespace handlers {
// The object itself.
MapFunc EnqueueObject();
// The controller owner of the object, when it is of `owner_kind` in `owner_group`.
MapFunc EnqueueOwner(const std::string& owner_group, const std::string& owner_kind, bool owner_namespaced);
// Always the same request (for singleton reconcilers).
MapFunc EnqueueConstant(ReconcileRequest request);
// Every object in `informer`'s cache (when any change may affect them all).
MapFunc EnqueueAllOf(const Informer& informer);
}  // namespace handlers

namespace predicates {
// Drops updates that change nothing (periodic resyncs).
UpdatePredicate ResourceVersionChanged();
// Drops updates that change only status: same generation, labels and deletion state.
// Not for an object whose status its own reconciler writes after comparing with the
// cache: a write the cache had not yet seen would never be looked at again.
UpdatePredicate IgnoreStatusOnly();
}  // namespace predicates

struct ControllerOptions {
  int workers = 1;
  std::unique_ptr<RateLimiter> rate_limiter;  // null: DefaultControllerRateLimiter()
};

class Controller {
 public:
  Controller(std::string name, std::shared_ptr<Reconciler> reconciler, ControllerOptions options = {});

  // Enqueues what `map` returns for each event of `informer`; updates pass `predicate` first.
  void Watch(Informer& informer, MapFunc map = handlers::EnqueueObject(), UpdatePredicate predicate = nullptr);
  void Enqueue(const ReconcileRequest& request) { queue_.Add(request.Key()); }

  // Runs the workers until `stop` is requested; drains in-flight reconciles.
  void Run(std::stop_token stop);

  const std::string& name() const { return name_; }
  WorkQueue& queue() { return queue_; }

 private:
  void Work(std::stop_token stop);
  void ProcessOne(const std::string& key, std::stop_token stop);

  const std::string name_;
  std::shared_ptr<Reconciler> reconciler_;
  const int workers_;
  WorkQueue queue_;
  std::atomic<int> active_{0};
};

}  // namespace kube

#endif  // KUBE_CONTROLLER_H_
