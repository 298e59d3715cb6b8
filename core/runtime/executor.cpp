#include "core/runtime/executor.h"

namespace kci {

TimerId SimExecutor::post_at(TimePoint when, Task task) {
  const TimerId id = next_id_++;
  timers_.emplace(std::make_pair(when, id), std::move(task));
  timer_times_.emplace(id, when);
  return id;
}

void SimExecutor::cancel(TimerId id) {
  auto it = timer_times_.find(id);
  if (it == timer_times_.end()) return;
  timers_.erase({it->second, id});
  timer_times_.erase(it);
}

std::optional<TimePoint> SimExecutor::next_timer() const {
  if (timers_.empty()) return std::nullopt;
  return timers_.begin()->first.first;
}

void SimExecutor::release_due_timers() {
  while (!timers_.empty() && timers_.begin()->first.first <= clock_.now()) {
    auto node = timers_.extract(timers_.begin());
    timer_times_.erase(node.key().second);
    ready_.push_back(std::move(node.mapped()));
  }
}

std::size_t SimExecutor::run_until_idle(std::size_t max_tasks) {
  std::size_t ran = 0;
  budget_exhausted_ = false;
  release_due_timers();
  while (!ready_.empty()) {
    if (ran >= max_tasks) {
      budget_exhausted_ = true;
      return ran;
    }
    Task t = std::move(ready_.front());
    ready_.pop_front();
    t();
    ++ran;
    if (ready_.empty()) release_due_timers();
  }
  return ran;
}

std::size_t SimExecutor::run_until(TimePoint deadline, std::size_t max_tasks) {
  std::size_t ran = run_until_idle(max_tasks);
  while (!budget_exhausted_) {
    auto next = next_timer();
    if (!next || *next > deadline) break;
    clock_.advance_to(*next);
    ran += run_until_idle(max_tasks - ran);
  }
  if (!budget_exhausted_) clock_.advance_to(deadline);
  return ran;
}

}  // namespace kci
