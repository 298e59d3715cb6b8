#include "core/profile/autoscaler.h"

#include <algorithm>

#include "core/k8s/scheduling.h"

namespace kci::profile {

std::optional<TimePoint> unschedulable_since(const k8s::Pod& pod) {
  for (const auto& c : pod.status.conditions) {
    if (c.type != "PodScheduled") continue;
    if (c.status != "False" || c.reason != "Unschedulable") return std::nullopt;
    if (c.lastTransitionTime) return c.lastTransitionTime->at;
    if (pod.metadata.creationTimestamp) return pod.metadata.creationTimestamp->at;
    return std::nullopt;
  }
  return std::nullopt;
}

bool virtual_node_accepts(const k8s::Pod& pod, const k8s::Node& node, const VirtualNodeShape& shape) {
  auto label = node.metadata.labels.find(shape.label_key);
  if (label == node.metadata.labels.end() || label->second != shape.label_value) return false;
  if (node.spec.unschedulable || node.metadata.deletionTimestamp) return false;
  const bool ready = std::any_of(node.status.conditions.begin(), node.status.conditions.end(),
                                 [](const auto& c) { return c.type == "Ready" && c.status == "True"; });
  if (!ready) return false;
  std::vector<k8s::Toleration> tolerations = pod.spec.tolerations;
  tolerations.push_back(shape.toleration());
  if (!k8s::tolerates_all(tolerations, node.spec.taints, {k8s::kEffectNoSchedule, k8s::kEffectNoExecute}))
    return false;
  auto fits = k8s::required_node_affinity_matches(pod, node);
  return fits.ok() && *fits;
}

AutoscaleDecision decide_autoscale(const k8s::Pod& pod, const PodContext& ctx, const ProfileSet& profiles,
                                   const std::vector<k8s::Node>& nodes, TimePoint now,
                                   const AutoscalerOptions& options) {
  using Action = AutoscaleDecision::Action;
  AutoscaleDecision out;
  if (!pod.spec.nodeName.empty()) {
    out.reason = "bound to " + pod.spec.nodeName;
    return out;
  }
  if (pod.metadata.deletionTimestamp) {
    out.reason = "being deleted";
    return out;
  }
  if (!pod.status.phase.empty() && pod.status.phase != "Pending") {
    out.reason = "phase " + pod.status.phase;
    return out;
  }
  const auto since = unschedulable_since(pod);
  if (!since) {
    out.reason = "not Unschedulable";
    return out;
  }
  if (is_daemonset_pod(pod)) {
    out.reason = "a DaemonSet pod (virtual nodes cannot run DaemonSets)";
    return out;
  }
  const Decision d = decide(pod, ctx, profiles, options.engine);
  if (!d.burst_allowed()) {
    out.reason = d.policy ? "not allowed to burst: " + d.decided_by + " says " + std::string(policy_name(*d.policy))
                          : "not allowed to burst: no trigger or selector applies";
    return out;
  }
  const TimePoint due = *since + options.unschedulable_for;
  if (now < due) {
    out.action = Action::kWait;
    out.recheck_at = due;
    out.reason = "Unschedulable for less than the waiting time";
    return out;
  }
  std::vector<const k8s::Node*> candidates;
  for (const auto& n : nodes)
    if (virtual_node_accepts(pod, n, options.node)) candidates.push_back(&n);
  if (candidates.empty()) {
    out.reason = "no ready virtual node accepts the pod";
    return out;
  }
  const k8s::Node* chosen = *std::min_element(candidates.begin(), candidates.end(), [](const auto* a, const auto* b) {
    return a->metadata.name < b->metadata.name;
  });
  out.action = Action::kBurst;
  out.node = chosen->metadata.name;
  if (!k8s::tolerated_by_any(pod.spec.tolerations, options.node.taint())) {
    out.patch.push_back({{"op", "test"}, {"path", "/metadata/uid"}, {"value", pod.metadata.uid}});
    const Json tol = k8s::encode(options.node.toleration());
    if (pod.spec.tolerations.empty()) {
      out.patch.push_back({{"op", "add"}, {"path", "/spec/tolerations"}, {"value", Json::array({tol})}});
    } else {
      out.patch.push_back({{"op", "add"}, {"path", "/spec/tolerations/-"}, {"value", tol}});
    }
  }
  const auto waited = std::chrono::duration_cast<std::chrono::seconds>(now - *since).count();
  out.reason = "Unschedulable for " + std::to_string(waited) + "s and allowed to burst (" + d.decided_by +
               ", policy " + std::string(policy_name(*d.policy)) + "): moved to virtual node " + out.node;
  return out;
}

}  // namespace kci::profile
