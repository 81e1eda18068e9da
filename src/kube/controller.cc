#include "kube/controller.h"

#include <exception>
#include <thread>

#include "kube/log.h"
#include "kube/metrics.h"

namespace kube {
namespace {

metrics::Family& ReconcileTotal() {
  static auto& f = metrics::Default().Counter("controller_runtime_reconcile_total",
                                              "Total number of reconciliations per controller", {"controller", "result"});
  return f;
}
metrics::Family& ReconcileErrors() {
  static auto& f = metrics::Default().Counter("controller_runtime_reconcile_errors_total",
                                              "Total number of reconciliation errors per controller", {"controller"});
  return f;
}
metrics::Family& TerminalErrors() {
  static auto& f = metrics::Default().Counter("controller_runtime_terminal_reconcile_errors_total",
                                              "Total number of terminal reconciliation errors per controller",
                                              {"controller"});
  return f;
}
metrics::Family& Panics() {
  static auto& f = metrics::Default().Counter("controller_runtime_reconcile_panics_total",
                                              "Total number of reconciliation panics per controller", {"controller"});
  return f;
}
metrics::Family& ReconcileTime() {
  static auto& f = metrics::Default().Histogram(
      "controller_runtime_reconcile_time_seconds", "Length of time per reconciliation per controller", {"controller"},
      {0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25,
       1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60});
  return f;
}
metrics::Family& ActiveWorkers() {
  static auto& f = metrics::Default().Gauge("controller_runtime_active_workers",
                                            "Number of currently used workers per controller", {"controller"});
  return f;
}
metrics::Family& MaxConcurrent() {
  static auto& f = metrics::Default().Gauge("controller_runtime_max_concurrent_reconciles",
                                            "Maximum number of concurrent reconciles per controller", {"controller"});
  return f;
}

bool Terminal(const Status& s) { return s.code() == Code::kInvalid || s.code() == Code::kInvalidArgument; }

}  // namespace

ReconcileRequest ReconcileRequest::FromKey(const std::string& key) {
  auto slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

namespace handlers {
MapFunc EnqueueObject() {
  return [](const Object& o) { return std::vector<ReconcileRequest>{{o.namespace_(), o.name()}}; };
}
MapFunc EnqueueOwner(const std::string& owner_group, const std::string& owner_kind, bool owner_namespaced) {
  return [owner_group, owner_kind, owner_namespaced](const Object& o) {
    std::vector<ReconcileRequest> out;
    const OwnerReference* owner = o.meta().ControllerOwner();
    if (owner == nullptr || owner->kind != owner_kind) return out;
    if (GroupVersionKind::FromApiVersion(owner->api_version, owner->kind).group != owner_group) return out;
    // A namespaced owner lives in its dependent's namespace (cross-namespace owners are invalid).
    out.push_back({owner_namespaced ? o.namespace_() : "", owner->name});
    return out;
  };
}
MapFunc EnqueueConstant(ReconcileRequest request) {
  return [request](const Object&) { return std::vector<ReconcileRequest>{request}; };
}
MapFunc EnqueueAllOf(const Informer& informer) {
  return [&informer](const Object&) {
    std::vector<ReconcileRequest> out;
    for (const auto& o : informer.store().List()) out.push_back({o->namespace_(), o->name()});
    return out;
  };
}
}  // namespace handlers

namespace predicates {
UpdatePredicate ResourceVersionChanged() {
  return [](const Object& o, const Object& n) { return o.resource_version() != n.resource_version(); };
}
UpdatePredicate IgnoreStatusOnly() {
  return [](const Object& o, const Object& n) {
    if (o.resource_version() == n.resource_version()) return false;
    const auto& a = o.meta();
    const auto& b = n.meta();
    if (b.generation == 0) return true;  // kinds without generation: cannot tell, let it through
    return a.generation != b.generation || a.labels_hash != b.labels_hash || a.deleting != b.deleting;
  };
}
}  // namespace predicates

Controller::Controller(std::string name, std::shared_ptr<Reconciler> reconciler, ControllerOptions options)
    : name_(std::move(name)),
      reconciler_(std::move(reconciler)),
      workers_(std::max(1, options.workers)),
      queue_(name_, options.rate_limiter ? std::move(options.rate_limiter) : DefaultControllerRateLimiter()) {}

void Controller::Watch(Informer& informer, MapFunc map, UpdatePredicate predicate) {
  auto enqueue = [this, map](const ObjectPtr& obj) {
    for (const auto& r : map(*obj)) queue_.Add(r.Key());
  };
  EventHandlers h;
  h.on_add = enqueue;
  h.on_delete = enqueue;
  h.on_update = [enqueue, predicate](const ObjectPtr& o, const ObjectPtr& n) {
    if (!predicate || predicate(*o, *n)) enqueue(n);
  };
  informer.AddHandlers(std::move(h));
}

void Controller::ProcessOne(const std::string& key, std::stop_token stop) {
  ActiveWorkers().With({name_}).Set(++active_);
  const auto start = std::chrono::steady_clock::now();
  Result<ReconcileResult> result = Status(Code::kInternal, "reconcile did not run");
  try {
    result = reconciler_->Reconcile(ReconcileRequest::FromKey(key), stop);
  } catch (const std::exception& e) {
    Panics().With({name_}).Add(1);
    result = Status(Code::kInternal, std::string("reconciler threw: ") + e.what());
  }
  ReconcileTime().With({name_}).Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  ActiveWorkers().With({name_}).Set(--active_);
  if (!result.ok()) {
    const Status& s = result.status();
    ReconcileErrors().With({name_}).Add(1);
    ReconcileTotal().With({name_, "error"}).Add(1);
    if (Terminal(s)) {
      TerminalErrors().With({name_}).Add(1);
      queue_.Forget(key);
      log::Error("reconcile failed (terminal)", {{"controller", name_}, {"key", key}, {"error", s.ToString()}});
    } else {
      queue_.AddRateLimited(key);
      log::Warn("reconcile failed; will retry", {{"controller", name_}, {"key", key}, {"error", s.ToString()},
                                                 {"retries", std::to_string(queue_.NumRequeues(key))}});
    }
  } else if (result->requeue_after.count() > 0) {
    ReconcileTotal().With({name_, "requeue_after"}).Add(1);
    queue_.Forget(key);
    queue_.AddAfter(key, result->requeue_after);
  } else if (result->requeue) {
    ReconcileTotal().With({name_, "requeue"}).Add(1);
    queue_.AddRateLimited(key);
  } else {
    ReconcileTotal().With({name_, "success"}).Add(1);
    queue_.Forget(key);
  }
  queue_.Done(key);
}

void Controller::Work(std::stop_token stop) {
  while (auto key = queue_.Get()) ProcessOne(*key, stop);
}

void Controller::Run(std::stop_token stop) {
  MaxConcurrent().With({name_}).Set(workers_);
  log::Info("starting workers", {{"controller", name_}, {"workers", std::to_string(workers_)}});
  {
    std::stop_callback shutdown(stop, [this] { queue_.ShutDown(); });
    std::vector<std::jthread> threads;
    for (int i = 0; i < workers_; ++i) threads.emplace_back([this, stop] { Work(stop); });
  }  // joins: in-flight reconciles finish before Run returns
  log::Info("workers stopped", {{"controller", name_}});
}

}  // namespace kube
