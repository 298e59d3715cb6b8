// The unschedulable-pod autoscaler's decision (seed 003's virtual-kubelet-autoscaler: 在Pod
// 调度时,如果没有匹配的node节点,会由virtual-kubelet-autoscaler进行接管,把调度失败的Pod重新
// 调度到ECI上).
//
// A pod that has been Unschedulable for a while, is not a DaemonSet pod, and is allowed to
// burst (a trigger or selector whose policy is not normalNodeOnly / off) is moved to a
// virtual node: it gets the virtual-node toleration (the one change Kubernetes allows on a
// pod's spec: tolerations may be added) and is bound to a ready virtual node that its own
// node selector and required affinity accept, chosen by name so the choice is reproducible.
// The patch starts with a `test` of the pod's uid, so a recreated pod of the same name is
// never patched by mistake. A second pass over a moved pod finds nothing to do.
// Must not: read a clock (the caller passes now), call the API, or choose among nodes by
// anything but their names and what the pod requires.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/k8s/object.h"
#include "core/profile/engine.h"

namespace kci::profile {

//! Options of the autoscaler.
struct AutoscalerOptions {
  //! How long a pod stays Unschedulable before it is moved. 30 s: the period at which
  //! kube-scheduler revisits its unschedulable queue, so normal nodes get one more try
  //! (and a cluster-autoscaler time to react) before the pod bursts.
  Duration unschedulable_for = std::chrono::seconds(30);
  VirtualNodeShape node;
  EngineOptions engine;
};

//! What to do with one pod.
struct AutoscaleDecision {
  enum class Action {
    kNone,   //!< nothing now (not eligible, or no virtual node accepts it); see reason
    kWait,   //!< eligible but not Unschedulable long enough: look again at recheck_at
    kBurst,  //!< apply `patch` (may be empty: already tolerating) then bind to `node`
  };
  Action action = Action::kNone;
  TimePoint recheck_at{};
  //! RFC 6902 operations for the pod (a uid test first), empty when nothing to add.
  Json patch = Json::array();
  //! The virtual node to bind to.
  std::string node;
  //! Why: for kBurst the event message, otherwise the reason nothing happens.
  std::string reason;
};

//! Decides for one pod, given the cluster's nodes and the pod's context.
AutoscaleDecision decide_autoscale(const k8s::Pod& pod, const PodContext& context, const ProfileSet& profiles,
                                   const std::vector<k8s::Node>& nodes, TimePoint now,
                                   const AutoscalerOptions& options = {});

//! When the pod became Unschedulable (its PodScheduled=False/Unschedulable condition's
//! lastTransitionTime, else its creationTimestamp); nullopt when it is not Unschedulable.
std::optional<TimePoint> unschedulable_since(const k8s::Pod& pod);

//! Whether `node` is a virtual node that can take `pod` once it tolerates the virtual-node
//! taint: label, Ready, schedulable, every other NoSchedule/NoExecute taint tolerated, the
//! pod's nodeSelector and required node affinity satisfied.
bool virtual_node_accepts(const k8s::Pod& pod, const k8s::Node& node, const VirtualNodeShape& shape);

}  // namespace kci::profile
