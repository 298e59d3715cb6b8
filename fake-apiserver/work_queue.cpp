#include "fake-apiserver/work_queue.h"

namespace kci::apiserver {

WorkQueue::WorkQueue(Executor& executor, Work work) : executor_(executor), work_(std::move(work)) {}

WorkQueue::~WorkQueue() {
  *alive_ = false;
  shut_down();
}

void WorkQueue::add(const std::string& key) {
  if (shut_) return;
  if (queued_.insert(key).second) queue_.push_back(key);
  kick();
}

void WorkQueue::add_after(const std::string& key, Duration delay) {
  if (shut_) return;
  auto id = std::make_shared<TimerId>(0);
  *id = executor_.post_after(delay, [this, key, id, alive = std::weak_ptr<bool>(alive_)] {
    auto a = alive.lock();
    if (!a || !*a) return;
    timers_.erase(*id);
    add(key);
  });
  timers_.insert(*id);
}

void WorkQueue::shut_down() {
  shut_ = true;
  for (TimerId t : timers_) executor_.cancel(t);
  timers_.clear();
  queue_.clear();
  queued_.clear();
}

void WorkQueue::kick() {
  if (draining_ || queue_.empty()) return;
  draining_ = true;
  executor_.post([this, alive = std::weak_ptr<bool>(alive_)] {
    auto a = alive.lock();
    if (!a || !*a) return;
    drain();
  });
}

void WorkQueue::drain() {
  draining_ = false;
  while (!queue_.empty() && !shut_) {
    std::string key = std::move(queue_.front());
    queue_.pop_front();
    queued_.erase(key);
    work_(key);
  }
}

}  // namespace kci::apiserver
