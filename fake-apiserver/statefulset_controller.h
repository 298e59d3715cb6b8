// The fake cluster's StatefulSet controller (kube-controller-manager's statefulset
// controller): pods with stable names "<set>-<ordinal>" for ordinals 0..replicas-1, each with
// the labels statefulset.kubernetes.io/pod-name and apps.kubernetes.io/pod-index, hostname =
// its name and subdomain = spec.serviceName, and a controller owner reference.
//  - OrderedReady (the default): one pod at a time in ordinal order, the next only once
//    every lower ordinal is Running and Ready; scale-down deletes the highest ordinal first,
//    one at a time, only while every pod it keeps is Running and Ready, and waits for the
//    deleted pod to be gone before the next.
//  - Parallel: every missing pod is created, every condemned pod deleted, at once.
// A pod that ended (Failed or Succeeded) is deleted and, once gone, created again under the
// same name. Status: replicas, readyReplicas, currentReplicas, updatedReplicas,
// availableReplicas (minReadySeconds honoured), observedGeneration. Events SuccessfulCreate
// and SuccessfulDelete with kube-controller-manager's messages.
//
// Not simulated: rolling updates of a changed template (updateStrategy, revisions and
// ControllerRevisions), volumeClaimTemplates, spec.ordinals.start, adoption of orphans.
//
// Event-driven: informers on StatefulSets and pods over a KubeClient, work on its Executor.
// Must not: read the store directly (it is a client like any other), or block.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "core/kube/informer.h"
#include "core/kube/kube_client.h"
#include "core/runtime/executor.h"
#include "fake-apiserver/object_fields.h"
#include "fake-apiserver/work_queue.h"

namespace kci::apiserver {

inline constexpr const char* kStatefulSetPodNameLabel = "statefulset.kubernetes.io/pod-name";
inline constexpr const char* kPodIndexLabel = "apps.kubernetes.io/pod-index";

//! The ordinal of `pod_name` as a pod of the set `set_name` ("web-3" -> 3), or nullopt.
std::optional<std::int64_t> statefulset_ordinal(const std::string& set_name, const std::string& pod_name);

class StatefulSetController {
 public:
  StatefulSetController(kube::KubeClient& client, Executor& executor);
  ~StatefulSetController();
  StatefulSetController(const StatefulSetController&) = delete;
  StatefulSetController& operator=(const StatefulSetController&) = delete;

  //! Lists and starts watching StatefulSets and pods.
  Status start();
  void stop();

  //! One reconcile of the StatefulSet "namespace/name" (the queue calls it; public for tests).
  void sync(const std::string& key);

  std::uint64_t pods_created() const { return created_; }
  std::uint64_t pods_deleted() const { return deleted_; }

 private:
  std::string owner_key(const Json& pod) const;
  void on_pod(const kube::Object& pod);
  bool create_pod(const Json& set, std::int64_t ordinal);
  bool delete_pod(const Json& set, const kube::Object& pod);
  void update_status(const Json& set, const std::string& key, const std::vector<kube::Object>& pods);
  void record_event(const Json& set, const std::string& type, const std::string& reason,
                    const std::string& message);

  kube::KubeClient& client_;
  Executor& executor_;
  WorkQueue queue_;
  std::unique_ptr<kube::Informer> sets_, pods_;
  //! Pod keys created or deleted whose watch event has not come yet (expectations).
  std::set<std::string> creating_, deleting_;
  std::uint64_t created_ = 0, deleted_ = 0;
};

}  // namespace kci::apiserver
