// The thread that owns a KubeClient, as seen from other threads (the HTTP server's sockets).
//
// The in-process KubeClient and the fake ApiServer behind it are single-threaded: every call
// must run on the thread that drives their Executor. A front end with threads of its own
// (the HTTP server) hands each request to that thread with submit() and waits for the answer;
// watch callbacks come back on executor(), also on that thread. Two implementations:
// RealTimeLoop (here: a SimExecutor driven in real time, for `kci-vk fake-apiserver`) and
// whatever loop the embedding program runs (`kci-vk up`: an adapter over its own loop).
// Must not: run a task anywhere but on the owner's thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "core/runtime/executor.h"

namespace kci::apiserver {

class OwnerLoop {
 public:
  using Task = std::function<void()>;
  virtual ~OwnerLoop() = default;

  //! Runs `task` on the owner's thread, after the tasks submitted before it. Callable from
  //! any thread; never runs the task inline.
  virtual void submit(Task task) = 0;
  //! As submit(), for a task that only reads (a GET): it may also run while the owner's
  //! thread waits in wait_serving_reads(), so a webhook the server is calling can read
  //! from the server, as kube-apiserver (concurrent) allows.
  virtual void submit_read(Task task) { submit(std::move(task)); }
  //! The owner's Executor: where watch callbacks are posted. Use it only from tasks that run
  //! on the owner's thread.
  virtual Executor& executor() = 0;
};

//! A SimExecutor driven in real time on one thread: submitted tasks run in order, and the
//! virtual clock follows the wall clock, so timers (grace periods, controllers' resyncs) fire
//! when their wall time comes. The standalone fake API server's event loop.
class RealTimeLoop final : public OwnerLoop {
 public:
  //! The virtual clock starts at the wall clock's now.
  RealTimeLoop();
  //! Drives `external` instead (`kci-vk up`: the simulated world's executor, whose clock
  //! must start at about the wall clock's now); it must outlive the loop.
  explicit RealTimeLoop(SimExecutor& external);
  ~RealTimeLoop() override;
  RealTimeLoop(const RealTimeLoop&) = delete;
  RealTimeLoop& operator=(const RealTimeLoop&) = delete;

  void submit(Task task) override;
  void submit_read(Task task) override;
  Executor& executor() override { return *sim_; }
  //! On the loop's thread, from inside a task: runs read tasks as they are submitted until
  //! `done()` is true (checked at least every few milliseconds). Nothing else runs meanwhile.
  void wait_serving_reads(const std::function<bool()>& done);
  //! The executor itself, to build the components that run on it (before start()).
  SimExecutor& sim() { return *sim_; }

  //! Runs the loop on the calling thread until stop().
  void run();
  //! Runs the loop on a thread of its own.
  void start();
  //! Makes run() return after the task in progress; joins the thread start() made.
  //! Callable from any thread except the loop's own; idempotent.
  void stop();

 private:
  std::unique_ptr<SimExecutor> own_;
  SimExecutor* sim_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Task> inbox_;
  std::deque<Task> reads_;  //!< read tasks, also served by wait_serving_reads()
  bool stopping_ = false;
  std::thread thread_;
};

//! Runs `f` on `loop`'s thread and waits for its result (from any other thread).
template <class F>
auto run_on(OwnerLoop& loop, F&& f) {
  std::packaged_task<decltype(f())()> task(std::forward<F>(f));
  auto fut = task.get_future();
  loop.submit([&task] { task(); });
  return fut.get();
}

}  // namespace kci::apiserver
