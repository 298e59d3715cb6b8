// The work queue of the fake cluster's controllers: object keys worked off in posting order
// on the Executor, each key once however often it was added before its turn (client-go's
// workqueue without rate limiting), plus delayed adds on the Executor's timers.
// Must not: run work inline from add(), block, or read the wall clock.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "core/runtime/executor.h"

namespace kci::apiserver {

//! A deduplicating queue of keys, worked off in posting order on the Executor.
class WorkQueue {
 public:
  using Work = std::function<void(const std::string& key)>;
  WorkQueue(Executor& executor, Work work);
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  //! Queues `key` unless it is queued already.
  void add(const std::string& key);
  //! Queues `key` after `delay` of executor time.
  void add_after(const std::string& key, Duration delay);
  //! Drops queued keys and pending delayed adds; later adds are ignored.
  void shut_down();

 private:
  void kick();
  void drain();

  Executor& executor_;
  Work work_;
  std::deque<std::string> queue_;
  std::set<std::string> queued_;
  std::set<TimerId> timers_;
  bool draining_ = false, shut_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kci::apiserver
