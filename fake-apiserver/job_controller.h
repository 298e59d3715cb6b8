// The fake cluster's Job controller (kube-controller-manager's job controller, NonIndexed
// completion mode): runs up to spec.parallelism pods at a time from the template (generateName
// "<job>-", a controller owner reference, the job labels the API server put in the template)
// until spec.completions pods have Succeeded (no completions: until one has and none is left
// running); counts a pod Failed by its phase, and with restartPolicy OnFailure also counts
// its containers' restarts against spec.backoffLimit; re-creates failed pods after Kubernetes'
// back-off (10 s doubled per failure, at most 6 min); ends the Job Failed (BackoffLimitExceeded)
// once failures exceed backoffLimit, or (DeadlineExceeded) once it has been active
// activeDeadlineSeconds, deleting its running pods; ends it Complete when enough pods
// succeeded. spec.suspend deletes the running pods and creates none.
// Status: active, ready, succeeded, failed, terminating, startTime, completionTime and the
// conditions (SuccessCriteriaMet then Complete; FailureTarget then Failed) with Kubernetes'
// reasons; events SuccessfulCreate, SuccessfulDelete, Completed, BackoffLimitExceeded,
// DeadlineExceeded. Succeeded and failed counts never go down (pods deleted after they
// finished stay counted).
//
// Not simulated: Indexed completion mode, podFailurePolicy, successPolicy,
// backoffLimitPerIndex, podReplacementPolicy, ttlSecondsAfterFinished, adoption of orphans.
//
// Event-driven: informers on Jobs and pods over a KubeClient, work on its Executor.
// Must not: read the store directly (it is a client like any other), or block.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/kube/informer.h"
#include "core/kube/kube_client.h"
#include "core/runtime/executor.h"
#include "fake-apiserver/object_fields.h"
#include "fake-apiserver/work_queue.h"

namespace kci::apiserver {

struct JobControllerOptions {
  //! At most this many pods are created or deleted in one sync.
  std::int64_t burst = 500;
  //! The first back-off after a failure; doubled per further failure (DefaultJobPodFailureBackOff).
  Duration backoff_base = std::chrono::seconds(10);
  //! The longest back-off (MaxJobPodFailureBackOff).
  Duration backoff_max = std::chrono::minutes(6);
  //! Expectations not met within this long are forgotten.
  Duration expectations_timeout = std::chrono::minutes(5);
};

//! The back-off before a new pod after `failures` failures (0 before the first).
Duration job_backoff(std::int64_t failures, const JobControllerOptions& options);

class JobController {
 public:
  JobController(kube::KubeClient& client, Executor& executor, JobControllerOptions options = {});
  ~JobController();
  JobController(const JobController&) = delete;
  JobController& operator=(const JobController&) = delete;

  //! Lists and starts watching Jobs and pods.
  Status start();
  void stop();

  //! One reconcile of the Job "namespace/name" (the queue calls it; public for tests).
  void sync(const std::string& key);

  std::uint64_t pods_created() const { return created_; }
  std::uint64_t pods_deleted() const { return deleted_; }

 private:
  struct State {
    std::int64_t pending_adds = 0;    //!< creations not yet seen by the pod watch
    TimePoint adds_at{};
    std::int64_t failures_seen = 0;   //!< failures counted when last_failure was set
    TimePoint last_failure{};
  };
  std::string owner_key(const Json& pod) const;
  void on_pod(const kube::Object& pod, bool added);
  void finish(const Json& job, const std::string& type, const std::string& reason,
              const std::string& message, const std::vector<kube::Object>& active);
  void delete_pods(const Json& job, const std::vector<kube::Object>& victims);
  void record_event(const Json& job, const std::string& type, const std::string& reason,
                    const std::string& message);

  kube::KubeClient& client_;
  Executor& executor_;
  JobControllerOptions options_;
  WorkQueue queue_;
  std::unique_ptr<kube::Informer> jobs_, pods_;
  std::map<std::string, State> state_;
  std::uint64_t created_ = 0, deleted_ = 0;
};

}  // namespace kci::apiserver
