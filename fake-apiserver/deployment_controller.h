// The fake cluster's Deployment controller (kube-controller-manager's deployment
// controller): each Deployment owns ReplicaSets named "<deployment>-<pod-template-hash>",
// the hash a 32-bit FNV-1a of the pod template's canonical JSON (plus status.collisionCount
// when set) printed as Kubernetes prints it (SafeEncodeString of the decimal value). The
// label pod-template-hash goes on the ReplicaSet, its selector and its template; the
// ReplicaSet carries a controller owner reference and the deployment.kubernetes.io/revision
// annotation. A template change creates a new ReplicaSet and rolls over: RollingUpdate with
// maxSurge / maxUnavailable (default 25% each; surge rounds up, unavailable down) scales the
// new one up within the surge and the old ones down as availability allows (unhealthy old
// replicas first), Recreate scales the old ones to 0 and the new one up once their pods are
// gone (terminating ones included). Old ReplicaSets at 0 beyond spec.revisionHistoryLimit
// (default 10) are deleted.
// Status: replicas, updatedReplicas, readyReplicas, availableReplicas, unavailableReplicas,
// observedGeneration, conditions Available and Progressing. Not modelled: paused rollouts
// beyond doing nothing, progressDeadlineSeconds (Progressing never turns False), rollback
// annotations, proportional scaling of several live ReplicaSets in mid-rollout (a scale
// during a rollout is absorbed by the rolling arithmetic instead).
//
// Event-driven: informers on Deployments, ReplicaSets and pods over a KubeClient, work on
// its Executor. Must not: read the store directly, or block.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/kube/informer.h"
#include "core/kube/kube_client.h"
#include "core/runtime/executor.h"
#include "fake-apiserver/object_fields.h"
#include "fake-apiserver/work_queue.h"

namespace kci::apiserver {

//! The pod-template-hash of a template (and collisionCount, when given).
std::string pod_template_hash(const Json& pod_template, std::optional<std::int64_t> collision_count);

class DeploymentController {
 public:
  DeploymentController(kube::KubeClient& client, Executor& executor);
  ~DeploymentController();
  DeploymentController(const DeploymentController&) = delete;
  DeploymentController& operator=(const DeploymentController&) = delete;

  //! Lists and starts watching Deployments and ReplicaSets.
  Status start();
  void stop();

  //! One reconcile of the Deployment "namespace/name" (the queue calls it; public for tests).
  void sync(const std::string& key);

 private:
  void on_replicaset(const kube::Object& rs);
  void on_pod(const kube::Object& pod);
  Status scale_replicaset(const Json& rs, std::int64_t replicas);
  void update_status(const Json& d, const Json* new_rs, const std::vector<kube::Object>& all,
                     bool created);

  kube::KubeClient& client_;
  Executor& executor_;
  WorkQueue queue_;
  std::unique_ptr<kube::Informer> deployments_, sets_, pods_;
};

}  // namespace kci::apiserver
