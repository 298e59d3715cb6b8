// Where work runs: an Executor runs tasks now or at a time on its Clock.
//
// Controllers, the virtual kubelet and the stand-ins are written against this interface, so
// the same code runs on the simulator's discrete-event loop (SimExecutor: one thread, a
// virtual clock that jumps to the next timer when nothing is runnable, same seed -> same
// order) and on the production loop (provider/: Boost.Asio and the wall clock).
// Must not: block, sleep, or read the system clock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <deque>
#include <optional>
#include <utility>

#include "core/clock.h"

namespace kci {

//! Identifies a scheduled timer so it can be cancelled; 0 is never a valid id.
using TimerId = std::uint64_t;

class Executor {
 public:
  using Task = std::function<void()>;
  virtual ~Executor() = default;

  //! Runs `task` soon, after the tasks already posted (FIFO).
  virtual void post(Task task) = 0;
  //! Runs `task` once the clock reaches `when` (at once if it already has).
  virtual TimerId post_at(TimePoint when, Task task) = 0;
  //! Runs `task` after `delay`.
  TimerId post_after(Duration delay, Task task) { return post_at(clock().now() + delay, std::move(task)); }
  //! Cancels a timer that has not fired; unknown or fired ids are ignored.
  virtual void cancel(TimerId id) = 0;
  //! The clock timers are measured on.
  virtual const Clock& clock() const = 0;
};

//! The simulator's deterministic event loop: a FIFO of ready tasks and timers ordered by
//! (time, order of posting). Time moves only in run_* calls, jumping to the next timer.
class SimExecutor final : public Executor {
 public:
  explicit SimExecutor(TimePoint start = VirtualClock::kDefaultStart) : clock_(start) {}

  void post(Task task) override { ready_.push_back(std::move(task)); }
  TimerId post_at(TimePoint when, Task task) override;
  void cancel(TimerId id) override;
  const Clock& clock() const override { return clock_; }
  //! The virtual clock itself (for components that take a Clock&).
  VirtualClock& virtual_clock() { return clock_; }

  //! Runs ready tasks (and timers due now) until none is left; returns how many ran.
  //! `max_tasks` bounds a livelock (a task that always posts another).
  std::size_t run_until_idle(std::size_t max_tasks = kDefaultTaskBudget);
  //! Runs until idle, then jumps to the next timer, repeatedly, while the next timer is not
  //! after `deadline`. The clock ends at `deadline` (or at the last timer run, if later
  //! timers remain and the budget ran out). Returns the number of tasks run.
  std::size_t run_until(TimePoint deadline, std::size_t max_tasks = kDefaultTaskBudget);
  //! Runs for `d` of virtual time.
  std::size_t run_for(Duration d, std::size_t max_tasks = kDefaultTaskBudget) {
    return run_until(clock_.now() + d, max_tasks);
  }
  //! The time of the earliest pending timer, if any.
  std::optional<TimePoint> next_timer() const;
  //! True when nothing is ready and no timer is pending.
  bool empty() const { return ready_.empty() && timers_.empty(); }
  //! True when a run stopped because `max_tasks` was reached.
  bool budget_exhausted() const { return budget_exhausted_; }

  //! Large enough for a 100k-pod burst; small enough to stop a livelock in seconds.
  static constexpr std::size_t kDefaultTaskBudget = 500'000'000;

 private:
  //! Moves timers due at or before now to the ready queue, in order.
  void release_due_timers();

  VirtualClock clock_;
  std::deque<Task> ready_;
  //! (when, id) -> task; ids grow, so equal times keep posting order.
  std::map<std::pair<TimePoint, TimerId>, Task> timers_;
  std::map<TimerId, TimePoint> timer_times_;
  TimerId next_id_ = 1;
  bool budget_exhausted_ = false;
};

}  // namespace kci
