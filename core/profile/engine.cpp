#include "core/profile/engine.h"

#include <algorithm>

#include "core/k8s/codec.h"
#include "core/k8s/scheduling.h"

namespace kci::profile {

k8s::Taint VirtualNodeShape::taint() const {
  k8s::Taint t;
  t.key = taint_key;
  t.value = taint_value;
  t.effect = taint_effect;
  return t;
}

k8s::Toleration VirtualNodeShape::toleration() const {
  k8s::Toleration t;
  t.key = taint_key;
  t.operator_ = "Equal";
  t.value = taint_value;
  t.effect = taint_effect;
  return t;
}

// ---- ProfileSet ---------------------------------------------------------------------------

void ProfileSet::put(ProfileSelector selector) {
  remove(selector.origin, selector.namespace_, selector.name);
  auto at = std::upper_bound(selectors_.begin(), selectors_.end(), selector, selector_precedes);
  selectors_.insert(at, std::move(selector));
}

void ProfileSet::remove(SelectorOrigin origin, const std::string& ns, const std::string& name) {
  std::erase_if(selectors_, [&](const ProfileSelector& s) {
    return s.origin == origin && s.namespace_ == ns && s.name == name;
  });
}

// ---- decide -------------------------------------------------------------------------------

namespace {

//! One key that asks for a policy, and how to say where it came from.
struct Trigger {
  Policy policy;
  std::string source;
};

std::string quoted(std::string_view key, std::string_view value) {
  return std::string(key) + "=" + std::string(value);
}

//! The pod's own keys, in the order they are trusted (KCI first).
std::vector<Trigger> pod_triggers(const k8s::Pod& pod, std::vector<std::string>& warnings) {
  std::vector<Trigger> out;
  const auto& labels = pod.metadata.labels;
  const auto& annotations = pod.metadata.annotations;
  if (auto it = labels.find(std::string(kKciLabel)); it != labels.end()) {
    if (it->second == "true") {
      out.push_back({Policy::kVirtualNodeOnly, "label " + quoted(kKciLabel, "true") + " on the pod"});
    } else if (it->second != "false") {
      warnings.push_back("label " + std::string(kKciLabel) + " is \"" + it->second +
                         "\"; accepted: \"true\" (virtual nodes only) or \"false\"; ignored");
    }
  }
  if (auto it = labels.find(std::string(kBurstToCciLabel)); it != labels.end()) {
    const std::string src = "label " + quoted(kBurstToCciLabel, it->second) + " on the pod";
    if (it->second == "auto") {
      out.push_back({Policy::kNormalNodePrefer, src});
    } else if (it->second == "enforce") {
      out.push_back({Policy::kVirtualNodeOnly, src});
    } else if (it->second == "off") {
      out.push_back({Policy::kNormalNodeOnly, src});
    } else {
      warnings.push_back("label " + std::string(kBurstToCciLabel) + " is \"" + it->second +
                         "\"; accepted: auto, enforce, off; ignored");
    }
  }
  if (auto it = annotations.find(std::string(kBurstResourceAnnotation)); it != annotations.end()) {
    const std::string src = "annotation " + quoted(kBurstResourceAnnotation, it->second) + " on the pod";
    if (it->second == "eci") {
      out.push_back({Policy::kNormalNodePrefer, src});
    } else if (it->second == "eci_only") {
      out.push_back({Policy::kVirtualNodeOnly, src});
    } else {
      warnings.push_back("annotation " + std::string(kBurstResourceAnnotation) + " is \"" + it->second +
                         "\"; accepted: eci, eci_only; ignored");
    }
  }
  for (std::string_view key : {kEciLabel, kLegacyEciLabel}) {
    if (auto it = labels.find(std::string(key)); it != labels.end() && it->second == "true")
      out.push_back({Policy::kVirtualNodeOnly, "label " + quoted(key, "true") + " on the pod"});
  }
  return out;
}

std::vector<Trigger> namespace_triggers(const PodContext& ctx) {
  std::vector<Trigger> out;
  const auto& labels = ctx.namespace_labels;
  const std::pair<std::string_view, std::string_view> keys[] = {
      {kKciLabel, "true"}, {kEciLabel, "true"}, {kLegacyEciLabel, "true"}, {kAffinityInjectionLabel, "enabled"}};
  for (const auto& [k, v] : keys) {
    if (auto it = labels.find(std::string(k)); it != labels.end() && it->second == v)
      out.push_back({Policy::kVirtualNodeOnly, "label " + quoted(k, v) + " on namespace " + ctx.namespace_});
  }
  return out;
}

void merge_effect(Effect& into, const Effect& from) {
  for (const auto& [k, v] : from.annotations) into.annotations.emplace(k, v);
  for (const auto& [k, v] : from.labels) into.labels.emplace(k, v);
}

}  // namespace

Decision decide(const k8s::Pod& pod, const PodContext& ctx, const ProfileSet& profiles,
                const EngineOptions& options) {
  Decision d;
  const auto& excluded = options.excluded_namespaces;
  if (std::find(excluded.begin(), excluded.end(), ctx.namespace_) != excluded.end()) {
    d.skipped = "namespace " + ctx.namespace_ + " is excluded";
    return d;
  }
  if (auto it = pod.metadata.labels.find(std::string(kOptOutLabel));
      it != pod.metadata.labels.end() && it->second == kOptOutValue) {
    d.skipped = "the pod is labelled " + quoted(kOptOutLabel, kOptOutValue);
    return d;
  }
  auto take = [&](const Trigger& t) {
    if (!d.policy) {
      d.policy = t.policy;
      d.decided_by = t.source;
    } else if (*d.policy != t.policy) {
      d.warnings.push_back(t.source + " asks for " + std::string(policy_name(t.policy)) + "; ignored because " +
                           d.decided_by + " decides " + std::string(policy_name(*d.policy)));
    }
  };
  // 1. The pod's own keys.
  for (const auto& t : pod_triggers(pod, d.warnings)) take(t);
  // 2. The workload's burst-to-cci label (seed 002: 在工作负载或Pod的labels中添加).
  if (!d.policy) {
    if (auto it = ctx.workload_labels.find(std::string(kBurstToCciLabel)); it != ctx.workload_labels.end()) {
      const std::string src = "label " + quoted(kBurstToCciLabel, it->second) + " on the pod's workload";
      if (it->second == "auto") take({Policy::kNormalNodePrefer, src});
      if (it->second == "enforce") take({Policy::kVirtualNodeOnly, src});
      if (it->second == "off") take({Policy::kNormalNodeOnly, src});
    }
  }
  // 3. The best matching Selector object (seed 004: 优先级高的Selector会生效).
  for (const auto& s : profiles.selectors()) {
    if (!s.matches(pod.metadata.labels, ctx.namespace_, ctx.namespace_labels)) continue;
    merge_effect(d.effect, s.effect);
    if (s.policy && !d.policy) {
      d.policy = s.policy;
      d.decided_by = s.describe();
    }
    break;
  }
  // 4. The ConfigMap selectors, in order (seed 003: 将按照顺序匹配selector).
  for (const auto& s : profiles.config().selectors) {
    if (s.unconstrained()) continue;
    if (!s.matches(pod.metadata.labels, ctx.namespace_, ctx.namespace_labels)) continue;
    merge_effect(d.effect, s.effect);
    if (s.policy && !d.policy) {
      d.policy = s.policy;
      d.decided_by = s.describe();
    }
  }
  // 5. Namespace labels.
  if (!d.policy) {
    for (const auto& t : namespace_triggers(ctx)) {
      take(t);
      break;
    }
  }
  // Seed 003: an entry without selectors adds its effect to every pod that goes to ECI.
  if (d.burst_allowed()) {
    for (const auto& s : profiles.config().selectors) {
      if (s.unconstrained()) merge_effect(d.effect, s.effect);
    }
  }
  return d;
}

// ---- the patch ---------------------------------------------------------------------------

bool is_daemonset_pod(const k8s::Pod& pod) {
  return std::any_of(pod.metadata.ownerReferences.begin(), pod.metadata.ownerReferences.end(),
                     [](const k8s::OwnerReference& o) { return o.kind == "DaemonSet"; });
}

namespace {

const std::string kRequired = "requiredDuringSchedulingIgnoredDuringExecution";
const std::string kPreferred = "preferredDuringSchedulingIgnoredDuringExecution";

Json not_virtual_requirement(const VirtualNodeShape& node) {
  return {{"key", node.label_key}, {"operator", "NotIn"}, {"values", Json::array({node.label_value})}};
}

bool excludes_virtual(const k8s::NodeSelectorTerm& term, const VirtualNodeShape& node) {
  return std::any_of(term.matchExpressions.begin(), term.matchExpressions.end(), [&](const auto& r) {
    return r.key == node.label_key && r.operator_ == "NotIn" &&
           std::find(r.values.begin(), r.values.end(), node.label_value) != r.values.end();
  });
}

const k8s::NodeSelector* required_of(const k8s::Pod& pod) {
  if (!pod.spec.affinity || !pod.spec.affinity->nodeAffinity) return nullptr;
  const auto& r = pod.spec.affinity->nodeAffinity->requiredDuringSchedulingIgnoredDuringExecution;
  return r ? &*r : nullptr;
}

}  // namespace

void add_policy(PatchBuilder& patch, const k8s::Pod& pod, Policy policy, const VirtualNodeShape& node,
                std::vector<std::string>& warnings) {
  const std::vector<std::string> affinity = {"spec", "affinity", "nodeAffinity"};
  auto under_affinity = [&](std::vector<std::string> rest) {
    std::vector<std::string> p = affinity;
    p.insert(p.end(), rest.begin(), rest.end());
    return p;
  };
  const k8s::NodeSelector* required = required_of(pod);
  const bool tolerate = policy != Policy::kNormalNodeOnly;
  if (tolerate && !k8s::tolerated_by_any(pod.spec.tolerations, node.taint())) {
    if (!patch.append({"spec", "tolerations"}, k8s::encode(node.toleration())))
      warnings.push_back("spec.tolerations is not a list; the virtual-node toleration was not added");
  }
  switch (policy) {
    case Policy::kFair:
      break;
    case Policy::kVirtualNodeOnly: {
      auto it = pod.spec.nodeSelector.find(node.label_key);
      if (it == pod.spec.nodeSelector.end()) {
        if (!patch.add_if_absent({"spec", "nodeSelector", node.label_key}, node.label_value))
          warnings.push_back("spec.nodeSelector is not a map; " + node.label_key + "=" + node.label_value +
                             " was not added");
      } else if (it->second != node.label_value) {
        warnings.push_back("spec.nodeSelector already has " + node.label_key + "=" + it->second +
                           "; kept, so the pod is not pinned to virtual nodes (" + node.label_key + "=" +
                           node.label_value + ")");
      }
      if (required && !required->nodeSelectorTerms.empty() &&
          std::all_of(required->nodeSelectorTerms.begin(), required->nodeSelectorTerms.end(),
                      [&](const auto& t) { return excludes_virtual(t, node); }))
        warnings.push_back("the pod's required node affinity excludes " + node.label_key + "=" + node.label_value +
                           " while its policy is virtualNodeOnly: it cannot be scheduled");
      break;
    }
    case Policy::kNormalNodeOnly: {
      if (!required) {
        patch.add_if_absent(under_affinity({kRequired}),
                            Json{{"nodeSelectorTerms", Json::array({{{"matchExpressions",
                                                                       Json::array({not_virtual_requirement(node)})}}})}});
      } else if (required->nodeSelectorTerms.empty()) {
        patch.append(under_affinity({kRequired, "nodeSelectorTerms"}),
                     Json{{"matchExpressions", Json::array({not_virtual_requirement(node)})}});
      } else {
        // Terms are ORed: each one must exclude virtual nodes.
        for (std::size_t i = 0; i < required->nodeSelectorTerms.size(); ++i) {
          if (excludes_virtual(required->nodeSelectorTerms[i], node)) continue;
          patch.append(under_affinity({kRequired, "nodeSelectorTerms", std::to_string(i), "matchExpressions"}),
                       not_virtual_requirement(node));
        }
      }
      break;
    }
    case Policy::kNormalNodePrefer: {
      bool present = false;
      if (pod.spec.affinity && pod.spec.affinity->nodeAffinity) {
        for (const auto& t : pod.spec.affinity->nodeAffinity->preferredDuringSchedulingIgnoredDuringExecution)
          if (t.weight > 0 && excludes_virtual(t.preference, node)) present = true;
      }
      if (!present)
        patch.append(under_affinity({kPreferred}),
                     Json{{"weight", kPreferNormalNodeWeight},
                          {"preference", {{"matchExpressions", Json::array({not_virtual_requirement(node)})}}}});
      break;
    }
  }
}

Result<Mutation> mutate_pod(const Json& pod_json, const PodContext& ctx, const ProfileSet& profiles,
                            const EngineOptions& options) {
  auto decoded = k8s::decode<k8s::Pod>(pod_json);
  if (!decoded.ok()) return invalid_argument("pod: " + decoded.error().message);
  const k8s::Pod& pod = *decoded;
  Mutation m;
  // An effect may add a key that is itself a trigger or that another selector matches
  // (effect.labels {virtual-kubelet.io/burst-to-cci: "off"}). Decide again on the pod with
  // the effect until nothing new is added, so that a second pass (reinvocation) finds the
  // same decision. Each extra round adds at least one key of some effect, so the number of
  // effect keys bounds the rounds.
  k8s::Pod view = pod;
  std::size_t bound = 1;
  for (const auto& s : profiles.selectors()) bound += s.effect.labels.size() + s.effect.annotations.size();
  for (const auto& s : profiles.config().selectors) bound += s.effect.labels.size() + s.effect.annotations.size();
  for (std::size_t round = 0;; ++round) {
    m.decision = decide(view, ctx, profiles, options);
    bool grew = false;
    for (const auto& [k, v] : m.decision.effect.labels) grew |= view.metadata.labels.emplace(k, v).second;
    for (const auto& [k, v] : m.decision.effect.annotations) grew |= view.metadata.annotations.emplace(k, v).second;
    if (!grew || round >= bound) break;
  }
  m.warnings = m.decision.warnings;
  PatchBuilder patch(pod_json);
  for (const auto& [k, v] : view.metadata.labels)
    if (!pod.metadata.labels.count(k)) patch.add_if_absent({"metadata", "labels", k}, v);
  for (const auto& [k, v] : view.metadata.annotations)
    if (!pod.metadata.annotations.count(k)) patch.add_if_absent({"metadata", "annotations", k}, v);
  if (m.decision.policy) {
    if (!pod.spec.nodeName.empty()) {
      // Already placed (seed 000: nodeName scheduling): nothing to steer.
    } else if (is_daemonset_pod(pod) && *m.decision.policy != Policy::kNormalNodeOnly) {
      m.warnings.push_back("DaemonSet pods cannot run on virtual nodes (seed 001: 不支持在虚拟节点上运行DaemonSet Pod); " +
                           m.decision.decided_by + " is not applied");
    } else {
      add_policy(patch, pod, *m.decision.policy, options.node, m.warnings);
    }
  }
  m.patch = patch.operations();
  m.patched = patch.document();
  return m;
}

}  // namespace kci::profile
