#include "core/runtime/executor.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kci {
namespace {

using std::chrono::seconds;

TEST(SimExecutor, RunsReadyTasksInPostingOrder) {
  SimExecutor ex;
  std::string order;
  ex.post([&] { order += "a"; ex.post([&] { order += "c"; }); });
  ex.post([&] { order += "b"; });
  EXPECT_EQ(ex.run_until_idle(), 3u);
  EXPECT_EQ(order, "abc");
  EXPECT_TRUE(ex.empty());
}

TEST(SimExecutor, TimersFireInTimeThenPostingOrderAndTheClockJumps) {
  SimExecutor ex;
  const auto t0 = ex.clock().now();
  std::vector<std::string> fired;
  ex.post_after(seconds(30), [&] { fired.push_back("30s"); });
  ex.post_after(seconds(10), [&] { fired.push_back("10s-a"); });
  ex.post_after(seconds(10), [&] { fired.push_back("10s-b"); });
  ex.run_until(t0 + seconds(20));
  EXPECT_EQ(fired, (std::vector<std::string>{"10s-a", "10s-b"}));
  EXPECT_EQ(ex.clock().now(), t0 + seconds(20));
  ex.run_for(seconds(60));
  EXPECT_EQ(fired.back(), "30s");
  EXPECT_EQ(ex.clock().now(), t0 + seconds(80));
}

TEST(SimExecutor, CancelledTimersDoNotFire) {
  SimExecutor ex;
  bool fired = false;
  const auto id = ex.post_after(seconds(5), [&] { fired = true; });
  ex.cancel(id);
  ex.cancel(id);      // twice is harmless
  ex.cancel(12345);   // unknown is harmless
  ex.run_for(seconds(10));
  EXPECT_FALSE(fired);
}

TEST(SimExecutor, ATimerInThePastRunsAtOnceWithoutMovingTimeBack) {
  SimExecutor ex;
  const auto t0 = ex.clock().now();
  ex.run_for(seconds(10));
  bool fired = false;
  ex.post_at(t0, [&] { fired = true; });
  ex.run_until_idle();
  EXPECT_TRUE(fired);
  EXPECT_EQ(ex.clock().now(), t0 + seconds(10));
}

TEST(SimExecutor, BudgetStopsALivelock) {
  SimExecutor ex;
  std::function<void()> again = [&] { ex.post(again); };
  ex.post(again);
  EXPECT_EQ(ex.run_until_idle(1000), 1000u);
  EXPECT_TRUE(ex.budget_exhausted());
}

TEST(SimExecutor, PeriodicTimerAdvancesThroughALongTimeline) {
  SimExecutor ex;
  int ticks = 0;
  std::function<void()> tick = [&] {
    ++ticks;
    ex.post_after(seconds(10), tick);
  };
  ex.post(tick);
  ex.run_for(std::chrono::minutes(30));
  EXPECT_EQ(ticks, 181);  // t=0, then every 10 s up to and including 30 min
}

}  // namespace
}  // namespace kci
