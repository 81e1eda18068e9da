#include "kube/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>

#include <thread>

namespace kube {
namespace {

using std::chrono::milliseconds;

std::unique_ptr<RateLimiter> Fast() {
  return std::make_unique<ItemExponentialRateLimiter>(milliseconds(1), milliseconds(50));
}

TEST(WorkQueue, DeduplicatesKeysWaitingToBeProcessed) {
  WorkQueue q("dedupe", Fast());
  for (int i = 0; i < 10; ++i) q.Add("a");
  q.Add("b");
  EXPECT_EQ(q.Len(), 2u);
  EXPECT_EQ(*q.Get(), "a");
  EXPECT_EQ(*q.Get(), "b");
  EXPECT_EQ(q.Len(), 0u);
}

TEST(WorkQueue, AKeyAddedWhileProcessingIsRequeuedAfterDone) {
  WorkQueue q("processing", Fast());
  q.Add("a");
  auto key = q.Get();
  q.Add("a");
  q.Add("a");
  EXPECT_EQ(q.Len(), 0u) << "never handed to a second worker while in flight";
  q.Done(*key);
  EXPECT_EQ(q.Len(), 1u);
  EXPECT_EQ(*q.Get(), "a");
}

TEST(WorkQueue, AddAfterDelaysAndKeepsTheEarliest) {
  WorkQueue q("delay", Fast());
  const auto start = std::chrono::steady_clock::now();
  q.AddAfter("a", std::chrono::seconds(300));
  q.AddAfter("a", milliseconds(30));
  auto key = q.Get();
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(*key, "a");
  EXPECT_GE(waited, milliseconds(25));
  EXPECT_LT(waited, std::chrono::seconds(150)) << "the later delay replaced the earlier one";
}

// The delay loop already asleep until the first deadline: an earlier one for the same key wakes
// it (and the entry it slept on, now gone, is not read again).
TEST(WorkQueue, AnEarlierDelayWakesTheLoopWaitingOnALaterOne) {
  WorkQueue q("delay-waiting", Fast());
  q.AddAfter("a", std::chrono::seconds(300));
  std::this_thread::sleep_for(milliseconds(50));
  const auto start = std::chrono::steady_clock::now();
  q.AddAfter("a", milliseconds(30));
  auto key = q.Get();
  EXPECT_EQ(*key, "a");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(150));
}

TEST(WorkQueue, ShutDownWakesWaitingWorkers) {
  WorkQueue q("shutdown", Fast());
  std::optional<std::string> got = "unset";
  std::atomic<bool> returned{false};
  std::thread worker([&] {
    got = q.Get();
    returned = true;
  });
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_FALSE(returned.load()) << "Get returned from an empty queue that was not shut down";
  q.ShutDown();
  worker.join();
  EXPECT_FALSE(got.has_value());
  q.Add("late");
  EXPECT_EQ(q.Len(), 0u);
}

TEST(WorkQueue, RateLimitedRetriesCountAndForgetResets) {
  WorkQueue q("retries", Fast());
  q.AddRateLimited("a");
  q.Done(*q.Get());
  q.AddRateLimited("a");
  q.Done(*q.Get());
  EXPECT_EQ(q.NumRequeues("a"), 2);
  q.Forget("a");
  EXPECT_EQ(q.NumRequeues("a"), 0);
}

TEST(RateLimiter, ItemExponentialDoublesFrom5msTo1000s) {
  auto limiter = DefaultControllerRateLimiter();
  // The bucket (burst 100) allows the first retries at once, so the per-item backoff shows.
  EXPECT_EQ(limiter->When("k"), milliseconds(5));
  EXPECT_EQ(limiter->When("k"), milliseconds(10));
  EXPECT_EQ(limiter->When("k"), milliseconds(20));
  for (int i = 0; i < 30; ++i) limiter->When("k");
  EXPECT_EQ(limiter->When("k"), std::chrono::seconds(1000));
  EXPECT_EQ(limiter->NumRequeues("k"), 34);
  EXPECT_EQ(limiter->When("other"), milliseconds(5));
  limiter->Forget("k");
  EXPECT_EQ(limiter->When("k"), milliseconds(5));
}

TEST(RateLimiter, BucketSpreadsRetriesOnceTheBurstIsSpent) {
  BucketRateLimiter bucket(10, 100);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(bucket.When("k" + std::to_string(i)), RateLimiter::Duration::zero());
  EXPECT_GT(bucket.When("next"), milliseconds(50));  // ~100 ms at 10 qps
}

}  // namespace
}  // namespace kube
