// A keyed work queue on an Executor, as controllers use one (client-go's rate-limited
// workqueue): a key queued many times is processed once; a key that changes while it is
// being processed runs again afterwards; failures come back after a per-key exponential
// backoff with jitter from the seeded source.
// Must not: run two handlers for one key at once, or lose a key that was added.
#pragma once

#include <functional>
#include <memory>
#include <map>
#include <string>

#include "core/random.h"
#include "core/runtime/executor.h"

namespace kci {

class WorkQueue {
 public:
  //! What a handler asks for.
  enum class Outcome {
    kDone,       //!< success: forget the key's failures
    kRetry,      //!< failure: come back after the key's backoff
    kRetryLater, //!< not ready: come back after retry_after (no backoff growth)
  };
  struct Reply {
    Outcome outcome = Outcome::kDone;
    Duration retry_after{0};  //!< for kRetryLater, and a floor for kRetry (Retry-After)
  };
  using Handler = std::function<Reply(const std::string& key)>;

  //! virtual-kubelet's pod queue: 5 ms doubling to 1000 s.
  struct Backoff {
    Duration base = std::chrono::milliseconds(5);
    Duration cap = std::chrono::seconds(1000);
    double jitter = 0.1;  //!< +- share of the delay, so retries of many keys spread out
  };

  WorkQueue(Executor& executor, Rng rng, Handler handler, Backoff backoff);
  WorkQueue(Executor& executor, Rng rng, Handler handler)
      : WorkQueue(executor, std::move(rng), std::move(handler), Backoff{}) {}
  ~WorkQueue();

  //! Queues `key` to run soon.
  void add(const std::string& key);
  //! Queues `key` to run after `delay` (earlier adds win).
  void add_after(const std::string& key, Duration delay);
  //! Drops the key's failure count (it starts again at the base delay).
  void forget(const std::string& key) { failures_.erase(key); }
  //! Failures recorded for `key`.
  int failures(const std::string& key) const;
  //! Keys waiting or running.
  std::size_t size() const { return state_.size(); }
  //! Stops: pending work is dropped and nothing more runs.
  void shut_down();

 private:
  struct KeyState {
    bool queued = false;      //!< a run task is posted
    bool running = false;     //!< the handler is on the stack
    bool dirty = false;       //!< added while running: run again
    TimerId timer = 0;        //!< a delayed add pending
    TimePoint timer_at{};
  };
  void run(const std::string& key);
  Duration backoff_for(const std::string& key);

  Executor& executor_;
  Rng rng_;
  Handler handler_;
  Backoff backoff_;
  std::map<std::string, KeyState> state_;
  std::map<std::string, int> failures_;
  bool shut_down_ = false;
  //! Tasks posted by this queue check it, so a destroyed queue's tasks do nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kci
