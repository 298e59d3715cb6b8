// The unschedulable-pod autoscaler at run time (seed 003's virtual-kubelet-autoscaler):
// watches unbound pods and the nodes, and moves a pod that has stayed Unschedulable for the
// configured time, may burst (ProfileWebhook's triggers and selectors) and is not a
// DaemonSet pod onto a virtual node: a JSONPatch adding the virtual-node toleration (the
// only pod spec change Kubernetes allows) guarded by a uid test, then a Binding, then a
// Normal event BurstToVirtualNode saying why. The decision is core/profile/autoscaler.h.
// Must not: move a pod twice (a moved pod is bound; a retry finds nothing to add), touch
// bound, terminating or DaemonSet pods, or read the wall clock (timers on its Executor).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "core/kube/informer.h"
#include "core/kube/kube_client.h"
#include "core/profile/autoscaler.h"
#include "core/runtime/executor.h"
#include "provider/profile/profile_webhook.h"

namespace kci::profile {

class UnschedulableAutoscaler {
 public:
  //! `profiles` supplies the selectors and pod contexts; it must outlive the autoscaler.
  UnschedulableAutoscaler(kube::KubeClient& kube, Executor& executor, ProfileWebhook& profiles,
                          AutoscalerOptions options = {});
  ~UnschedulableAutoscaler();
  UnschedulableAutoscaler(const UnschedulableAutoscaler&) = delete;
  UnschedulableAutoscaler& operator=(const UnschedulableAutoscaler&) = delete;

  void start();
  void stop();

  //! Pods moved to virtual nodes, and moves that failed (patch or binding refused).
  std::uint64_t moved() const { return moved_; }
  std::uint64_t failures() const { return failures_; }

 private:
  void evaluate(const std::string& key);
  void evaluate_all();
  void on_node(const kube::Object& obj, bool deleted);
  void record_event(const k8s::Pod& pod, const std::string& type, const std::string& reason,
                    const std::string& message);

  kube::KubeClient& kube_;
  Executor& executor_;
  ProfileWebhook& profiles_;
  AutoscalerOptions options_;
  std::unique_ptr<kube::Informer> pod_informer_, node_informer_;
  std::map<std::string, k8s::Node> nodes_;
  //! Pod key -> the pending recheck timer.
  std::map<std::string, TimerId> timers_;
  std::uint64_t moved_ = 0, failures_ = 0;
  bool running_ = false;
  bool rescan_pending_ = false;
};

}  // namespace kci::profile
