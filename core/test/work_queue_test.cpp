#include "core/runtime/work_queue.h"

#include <gtest/gtest.h>

#include "core/runtime/token_bucket.h"

namespace kci {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(WorkQueue, AKeyAddedManyTimesRunsOnce) {
  SimExecutor ex;
  int runs = 0;
  WorkQueue q(ex, Rng(1), [&](const std::string&) {
    ++runs;
    return WorkQueue::Reply{};
  });
  q.add("a");
  q.add("a");
  q.add("a");
  ex.run_until_idle();
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(q.size(), 0u);
}

TEST(WorkQueue, AddedWhileRunningRunsAgainAfter) {
  SimExecutor ex;
  int runs = 0;
  WorkQueue* self = nullptr;
  WorkQueue q(ex, Rng(1), [&](const std::string& k) {
    if (++runs == 1) self->add(k);
    return WorkQueue::Reply{};
  });
  self = &q;
  q.add("a");
  ex.run_until_idle();
  EXPECT_EQ(runs, 2);
}

TEST(WorkQueue, FailuresBackOffExponentiallyAndSuccessForgets) {
  SimExecutor ex;
  std::vector<TimePoint> at;
  WorkQueue q(ex, Rng(1),
              [&](const std::string&) {
                at.push_back(ex.clock().now());
                return WorkQueue::Reply{at.size() < 5 ? WorkQueue::Outcome::kRetry : WorkQueue::Outcome::kDone};
              },
              WorkQueue::Backoff{milliseconds(100), seconds(10), 0.0});
  q.add("a");
  ex.run_for(seconds(60));
  ASSERT_EQ(at.size(), 5u);
  EXPECT_EQ(at[1] - at[0], milliseconds(100));
  EXPECT_EQ(at[2] - at[1], milliseconds(200));
  EXPECT_EQ(at[3] - at[2], milliseconds(400));
  EXPECT_EQ(at[4] - at[3], milliseconds(800));
  EXPECT_EQ(q.failures("a"), 0);
}

TEST(WorkQueue, BackoffIsCappedAndRetryAfterIsAFloor) {
  SimExecutor ex;
  std::vector<TimePoint> at;
  WorkQueue q(ex, Rng(1),
              [&](const std::string&) {
                at.push_back(ex.clock().now());
                return WorkQueue::Reply{WorkQueue::Outcome::kRetry, seconds(3)};
              },
              WorkQueue::Backoff{milliseconds(100), seconds(5), 0.0});
  q.add("a");
  ex.run_for(seconds(30));
  ASSERT_GE(at.size(), 4u);
  EXPECT_EQ(at[1] - at[0], seconds(3));  // Retry-After beats the 100 ms backoff
  for (std::size_t i = 1; i < at.size(); ++i) EXPECT_LE(at[i] - at[i - 1], seconds(5));
}

TEST(WorkQueue, AddAfterKeepsTheEarliestAndShutDownStopsEverything) {
  SimExecutor ex;
  std::vector<TimePoint> at;
  WorkQueue q(ex, Rng(1), [&](const std::string&) {
    at.push_back(ex.clock().now());
    return WorkQueue::Reply{};
  });
  const auto t0 = ex.clock().now();
  q.add_after("a", seconds(10));
  q.add_after("a", seconds(5));
  q.add_after("a", seconds(20));
  ex.run_for(seconds(30));
  ASSERT_EQ(at.size(), 1u);
  EXPECT_EQ(at[0] - t0, seconds(5));
  q.add_after("b", seconds(1));
  q.shut_down();
  ex.run_for(seconds(5));
  EXPECT_EQ(at.size(), 1u);
}

TEST(TokenBucket, LimitsTheRateAndRefillsOnTheClock) {
  VirtualClock clock;
  TokenBucket b(clock, 10, 2);
  EXPECT_TRUE(b.try_take());
  EXPECT_TRUE(b.try_take());
  EXPECT_FALSE(b.try_take());
  EXPECT_GT(b.wait_time().count(), 0);
  EXPECT_LE(b.wait_time(), milliseconds(101));
  clock.advance(milliseconds(100));
  EXPECT_TRUE(b.try_take());
  EXPECT_FALSE(b.try_take());
  clock.advance(seconds(10));
  EXPECT_TRUE(b.try_take());
  EXPECT_TRUE(b.try_take());
  EXPECT_FALSE(b.try_take());  // never more than the burst
  TokenBucket unlimited(clock, 0, 0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(unlimited.try_take());
}

}  // namespace
}  // namespace kci
