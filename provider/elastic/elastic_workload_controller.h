// Seed 003's ElasticWorkload controller. For each ElasticWorkload (autoscaling.ksyun.com/v1
// or the seed's autoscaling.alibabacloud.com/v1beta1) it
//  - takes over the source Deployment: remembers its own replica count in an annotation,
//    then sets spec.replicas to the source's share (core/elastic/split.h);
//  - clones the source once per elastic unit as <source>-unit-<unit name>: the unit's
//    labels (also added to selector and template, with the unit label below, so the
//    clones' pods are not the source's), annotations, nodeSelector, tolerations and
//    affinity merged into the pod template; controlled by the ElasticWorkload; its template
//    kept in sync with the source's; its replicas the unit's share;
//  - reports status.replicas, status.selector, status.sourceTarget.desiredReplicas,
//    status.elasticUnitsStatus[] and a Ready condition; Events SourceUpdate, UnitCreation,
//    UnitUpdate, ElasticWorkloadUpdate as the seed shows them.
// A bad spec (min > max, a unit without a name, a missing source, ...) sets Ready=False with
// a Warning event and changes nothing. When an ElasticWorkload goes (or points at another
// source), its clones are deleted and the source gets its own replica count back; this is
// level-triggered (a sweep over the Deployments), so it also holds after a restart.
// Must not: block, read the wall clock (time from its Executor), or write when nothing
// changed (every write is compared with what is stored first).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/kube/informer.h"
#include "core/kube/kube_client.h"
#include "core/runtime/executor.h"

namespace kci::elastic {

//! On the source Deployment: the ElasticWorkload ("<group>/<name>") that took it over, and
//! the replica count it had before.
inline constexpr const char* kOwnerAnnotation = "autoscaling.ksyun.com/elastic-workload";
inline constexpr const char* kSourceReplicasAnnotation = "autoscaling.ksyun.com/source-replicas";
//! On a clone: a hash of what it was built from (source template + unit).
inline constexpr const char* kTemplateHashAnnotation = "autoscaling.ksyun.com/template-hash";
//! On a clone's selector and pod template: the unit's name.
inline constexpr const char* kUnitLabel = "autoscaling.ksyun.com/elastic-unit";

//! The ElasticWorkload collections the controller serves.
kube::ResourceRef elastic_workloads();          //!< autoscaling.ksyun.com/v1
kube::ResourceRef alibaba_elastic_workloads();  //!< autoscaling.alibabacloud.com/v1beta1

class ElasticWorkloadController {
 public:
  ElasticWorkloadController(kube::KubeClient& kube, Executor& executor);
  ~ElasticWorkloadController();
  ElasticWorkloadController(const ElasticWorkloadController&) = delete;
  ElasticWorkloadController& operator=(const ElasticWorkloadController&) = delete;

  void start();
  void stop();

  //! Passes over all ElasticWorkloads so far, and writes that failed (retried).
  std::uint64_t passes() const { return passes_; }
  std::uint64_t failures() const { return failures_; }

 private:
  void schedule();
  void sync_all();
  //! false when a write failed (the pass is retried).
  bool sync(const kube::ResourceRef& collection, const kube::Object& ew);
  bool sweep();
  bool report_invalid(const kube::ResourceRef& ref, const kube::Json& ew, const std::string& reason,
                      const std::string& message);
  void record_event(const kube::Json& involved, const std::string& type, const std::string& reason,
                    const std::string& message);

  kube::KubeClient& kube_;
  Executor& executor_;
  std::vector<kube::ResourceRef> collections_;
  std::vector<std::unique_ptr<kube::Informer>> ew_informers_;
  std::unique_ptr<kube::Informer> deployment_informer_;
  bool running_ = false, pending_ = false, retry_pending_ = false;
  std::uint64_t passes_ = 0, failures_ = 0;
};

}  // namespace kci::elastic
