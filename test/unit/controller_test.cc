#include "kube/controller.h"
#include "kube/json_decode.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

namespace kube {
namespace {

using std::chrono::milliseconds;

class CountingReconciler : public Reconciler {
 public:
  std::function<Result<ReconcileResult>(const ReconcileRequest&, int)> behaviour;
  Result<ReconcileResult> Reconcile(const ReconcileRequest& r, std::stop_token) override {
    int n;
    {
      std::lock_guard lock(mu);
      n = ++calls[r.Key()];
      total++;
    }
    return behaviour ? behaviour(r, n) : ReconcileResult{};
  }
  int Calls(const std::string& key) {
    std::lock_guard lock(mu);
    return calls[key];
  }
  int Total() {
    std::lock_guard lock(mu);
    return total;
  }
  std::mutex mu;
  std::map<std::string, int> calls;
  int total = 0;  // guarded by mu
};

// Runs the controller until `done` holds or 60 s pass (a loaded machine is slow, never that slow).
void RunUntil(Controller& c, const std::function<bool()>& done) {
  std::stop_source stop;
  std::jthread runner([&] { c.Run(stop.get_token()); });
  for (int i = 0; i < 6000 && !done(); ++i) std::this_thread::sleep_for(milliseconds(10));
  std::this_thread::sleep_for(milliseconds(50));  // would catch extra reconciles
  stop.request_stop();
}

ControllerOptions FastRetries(int workers) {
  ControllerOptions o;
  o.workers = workers;
  o.rate_limiter = std::make_unique<ItemExponentialRateLimiter>(milliseconds(1), milliseconds(20));
  return o;
}

TEST(Controller, ABurstOf1000AddsFor100KeysReconcilesEachKeyOnce) {
  auto r = std::make_shared<CountingReconciler>();
  Controller c("burst", r, FastRetries(4));
  for (int i = 0; i < 1000; ++i) c.Enqueue({"ns", "key-" + std::to_string(i % 100)});
  RunUntil(c, [&] { return r->Total() >= 100; });
  EXPECT_EQ(r->Total(), 100);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(r->Calls("ns/key-" + std::to_string(i)), 1);
}

TEST(Controller, ErrorsAreRetriedWithBackoffUntilSuccess) {
  auto r = std::make_shared<CountingReconciler>();
  r->behaviour = [](const ReconcileRequest&, int n) -> Result<ReconcileResult> {
    if (n < 3) return Status(Code::kConflict, "stale");
    return ReconcileResult{};
  };
  Controller c("retry", r, FastRetries(1));
  c.Enqueue({"", "a"});
  RunUntil(c, [&] { return r->Calls("a") >= 3; });
  EXPECT_EQ(r->Calls("a"), 3);
  EXPECT_EQ(c.queue().NumRequeues("a"), 0) << "success forgets the failures";
}

TEST(Controller, TerminalErrorsAreNotRetried) {
  auto r = std::make_shared<CountingReconciler>();
  r->behaviour = [](const ReconcileRequest&, int) -> Result<ReconcileResult> {
    return Status(Code::kInvalid, "spec.x is wrong");
  };
  Controller c("terminal", r, FastRetries(1));
  c.Enqueue({"", "a"});
  RunUntil(c, [&] { return r->Calls("a") >= 1; });
  EXPECT_EQ(r->Calls("a"), 1);
}

TEST(Controller, AThrowingReconcilerIsRetriedNotFatal) {
  auto r = std::make_shared<CountingReconciler>();
  r->behaviour = [](const ReconcileRequest&, int n) -> Result<ReconcileResult> {
    if (n == 1) throw std::runtime_error("boom");
    return ReconcileResult{};
  };
  Controller c("panic", r, FastRetries(1));
  c.Enqueue({"", "a"});
  RunUntil(c, [&] { return r->Calls("a") >= 2; });
  EXPECT_EQ(r->Calls("a"), 2);
}

TEST(Controller, RequeueAfterComesBack) {
  auto r = std::make_shared<CountingReconciler>();
  r->behaviour = [](const ReconcileRequest&, int n) -> Result<ReconcileResult> {
    ReconcileResult res;
    if (n == 1) res.requeue_after = milliseconds(30);
    return res;
  };
  Controller c("after", r, FastRetries(1));
  c.Enqueue({"", "a"});
  RunUntil(c, [&] { return r->Calls("a") >= 2; });
  EXPECT_EQ(r->Calls("a"), 2);
}

TEST(Predicates, DropNoOpAndStatusOnlyUpdates) {
  auto make = [](const std::string& rv, int64_t gen, std::map<std::string, std::string> labels) {
    ObjectMeta m;
    m.name = "x";
    m.resource_version = rv;
    m.generation = gen;
    m.labels_hash = LabelsHash(labels);
    return Object(m, "{}");
  };
  auto rv_changed = predicates::ResourceVersionChanged();
  EXPECT_FALSE(rv_changed(make("1", 1, {}), make("1", 1, {})));
  EXPECT_TRUE(rv_changed(make("1", 1, {}), make("2", 1, {})));
  auto spec_only = predicates::IgnoreStatusOnly();
  EXPECT_FALSE(spec_only(make("1", 1, {}), make("2", 1, {}))) << "status-only";
  EXPECT_TRUE(spec_only(make("1", 1, {}), make("2", 2, {}))) << "spec changed";
  EXPECT_TRUE(spec_only(make("1", 1, {}), make("2", 1, {{"a", "b"}}))) << "labels changed";
}

TEST(Handlers, EnqueueOwnerMapsToTheControllerOwner) {
  ObjectMeta m;
  m.name = "pod";
  m.namespace_ = "ns";
  m.owner_references.push_back({"apps/v1", "DaemonSet", "ds", "uid", true});
  Object pod(m, "{}");
  auto reqs = handlers::EnqueueOwner("apps", "DaemonSet", true)(pod);
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].Key(), "ns/ds");
  EXPECT_TRUE(handlers::EnqueueOwner("apps", "Deployment", true)(pod).empty());
  EXPECT_EQ(handlers::EnqueueOwner("apps", "DaemonSet", false)(pod)[0].Key(), "ds");
}

}  // namespace
}  // namespace kube
