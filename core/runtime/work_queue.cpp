#include "core/runtime/work_queue.h"

#include <algorithm>
#include <cmath>

namespace kci {

WorkQueue::WorkQueue(Executor& executor, Rng rng, Handler handler, Backoff backoff)
    : executor_(executor), rng_(std::move(rng)), handler_(std::move(handler)), backoff_(backoff) {}

WorkQueue::~WorkQueue() { shut_down(); }

void WorkQueue::shut_down() {
  if (shut_down_) return;
  shut_down_ = true;
  *alive_ = false;
  for (auto& [key, s] : state_)
    if (s.timer) executor_.cancel(s.timer);
  state_.clear();
}

int WorkQueue::failures(const std::string& key) const {
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

void WorkQueue::add(const std::string& key) {
  if (shut_down_) return;
  auto& s = state_[key];
  if (s.running) {
    s.dirty = true;
    return;
  }
  if (s.queued) return;
  if (s.timer) {
    executor_.cancel(s.timer);
    s.timer = 0;
  }
  s.queued = true;
  auto alive = alive_;
  executor_.post([this, alive, key] {
    if (*alive) run(key);
  });
}

void WorkQueue::add_after(const std::string& key, Duration delay) {
  if (shut_down_) return;
  if (delay.count() <= 0) {
    add(key);
    return;
  }
  auto& s = state_[key];
  if (s.running) {
    s.dirty = true;  // it runs again right after; that run may back off itself
    return;
  }
  if (s.queued) return;
  const TimePoint at = executor_.clock().now() + delay;
  if (s.timer) {
    if (s.timer_at <= at) return;  // an earlier run is already due
    executor_.cancel(s.timer);
  }
  auto alive = alive_;
  s.timer_at = at;
  s.timer = executor_.post_at(at, [this, alive, key] {
    if (!*alive) return;
    auto it = state_.find(key);
    if (it == state_.end()) return;
    it->second.timer = 0;
    add(key);
  });
}

Duration WorkQueue::backoff_for(const std::string& key) {
  const int n = failures_[key]++;
  // base * 2^n, capped; computed in double so large n cannot overflow.
  const double raw = static_cast<double>(backoff_.base.count()) * std::pow(2.0, std::min(n, 60));
  double delay = std::min(raw, static_cast<double>(backoff_.cap.count()));
  if (backoff_.jitter > 0) delay *= 1.0 + backoff_.jitter * (2.0 * rng_.unit() - 1.0);
  return Duration(static_cast<Duration::rep>(std::max(1.0, delay)));
}

void WorkQueue::run(const std::string& key) {
  auto it = state_.find(key);
  if (it == state_.end()) return;
  it->second.queued = false;
  it->second.running = true;
  const Reply reply = handler_(key);
  if (shut_down_) return;
  it = state_.find(key);
  if (it == state_.end()) return;
  it->second.running = false;
  const bool dirty = it->second.dirty;
  it->second.dirty = false;
  switch (reply.outcome) {
    case Outcome::kDone:
      failures_.erase(key);
      if (dirty) {
        add(key);
      } else if (!it->second.timer) {
        state_.erase(it);
      }
      return;
    case Outcome::kRetry: {
      const Duration d = std::max(backoff_for(key), reply.retry_after);
      if (dirty) add(key);
      else add_after(key, d);
      return;
    }
    case Outcome::kRetryLater:
      if (dirty) add(key);
      else add_after(key, reply.retry_after);
      return;
  }
}

}  // namespace kci
