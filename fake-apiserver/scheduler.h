// The fake cluster's kube-scheduler: a queue of pods without a node, the default filters
// (NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodeResourcesFit) and scores
// (TaintToleration x3, NodeAffinity x2, NodeResourcesFit least-allocated x1,
// NodeResourcesBalancedAllocation x1, each 0..100), scheduler extenders configured as in
// KubeSchedulerConfiguration (score 0..10 x 10 x weight), ties broken by the seeded random
// source, binding through pods/binding, and PodScheduled=False/Unschedulable plus a
// FailedScheduling event when nothing fits.
//
// Event-driven: it watches pods and nodes through a KubeClient and works on its Executor.
// Must not: read the store directly (it is a client like any other), or block.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/k8s/object.h"
#include "core/kube/kube_client.h"
#include "core/random.h"
#include "core/runtime/executor.h"

namespace kci::apiserver {

using kube::Json;

//! One entry of KubeSchedulerConfiguration.extenders.
struct ExtenderConfig {
  std::string urlPrefix, filterVerb, prioritizeVerb, preemptVerb, bindVerb;
  //! Multiplies the extender's 0..10 score (after x10); must be > 0.
  std::int64_t weight = 1;
  bool enableHTTPS = false;
  //! True: the extender gets NodeNames only; false: whole Node objects.
  bool nodeCacheCapable = false;
  //! True: an unreachable extender is skipped instead of failing the pod's scheduling.
  bool ignorable = false;
  //! Resources whose presence in a pod's requests or limits makes the extender interested;
  //! empty = every pod.
  std::vector<std::string> managedResources;
  //! The default timeout of an extender call (5 s).
  std::chrono::milliseconds httpTimeout{5000};
};

//! Reads the extenders of a KubeSchedulerConfiguration (or a legacy Policy, whose
//! `enableHttps` spelling is accepted too); errors name the entry and the field.
Result<std::vector<ExtenderConfig>> parse_extenders(const Json& configuration);

//! How an extender is reached: in-process (a call into the product's code) or over HTTP.
class ExtenderTransport {
 public:
  virtual ~ExtenderTransport() = default;
  //! POST <urlPrefix>/<verb> with `args`; the decoded JSON answer, or an error.
  virtual Result<Json> call(const ExtenderConfig& config, const std::string& verb,
                            const Json& args) = 0;
};

//! Extenders over HTTP(S), as kube-scheduler calls them: POST <urlPrefix>/<verb> with the
//! configuration's httpTimeout; HTTPS verifies against the system's roots. Blocks the
//! calling thread for the call.
class HttpExtenderTransport final : public ExtenderTransport {
 public:
  Result<Json> call(const ExtenderConfig& config, const std::string& verb, const Json& args) override;
};

//! An extender: its configuration and how to reach it.
struct Extender {
  ExtenderConfig config;
  ExtenderTransport* transport = nullptr;
};

//! Tunables of the scheduler.
struct SchedulerOptions {
  std::string schedulerName = "default-scheduler";
  std::vector<Extender> extenders;
  //! Unschedulable pods are retried at least this often (podMaxInUnschedulablePodsDuration).
  Duration unschedulable_retry = std::chrono::minutes(5);
};

class Scheduler {
 public:
  Scheduler(kube::KubeClient& client, Executor& executor, Rng rng, SchedulerOptions options = {});
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  //! Starts watching pods and nodes.
  Status start();
  //! Stops watching; queued pods stay unscheduled.
  void stop();

  //! Pods bound so far and scheduling attempts that found no node.
  std::uint64_t bound() const { return bound_; }
  std::uint64_t unschedulable_attempts() const { return failed_; }

 private:
  struct NodeInfo {
    k8s::Node node;
    k8s::ResourceList requested;     //!< sum of bound pods' requests
    k8s::ResourceList non_zero;      //!< the same with the scoring defaults
    std::int64_t pods = 0;
  };
  struct PodEntry {
    std::string node;
    k8s::ResourceList requests, non_zero;
  };
  void on_pod(const kube::WatchEvent& e);
  void on_node(const kube::WatchEvent& e);
  void enqueue(const std::string& key);
  void kick();
  void drain();
  void schedule_one(const std::string& key);
  void account(const std::string& key, const std::string& node, const k8s::Pod& pod);
  void unaccount(const std::string& key);
  void requeue_unschedulable();
  void fail(const k8s::Pod& pod, const std::string& message);

  kube::KubeClient& client_;
  Executor& executor_;
  Rng rng_;
  SchedulerOptions options_;
  std::unique_ptr<kube::WatchHandle> pod_watch_, node_watch_;
  std::map<std::string, NodeInfo> nodes_;           //!< by name (ordered: stable ties)
  std::map<std::string, PodEntry> assigned_;        //!< "ns/name" -> its node and requests
  std::map<std::string, kube::Object> pending_;     //!< unscheduled pods we know of
  std::deque<std::string> queue_;
  std::set<std::string> queued_, unschedulable_;
  bool draining_ = false;
  TimerId retry_timer_ = 0;
  std::uint64_t bound_ = 0, failed_ = 0;
  std::shared_ptr<bool> alive_;
};

}  // namespace kci::apiserver
