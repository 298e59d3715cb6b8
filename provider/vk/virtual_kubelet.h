// The KCI virtual kubelet (seed 001): one instance per virtual node. It registers the Node,
// keeps it alive by Lease, and turns every pod bound to the node into a KCI container group
// and the group's state back into the pod's status.
//
// It speaks to the cluster only through KubeClient and to the cloud only through KciApi
// (the two seams of DESIGN.md), runs on an Executor, and takes its randomness from a seeded
// Rng, so the same code runs in the simulator and in production. What it must never do,
// because other virtual kubelets do and their users suffer: lose a pod (every failure is
// retried with backoff or surfaced as an event and a status), leak a cloud instance
// (groups without a pod are deleted, but only after the pod cache has synced), delete a
// live pod's group after a restart (groups are adopted by pod UID), touch a recreated pod
// of the same name (deletes carry a UID precondition), ignore cloud throttling (its own
// token bucket, Retry-After and backoff), or describe groups one at a time (batches of 100).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/kci/api.h"
#include "core/kci/catalogue.h"
#include "core/kube/informer.h"
#include "core/kube/kube_client.h"
#include "core/random.h"
#include "core/runtime/executor.h"
#include "core/runtime/token_bucket.h"
#include "core/runtime/work_queue.h"
#include "core/translate/node_settings.h"
#include "core/translate/translate.h"

namespace kci::vk {

//! How the virtual kubelet runs; the defaults are virtual-kubelet's where it has one.
struct VirtualKubeletOptions {
  translate::NodeSettings settings;
  //! Node capacity advertised to the scheduler. KCI publishes no quota call, so this comes
  //! from configuration (defaults sized for a generous account quota).
  std::string capacity_cpu = "1000", capacity_memory = "4Ti", capacity_pods = "1000";
  //! virtual-kubelet: lease renewed every 10 s with a 40 s duration.
  Duration lease_renew_interval = std::chrono::seconds(10);
  std::int32_t lease_duration_seconds = 40;
  //! virtual-kubelet: node status every 1 min when leases are on, else the 10 s ping.
  Duration node_status_interval_with_lease = std::chrono::minutes(1);
  Duration node_status_interval = std::chrono::seconds(10);
  //! How often container-group states are read back (one batched Describe per 100 groups).
  Duration status_sync_interval = std::chrono::seconds(2);
  //! How often a running spot group's cloud events are read (one call per group): the
  //! cloud warns SpotToBeReleased 3 minutes ahead (assumed, kSpotAnnounceSeconds), so a
  //! minute leaves the pod's owner two. Other groups' events are read once, when they fail.
  Duration spot_event_interval = std::chrono::seconds(60);
  //! Our own rate toward KCI; kept under the cloud's limit so throttling is rare.
  double kci_qps = 50, kci_burst = 100;
  //! DescribeContainerGroup's page size limit (kci-cloud.md: MaxResults <= 100).
  int describe_batch = 100;
  //! Kubelet API port advertised in the Node (daemonEndpoints).
  std::int32_t kubelet_port = 10250;
  //! The version the Node reports.
  std::string version = "v1.28.0-vk-kci-0.1.0";
  //! Called when the TEMP_AKSK_CM ConfigMap gives new keys, so that the KCI client signs
  //! with them from the next call on (the in-process cloud needs nothing).
  std::function<void(const std::string& access_key, const std::string& secret_key)> on_credentials;
};

//! TEMP_AKSK_CM (seed 001: "KCE集群中临时AK/SK configmap name,见kube-system命名空间下,原始名称为
//! user-temp-aksk"): the ConfigMap's namespace, and the data keys we read. The seeds do not
//! publish the keys; "ak" and "sk" are our assumption (README, limits).
inline constexpr const char* kTempAkskNamespace = "kube-system";
inline constexpr const char* kTempAkskAccessKey = "ak";
inline constexpr const char* kTempAkskSecretKey = "sk";

//! What the virtual kubelet knows of one pod's container group.
struct GroupRecord {
  std::string pod_key;           //!< namespace/name
  std::string pod_uid;
  std::string group_id;          //!< empty until created
  std::string status;            //!< the group's last KCI status
  std::string ip;
  bool fail_on_create_error = false;
  //! eci-use-specs: which entry the next create tries (0 = the first; i = fallbacks[i-1]).
  std::size_t next_spec = 0;
  //! How many groups of this pod were replaced (CreateError, lost): the ClientToken of the
  //! next create, since a token stays bound to the group it made even after its deletion.
  int replacements = 0;
  bool spot = false;                 //!< ChargeType Spot: its cloud events are polled
  std::size_t cloud_events_seen = 0; //!< DescribeContainerGroupEvents entries already relayed
  TimePoint next_cloud_events{};     //!< when a running spot group's events are read next
  //! eci-image-cache / eci-image-snapshot-id asked: the cloud's image-cache events
  //! (SuccessfulHitImageCache, ImageCacheMissed...) are relayed once the group leaves Pending.
  bool image_cache = false;
  bool image_cache_relayed = false;  //!< ... and were
  //! What the pod's status was last derived from: a digest of the group as described and
  //! the pod's resourceVersion. A status sync skips the pod while neither changes.
  std::uint64_t applied_group_digest = 0;
  std::string applied_pod_version;
};

//! A Prometheus histogram of call durations in seconds.
struct LatencyHistogram {
  //! Upper bounds of the buckets (seconds); +Inf is implied.
  static constexpr std::array<double, 11> kBounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  std::array<std::int64_t, kBounds.size()> buckets{};  //!< non-cumulative counts per bound
  std::int64_t count = 0;
  double sum = 0;
  void observe(double seconds) {
    ++count;
    sum += seconds;
    for (std::size_t i = 0; i < kBounds.size(); ++i)
      if (seconds <= kBounds[i]) {
        ++buckets[i];
        break;
      }
  }
};

//! Counters for /metrics and tests.
struct VirtualKubeletStats {
  std::map<std::string, std::int64_t> kci_calls;  //!< "<Action> <result>" -> count
  std::map<std::string, LatencyHistogram> kci_latency;  //!< by Action, on the executor's clock
  std::int64_t groups_created = 0, groups_deleted = 0, groups_adopted = 0, orphans_deleted = 0;
  std::int64_t status_updates = 0, refusals = 0;
};

class VirtualKubelet {
 public:
  VirtualKubelet(VirtualKubeletOptions options, kube::KubeClient& kube, kcicloud::KciApi& kci,
                 Executor& executor, Rng rng, const kcicloud::Catalogue& catalogue);
  ~VirtualKubelet();

