// An informer: a local, always-current copy of one kind of object (optionally narrowed by
// label and field selectors), kept by list + watch over any KubeClient, as client-go does.
//
// It lists, then watches from the list's resourceVersion; when the watch ends (410 Expired,
// a broken stream) it relists after a backoff and turns the difference into add, update
// and delete callbacks, so a handler never misses a change. Handlers run on the Executor.
// Must not: block, or call handlers for objects whose resourceVersion did not change.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/kube/kube_client.h"
#include "core/runtime/executor.h"

namespace kci::kube {

//! "namespace/name", or "name" for cluster-scoped objects.
std::string key_of(const Json& object);

class Informer {
 public:
  struct Handlers {
    std::function<void(const Object&)> on_add;
    std::function<void(const Object& old_obj, const Object& new_obj)> on_update;
    std::function<void(const Object&)> on_delete;
  };

  Informer(KubeClient& client, Executor& executor, ResourceRef ref, ListOptions selectors,
           Handlers handlers);
  ~Informer();

  //! Lists and starts watching. A failed first list is retried in the background (so
  //! start() succeeds once the informer is set up); synced() tells when the cache is full.
  void start();
  //! Stops watching; the cache is kept but no longer updated.
  void stop();
  //! True once a list has completed.
  bool synced() const { return synced_; }
  //! The cached object with `key` (see key_of), or null.
  Object get(const std::string& key) const;
  //! Every cached object, in key order.
  std::vector<Object> list() const;
  //! How many times it has (re)listed; for tests and metrics.
  int lists() const { return lists_; }

  //! The delay before a relist after the watch ends or a list fails.
  static constexpr Duration kRelistDelay = std::chrono::seconds(1);

 private:
  void relist();
  void on_event(const WatchEvent& ev);
  void on_watch_error(const Error& e);

  KubeClient& client_;
  Executor& executor_;
  ResourceRef ref_;
  ListOptions selectors_;
  Handlers handlers_;
  std::map<std::string, Object> cache_;
  std::unique_ptr<WatchHandle> watch_;
  std::string resource_version_;
  bool synced_ = false;
  bool running_ = false;
  int lists_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kci::kube
