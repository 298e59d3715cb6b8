// Taints, tolerations and node affinity, decided exactly as kube-scheduler's TaintToleration
// and NodeAffinity plugins decide them (k8s.io/api core/v1 Toleration.ToleratesTaint and
// k8s.io/component-helpers scheduling/corev1 and .../nodeaffinity).
//
// The fake API server's scheduler filters and scores with these; the virtual kubelet and
// the admission webhook use them to tell whether a pod may land on a virtual node.
// Validation errors name the field path and the value, like the API server's:
// `spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[1].operator: "Foo" is not a valid operator (accepted: In, NotIn, Exists, DoesNotExist, Gt, Lt)`.
// Must not: crash on any object; look at anything but the pod and the node passed in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/k8s/object.h"
#include "core/k8s/selector.h"
#include "core/result.h"

namespace kci::k8s {

// ---- taints and tolerations ----------------------------------------------------------------

//! The taint effects (core/v1 TaintEffect).
inline constexpr std::string_view kEffectNoSchedule = "NoSchedule";
inline constexpr std::string_view kEffectPreferNoSchedule = "PreferNoSchedule";
inline constexpr std::string_view kEffectNoExecute = "NoExecute";

//! Toleration.ToleratesTaint: an empty effect matches every effect, an empty key matches
//! every key, operator Exists ignores the value, Equal (or empty) compares it; any other
//! operator tolerates nothing.
bool tolerates(const Toleration& toleration, const Taint& taint);
//! Whether some toleration of the list tolerates the taint.
bool tolerated_by_any(const std::vector<Toleration>& tolerations, const Taint& taint);

//! The first taint whose effect is in `effects` that no toleration tolerates
//! (FindMatchingUntoleratedTaint with an effect filter); nullopt when all are tolerated.
std::optional<Taint> find_untolerated_taint(const std::vector<Taint>& taints,
                                            const std::vector<Toleration>& tolerations,
                                            const std::vector<std::string_view>& effects);
//! Whether every taint with an effect in `effects` is tolerated.
bool tolerates_all(const std::vector<Toleration>& tolerations, const std::vector<Taint>& taints,
                   const std::vector<std::string_view>& effects);

//! The TaintToleration filter: NoSchedule and NoExecute taints must all be tolerated.
//! The error reads like the scheduler's: `node(s) had untolerated taint {key: value}`.
Status taint_toleration_filter(const Pod& pod, const Node& node);
//! The TaintToleration score before normalisation: how many PreferNoSchedule taints are
//! not tolerated by the pod's tolerations whose effect is empty or PreferNoSchedule.
std::int64_t count_intolerable_prefer_no_schedule(const std::vector<Taint>& taints,
                                                  const std::vector<Toleration>& tolerations);

//! kube-scheduler's DefaultNormalizeScore: scales scores to 0..100 by the largest;
//! `reverse` turns it into 100 - score (TaintToleration: fewer taints is better).
void normalize_scores(std::vector<std::int64_t>& scores, bool reverse);

//! API validation of a pod's tolerations: operator Equal, Exists or empty; an empty key
//! needs Exists; Exists takes no value; effect empty or one of the three; tolerationSeconds
//! only with NoExecute. `path` prefixes field names (e.g. "spec.tolerations").
Status validate_tolerations(const std::vector<Toleration>& tolerations, std::string_view path);

// ---- node affinity ---------------------------------------------------------------------------

//! The fields matchFields can select on a node: metadata.name.
StringMap node_fields(const Node& node);

//! A NodeSelectorTerm compiled for matching: matchExpressions as a label selector,
//! matchFields as a field selector. An empty term is never compiled (it selects nothing).
struct CompiledNodeSelectorTerm {
  std::optional<Selector> labels;       //!< absent when the term has no matchExpressions
  std::optional<FieldSelector> fields;  //!< absent when the term has no matchFields
  //! Both parts must match; node fields are {"metadata.name": name}.
  bool matches(const StringMap& node_labels, const StringMap& node_fields) const;
};

//! Compiles one term; `path` is the term's field path for errors (operators In, NotIn,
//! Exists, DoesNotExist, Gt, Lt on labels; In and NotIn with one value on metadata.name).
Result<CompiledNodeSelectorTerm> compile_node_selector_term(const NodeSelectorTerm& term,
                                                            std::string_view path);
//! True when a term has neither matchExpressions nor matchFields.
bool is_empty_term(const NodeSelectorTerm& term);

//! A NodeSelector against a node, as the scheduler's LazyErrorNodeSelector: non-empty terms
//! are ORed, each term's requirements ANDed; a term that does not compile is skipped and
//! its error is returned only when no other term matched. No non-empty term: no match.
Result<bool> node_selector_matches(const NodeSelector& selector, const Node& node,
                                   std::string_view path);

//! The NodeAffinity filter: the pod's nodeSelector map (every key equal) and its required
//! node affinity must both match the node.
Result<bool> required_node_affinity_matches(const Pod& pod, const Node& node);
//! The NodeAffinity score before normalisation: the sum of the weights of the preferred
//! terms that match (terms of weight 0 and empty terms are skipped). Any preferred term
//! that does not compile makes it an error, as in the scheduler's PreScore.
Result<std::int64_t> preferred_node_affinity_score(const Pod& pod, const Node& node);

//! API validation of a node selector (required: at least one term) and of a node affinity
//! (every required and preferred term compiles; weights 1..100). `path` is the field path of
//! the value passed, e.g. "spec.affinity.nodeAffinity".
Status validate_node_selector(const NodeSelector& selector, std::string_view path);
Status validate_node_affinity(const NodeAffinity& affinity, std::string_view path);

}  // namespace kci::k8s
