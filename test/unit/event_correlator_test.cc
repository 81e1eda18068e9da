#include "kube/event_correlator.h"

#include <gtest/gtest.h>

namespace kube {
namespace {

using Action = EventCorrelator::Decision::Action;

TEST(EventCorrelator, RepeatsBecomeCountIncrements) {
  EventCorrelator c;
  auto t = EventCorrelator::Clock::now();
  auto first = c.Observe("uid-1", "Normal", "Synced", "ok", t);
  EXPECT_EQ(first.action, Action::kCreate);
  c.Created("uid-1", "Normal", "Synced", "ok", "obj.1");
  auto second = c.Observe("uid-1", "Normal", "Synced", "ok", t);
  EXPECT_EQ(second.action, Action::kIncrement);
  EXPECT_EQ(second.event_name, "obj.1");
  EXPECT_EQ(second.count, 2);
  EXPECT_EQ(c.Observe("uid-1", "Normal", "Synced", "ok", t).count, 3);
  EXPECT_EQ(c.Observe("uid-1", "Warning", "Failed", "bad", t).action, Action::kCreate);
}

TEST(EventCorrelator, SpamIsDroppedAfterTheBurstAndRefills) {
  EventCorrelator c(4096, 25, std::chrono::minutes(5));
  auto t = EventCorrelator::Clock::now();
  for (int i = 0; i < 25; ++i) {
    EXPECT_NE(c.Observe("uid", "Normal", "R", std::to_string(i), t).action, Action::kDrop);
  }
  EXPECT_EQ(c.Observe("uid", "Normal", "R", "x", t).action, Action::kDrop);
  EXPECT_NE(c.Observe("other-object", "Normal", "R", "x", t).action, Action::kDrop);
  EXPECT_NE(c.Observe("uid", "Normal", "R", "x", t + std::chrono::minutes(5)).action, Action::kDrop);
}

TEST(EventCorrelator, ForgetsTheLeastRecentBeyondCapacity) {
  EventCorrelator c(2);
  auto t = EventCorrelator::Clock::now();
  c.Created("a", "Normal", "R", "m", "a.1");
  c.Created("b", "Normal", "R", "m", "b.1");
  c.Created("c", "Normal", "R", "m", "c.1");
  EXPECT_EQ(c.Observe("a", "Normal", "R", "m", t).action, Action::kCreate);
  EXPECT_EQ(c.Observe("c", "Normal", "R", "m", t).action, Action::kIncrement);
}

}  // namespace
}  // namespace kube
