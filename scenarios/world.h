// The simulated world a scenario runs in: one discrete-event loop on a virtual clock, the
// fake API server and the cluster's controllers (kube-scheduler; Deployment, ReplicaSet,
// garbage collector and node lifecycle controllers), the fake cloud
// behind its chaos layer, and the product (virtual kubelets; the extender and webhook
// where the scenario asks), all in-process and seeded, so the same seed gives the same
// run event for event.
// Must not: read the wall clock or any random source but the scenario's seed.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/kci/api.h"
#include "core/kube/kube_client.h"
#include "core/runtime/executor.h"
#include "provider/http/http_service.h"
#include "scenarios/scenario.h"

namespace kci::scenario {

//! What a benchmark changes that no scenario file states: the virtual kubelets' advertised
//! capacity and their own KCI call rate (a burst benchmark measures the system, not the
//! rate limiter). Unset: the virtual kubelet's defaults.
struct WorldTuning {
  std::optional<std::string> capacity_cpu, capacity_memory, capacity_pods;
  std::optional<double> kci_qps, kci_burst;
  //! Where the virtual clock starts (default VirtualClock::kDefaultStart); `kci-vk up`
  //! starts it at the wall clock's now and then drives it in real time.
  std::optional<TimePoint> start_time;
  //! The kubelet port the i-th virtual node advertises is base + i (default 10250 for all).
  std::optional<std::int32_t> kubelet_port_base;
  //! The address the virtual nodes advertise (VKUBELET_POD_IP) unless a scenario sets it.
  std::optional<std::string> node_ip;
};

class World {
 public:
  //! Builds the world of `s`: the cloud from its `kci:` block, the cluster, the virtual
  //! nodes (not yet started). Errors name the setting at fault.
  static Result<std::unique_ptr<World>> create(const Scenario& s, std::uint64_t seed,
                                               const WorldTuning& tuning = {});
  virtual ~World() = default;

  //! Applies the `cluster:` objects and starts the virtual nodes.
  virtual Status start() = 0;
  //! The loop everything runs on.
  virtual SimExecutor& executor() = 0;
  //! A client with cluster-admin rights, as the scenario's own hands.
  virtual kube::KubeClient& client() = 0;
  //! The cloud as its owner sees it; null when the world has no view of it (a real cluster
  //! run without KCI keys: cloud expectations are then skipped).
  virtual kcicloud::KciApi* cloud() = 0;
  virtual kcicloud::CallContext owner() const = 0;
  //! The request a live container group was created from, as the cloud received it;
  //! nullopt when the group is unknown (only a simulated cloud can answer).
  virtual std::optional<kcicloud::CreateContainerGroupRequest> received_request(const std::string& group_id) const = 0;

  //! False for a real cluster: steps that need the stand-ins (faults, stopping and restarting
  //! virtual nodes, cleanup) are then skipped and reported as skipped.
  virtual bool has_stand_ins() const { return true; }
  //! What of the scenario this world could not set up (a real cluster: the `kci:` block,
  //! the virtual nodes' arguments), for the report.
  virtual std::vector<std::string> setup_notes() const { return {}; }
  //! Runs what is due now (everything a step set off, up to the next timer).
  virtual void settle() { executor().run_until_idle(); }

  //! Creates `object`, or merge-patches it when it exists (kubectl apply, simplified).
  virtual Status apply_object(const k8s::Json& object) = 0;
  virtual Status fault(const FaultStep& f) = 0;
  virtual Status restart_virtual_node(const std::string& name) = 0;
  //! Stops a virtual node as a killed process (nothing it owns is cleaned up).
  virtual Status stop_virtual_node(const std::string& name) = 0;
  //! Starts a stopped virtual node again.
  virtual Status start_virtual_node(const std::string& name) = 0;
  //! Advances time by `d`, running everything due.
  virtual void run_for(Duration d) = 0;
  //! Names of the virtual nodes.
  virtual std::vector<std::string> virtual_nodes() const = 0;
  //! Answers a request to a virtual node's kubelet API, in-process (on the loop's thread);
  //! an unknown node is a 404.
  virtual provider::HttpResponse kubelet(const std::string& node, const provider::HttpRequest& request) = 0;
  //! GETs `path` (with its query) of a virtual node's kubelet API; an error for an unknown node.
  virtual Result<std::pair<int, std::string>> kubelet_get(const std::string& node, const std::string& path);
  //! The fake cloud's instance-seconds over every project and type so far.
  virtual std::optional<double> billed_seconds() const { return std::nullopt; }
};

//! Creates `object` at `ref` (its collection), or merge-patches the object `ref` names when it
//! exists; errors name the resource and object.
Status create_or_patch(kube::KubeClient& client, const kube::ResourceRef& ref, const k8s::Json& object);

}  // namespace kci::scenario
