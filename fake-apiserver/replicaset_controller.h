// The fake cluster's ReplicaSet controller (kube-controller-manager's replicaset
// controller): keeps spec.replicas active pods per ReplicaSet, created from its template
// with generateName "<rs>-" and a controller owner reference; adopts orphan pods its
// selector matches and releases owned pods it no longer matches; on scale-down deletes the
// pods Kubernetes' ActivePodsWithRanks ordering puts first (see rank_for_deletion); writes
// status replicas / fullyLabeledReplicas / readyReplicas / availableReplicas (minReadySeconds
// honoured) / observedGeneration. Creations and deletions in flight are remembered as
// expectations, so a sync that runs before the watch has shown them does not repeat them.
//
// Event-driven: informers on ReplicaSets and pods over a KubeClient, work on its Executor.
// Must not: read the store directly (it is a client like any other), or block.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/kube/informer.h"
#include "core/kube/kube_client.h"
#include "core/runtime/executor.h"
#include "fake-apiserver/object_fields.h"
#include "fake-apiserver/work_queue.h"

namespace kci::apiserver {

struct ReplicaSetControllerOptions {
  //! At most this many pods are created or deleted in one sync (burstReplicas).
  std::int64_t burst_replicas = 500;
  //! Expectations not met within this long are forgotten (ExpectationsTimeout).
  Duration expectations_timeout = std::chrono::minutes(5);
};

//! Orders `pods` (active pods of one controller) so that the ones to delete first come first,
//! as Kubernetes' ActivePodsWithRanks does: unassigned before assigned; Pending before
//! Unknown before Running; not ready before ready; lower controller.kubernetes.io/
//! pod-deletion-cost first; more pods of the set on the same node first (counted among
//! `pods`; Kubernetes counts the pods of every ReplicaSet of the same owner); both ready: more
//! recently ready first (log2 buckets of the time ready, ties by uid); more container
//! restarts first; newer creation first (log2 buckets, ties by uid).
void rank_for_deletion(std::vector<kube::Object>& pods, TimePoint now);

class ReplicaSetController {
 public:
  ReplicaSetController(kube::KubeClient& client, Executor& executor,
                       ReplicaSetControllerOptions options = {});
  ~ReplicaSetController();
  ReplicaSetController(const ReplicaSetController&) = delete;
  ReplicaSetController& operator=(const ReplicaSetController&) = delete;

  //! Lists and starts watching ReplicaSets and pods.
  Status start();
  void stop();

  //! One reconcile of the ReplicaSet "namespace/name" (the queue calls it; public for tests).
  void sync(const std::string& key);

  //! Pods created and deleted so far.
  std::uint64_t pods_created() const { return created_; }
  std::uint64_t pods_deleted() const { return deleted_; }

 private:
  struct Expectations {
    std::int64_t adds = 0;
    std::set<std::string> deletes;  //!< pod keys
    TimePoint set_at{};
  };
  bool satisfied(const std::string& key) const;
  void creation_observed(const std::string& key);
  void deletion_observed(const std::string& key, const std::string& pod_key);

  //! What a sync reads of one pod, kept current from every event of the pod informer (an
  //! index, as client-go's indexers give kube-controller-manager): a sync walks only the
  //! pods its ReplicaSet controls and the namespace's orphans, and reads none of their JSON
  //! again. Without it every sync read every pod of the cluster, and a burst's pods becoming
  //! Running one at a time made a Deployment's burst quadratic (40% of its loopback profile).
  struct PodFacts {
    kube::Object pod;
    std::string bucket;  //!< "<namespace>/<controller uid>"; "<namespace>/" for an orphan
    k8s::StringMap labels;
    bool controlled = false;  //!< has an owner reference with controller: true
    bool active = false, ready = false;
    std::optional<TimePoint> ready_since;
  };
  static PodFacts facts_of(const kube::Object& pod);
  void remember(const kube::Object& pod);
  void forget(const kube::Object& pod);

  void on_pod_add(const kube::Object& pod);
  void on_pod_update(const kube::Object& old_pod, const kube::Object& pod);
  void on_pod_delete(const kube::Object& pod);
  //! The key of the ReplicaSet that controls `pod` (uid checked), or "".
  std::string owner_key(const Json& pod) const;
  void enqueue_matching(const Json& pod);
  void manage(const Json& rs, const std::string& key, const std::vector<kube::Object>& pods);
  void update_status(const Json& rs, const std::string& key, const std::vector<const PodFacts*>& pods);

  kube::KubeClient& client_;
  Executor& executor_;
  ReplicaSetControllerOptions options_;
  WorkQueue queue_;
  std::unique_ptr<kube::Informer> sets_, pods_;
  std::map<std::string, Expectations> expectations_;
  std::unordered_map<std::string, PodFacts> facts_;        //!< by pod key
  std::map<std::string, std::set<std::string>> buckets_;  //!< PodFacts::bucket -> pod keys
  std::uint64_t created_ = 0, deleted_ = 0;
};

}  // namespace kci::apiserver