  //! Registers the node and starts every loop. Errors only for what cannot be retried.
  Status start();
  //! Stops every loop and forgets in-memory state, as a killed process would.
  void stop();

  const std::string& node_name() const { return options_.settings.node_name; }
  //! The groups it manages, by pod key.
  const std::map<std::string, GroupRecord>& groups() const { return groups_; }
  const VirtualKubeletStats& stats() const { return stats_; }
  //! Pods bound to this node, from the informer cache.
  std::vector<kube::Object> pods() const;
  //! True once the pod cache has synced and start-up reconciliation ran.
  bool reconciled() const { return reconciled_; }
  //! The KCI call context (access key and region; the secret stays in the client).
  kcicloud::CallContext kci_context() const;
  kcicloud::KciApi& kci() { return kci_; }
  const VirtualKubeletOptions& options() const { return options_; }
  Executor& executor() { return executor_; }
  //! When start() last ran (the Summary API's node startTime).
  TimePoint started_at() const { return started_at_; }
  //! Empty while the KCI credentials are usable; else why not (TEMP_AKSK_CM missing or
  //! incomplete). Never contains a key.
  const std::string& credentials_problem() const { return credentials_problem_; }

 private:
  // Node and lease.
  Status register_node();
  void renew_lease();
  void push_node_status();
  k8s::Json node_object() const;
  // Pods.
  WorkQueue::Reply sync_pod(const std::string& key);
  WorkQueue::Reply wait_for_credentials(const k8s::Pod& pod);
  WorkQueue::Reply create_group(const k8s::Pod& pod, const std::string& key);
  WorkQueue::Reply delete_group_and_pod(const k8s::Pod* pod, const std::string& key);
  void reconcile_at_start();
  void sync_statuses();
  //! `key`: the pod the group belongs to (groups_ holds it with that group id).
  void apply_group_status(const kcicloud::ContainerGroup& group, const std::string& key);
  //! Relays the group's new Warning events (SpotToBeReleased, SpotReclaimed, Failed...)
  //! and image-cache events (SuccessfulHitImageCache...) from DescribeContainerGroupEvents
  //! to the pod. False when no KCI token was free (tried again on a later sync).
  bool relay_cloud_events(const k8s::Pod& pod, GroupRecord& rec);
  void refresh_sidecar();
  //! Re-reads the TEMP_AKSK_CM ConfigMap (when configured) and adopts its keys.
  void refresh_credentials();
  // Helpers.
  bool take_kci_token(Duration& wait);
  void count_call(const std::string& action, const Error* error, Duration elapsed);
  //! Runs one KCI call, counting it by action and result and timing it.
  template <class F>
  auto timed_call(const char* action, F&& call) {
    const TimePoint started = executor_.clock().now();
    auto r = call();
    count_call(action, r.ok() ? nullptr : &r.error(), executor_.clock().now() - started);
    return r;
  }
  void record_event(const k8s::Pod& pod, const std::string& type, const std::string& reason,
                    const std::string& message);
  Status set_pod_status(const k8s::Pod& pod, const k8s::PodStatus& status);
  std::vector<kcicloud::ContainerGroup> list_my_groups(bool& complete);

  VirtualKubeletOptions options_;
  kube::KubeClient& kube_;
  kcicloud::KciApi& kci_;
  Executor& executor_;
  Rng rng_;
  const kcicloud::Catalogue& catalogue_;
  TokenBucket kci_bucket_;
  //! Callers told to wait for a token and not yet served (see take_kci_token).
  std::int64_t token_waiters_ = 0;

  std::unique_ptr<kube::Informer> pod_informer_, cm_informer_, secret_informer_, node_informer_,
      ns_informer_;
  std::unique_ptr<WorkQueue> queue_;
  std::map<std::string, GroupRecord> groups_;
  std::optional<translate::CustomSidecar> sidecar_;
  std::string node_uid_;
  VirtualKubeletStats stats_;
  bool running_ = false, reconciled_ = false;
  TimePoint started_at_{};
  std::string credentials_problem_;
  //! Periodic loops: the pending timer of each, and the task that re-arms it.
  struct PeriodicTimer {
    std::shared_ptr<TimerId> slot;
    std::shared_ptr<std::function<void()>> task;
  };
  std::vector<PeriodicTimer> timers_;
  std::shared_ptr<bool> alive_;
};

}  // namespace kci::vk
