// The fake cluster's node lifecycle controller (kube-controller-manager's nodelifecycle):
// every node-monitor-period (5 s) each node's last heartbeat, the later of its Lease's
// renewTime (kube-node-lease) and its Ready condition's lastHeartbeatTime (the node's
// creation when it never posted either), is compared with now; older than
// node-monitor-grace-period (40 s) makes every condition Unknown (reason NodeStatusUnknown,
// "Kubelet stopped posting node status."; a missing Ready condition is added with
// NodeStatusNeverUpdated). Taints follow the Ready condition as the controller's tainting
// passes do: Unknown -> node.kubernetes.io/unreachable NoSchedule and NoExecute, False ->
// node.kubernetes.io/not-ready NoSchedule and NoExecute, True -> neither; NoExecute taints
// carry timeAdded. A node whose kubelet posts Ready=True again loses them.
// Not modelled: eviction of pods by the NoExecute taints (the taint manager), zone
// disruption rates.
//
// Event-driven plus a periodic pass on the Executor's timers; informers on nodes and leases.
// Must not: read the store directly, or block.
#pragma once

#include <memory>
#include <string>

#include "core/kube/informer.h"
#include "core/kube/kube_client.h"
#include "core/runtime/executor.h"
#include "fake-apiserver/object_fields.h"
#include "fake-apiserver/work_queue.h"

namespace kci::apiserver {

struct NodeLifecycleOptions {
  Duration monitor_period = std::chrono::seconds(5);
  Duration grace_period = std::chrono::seconds(40);
};

class NodeLifecycleController {
 public:
  NodeLifecycleController(kube::KubeClient& client, Executor& executor, NodeLifecycleOptions options = {});
  ~NodeLifecycleController();
  NodeLifecycleController(const NodeLifecycleController&) = delete;
  NodeLifecycleController& operator=(const NodeLifecycleController&) = delete;

  Status start();
  void stop();
  //! One monitoring pass over every node (the timer calls it; public for tests).
  void monitor();

 private:
  void check(const std::string& name);
  void tick();

  kube::KubeClient& client_;
  Executor& executor_;
  NodeLifecycleOptions options_;
  WorkQueue queue_;
  std::unique_ptr<kube::Informer> nodes_, leases_;
  TimerId timer_ = 0;
  bool running_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kci::apiserver
