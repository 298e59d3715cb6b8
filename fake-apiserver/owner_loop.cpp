#include "fake-apiserver/owner_loop.h"

#include <chrono>

namespace kci::apiserver {
namespace {

TimePoint wall_now() {
  return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

//! The longest the loop sleeps with nothing to do: bounds how far the virtual clock can lag
//! behind the wall clock when nothing wakes the loop (a timer posted by a task is seen at once;
//! this only matters for clock readers between tasks).
constexpr auto kMaxIdleWait = std::chrono::milliseconds(250);

}  // namespace

RealTimeLoop::RealTimeLoop() : own_(std::make_unique<SimExecutor>(wall_now())), sim_(own_.get()) {}
RealTimeLoop::RealTimeLoop(SimExecutor& external) : sim_(&external) {}

RealTimeLoop::~RealTimeLoop() { stop(); }

void RealTimeLoop::submit(Task task) {
  {
    std::lock_guard lock(mu_);
    inbox_.push_back(std::move(task));
  }
  wake_.notify_one();
}

void RealTimeLoop::submit_read(Task task) {
  {
    std::lock_guard lock(mu_);
    reads_.push_back(std::move(task));
  }
  wake_.notify_all();
}

void RealTimeLoop::wait_serving_reads(const std::function<bool()>& done) {
  while (!done()) {
    std::deque<Task> reads;
    {
      std::unique_lock lock(mu_);
      wake_.wait_for(lock, std::chrono::milliseconds(2), [this] { return stopping_ || !reads_.empty(); });
      reads.swap(reads_);
    }
    for (auto& t : reads) t();
  }
}

void RealTimeLoop::run() {
  while (true) {
    std::deque<Task> batch;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      batch.swap(inbox_);
      for (auto& t : reads_) batch.push_back(std::move(t));
      reads_.clear();
    }
    for (auto& t : batch) sim_->post(std::move(t));
    // Never backwards: an external executor may have run a little ahead of the wall clock.
    if (wall_now() > sim_->clock().now()) sim_->virtual_clock().advance_to(wall_now());
    // Ready tasks and every timer due by now; time does not jump ahead of the wall clock.
    sim_->run_until(sim_->clock().now());

    std::unique_lock lock(mu_);
    auto deadline = std::chrono::system_clock::now() + kMaxIdleWait;
    if (const auto next = sim_->next_timer()) {
      const auto when = std::chrono::time_point_cast<std::chrono::system_clock::duration>(
          std::chrono::system_clock::time_point(next->time_since_epoch()));
      if (when < deadline) deadline = when;
    }
    wake_.wait_until(lock, deadline, [this] { return stopping_ || !inbox_.empty() || !reads_.empty(); });
  }
}

void RealTimeLoop::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void RealTimeLoop::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace kci::apiserver
