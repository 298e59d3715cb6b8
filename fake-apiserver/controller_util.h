// What the fake cluster's controllers share: a work queue of object keys drained on the
// Executor (each key once, however often it was added), and small readers of object JSON
// (owner references, label selectors, pod readiness, times) as the controllers in
// kube-controller-manager read them.
// Must not: read the store, block, or read the wall clock (time comes from the Executor).
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "core/k8s/object.h"
#include "core/k8s/selector.h"
#include "core/kube/kube_client.h"
#include "core/runtime/executor.h"

namespace kci::apiserver {

using kube::Json;

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

//! "now" on the executor's clock, as Kubernetes prints times (RFC 3339, seconds).
std::string now_text(const Executor& executor);
//! A time field (string RFC 3339) of an object; nullopt when absent or malformed.
std::optional<TimePoint> time_of(const Json* value);
//! The JSON at a path of object keys, or null when a step is missing.
const Json* json_at(const Json& object, std::initializer_list<const char*> path);

//! metadata.uid / name / namespace.
std::string uid_of(const Json& object);
std::string name_of(const Json& object);
std::string namespace_of(const Json& object);
bool being_deleted(const Json& object);
//! metadata.labels as a map.
k8s::StringMap labels_of(const Json& object);
//! The owner reference with controller: true, or null.
const Json* controller_ref(const Json& object);
//! An owner reference to `owner` (controller and blockOwnerDeletion true).
Json controller_ref_to(const Json& owner, const std::string& api_version, const std::string& kind);
//! A workload's spec.selector as a Selector (absent or malformed: nothing()).
k8s::Selector selector_of(const Json& workload);
//! spec.replicas, 1 when absent (the apps/v1 default).
std::int64_t replicas_of(const Json& workload);

//! A pod that counts for its controller: not terminal (Succeeded/Failed), not being deleted.
bool pod_active(const Json& pod);
//! The Ready condition is True.
bool pod_ready(const Json& pod);
//! When the Ready condition last became True (nullopt when not ready or unknown).
std::optional<TimePoint> pod_ready_since(const Json& pod);
//! Ready for at least `min_ready` at `now` (podutil.IsPodAvailable).
bool pod_available(const Json& pod, Duration min_ready, TimePoint now);

}  // namespace kci::apiserver
