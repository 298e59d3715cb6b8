// Taints, tolerations and node affinity as kube-scheduler decides them.
#include "core/k8s/scheduling.h"

#include <algorithm>

namespace kci::k8s {

namespace {
std::string quote_text(std::string_view s) {
  return Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::replace);
}
bool effect_in(std::string_view effect, const std::vector<std::string_view>& effects) {
  return std::find(effects.begin(), effects.end(), effect) != effects.end();
}
}  // namespace

// ---- taints and tolerations ----------------------------------------------------------------

bool tolerates(const Toleration& t, const Taint& taint) {
  if (!t.effect.empty() && t.effect != taint.effect) return false;
  if (!t.key.empty() && t.key != taint.key) return false;
  if (t.operator_.empty() || t.operator_ == "Equal") return t.value == taint.value;
  return t.operator_ == "Exists";
}

bool tolerated_by_any(const std::vector<Toleration>& tolerations, const Taint& taint) {
  return std::any_of(tolerations.begin(), tolerations.end(),
                     [&](const Toleration& t) { return tolerates(t, taint); });
}

std::optional<Taint> find_untolerated_taint(const std::vector<Taint>& taints,
                                            const std::vector<Toleration>& tolerations,
                                            const std::vector<std::string_view>& effects) {
  for (const auto& taint : taints) {
    if (!effect_in(taint.effect, effects)) continue;
    if (!tolerated_by_any(tolerations, taint)) return taint;
  }
  return std::nullopt;
}

bool tolerates_all(const std::vector<Toleration>& tolerations, const std::vector<Taint>& taints,
                   const std::vector<std::string_view>& effects) {
  return !find_untolerated_taint(taints, tolerations, effects).has_value();
}

Status taint_toleration_filter(const Pod& pod, const Node& node) {
  const auto taint = find_untolerated_taint(node.spec.taints, pod.spec.tolerations,
                                            {kEffectNoSchedule, kEffectNoExecute});
  if (!taint) return ok_status();
  return make_error(ErrorCode::kInvalidArgument,
                    "node(s) had untolerated taint {" + taint->key + ": " + taint->value + "}",
                    "TaintToleration");
}

std::int64_t count_intolerable_prefer_no_schedule(const std::vector<Taint>& taints,
                                                  const std::vector<Toleration>& tolerations) {
  std::vector<Toleration> relevant;
  for (const auto& t : tolerations)
    if (t.effect.empty() || t.effect == kEffectPreferNoSchedule) relevant.push_back(t);
  std::int64_t count = 0;
  for (const auto& taint : taints)
    if (taint.effect == kEffectPreferNoSchedule && !tolerated_by_any(relevant, taint)) ++count;
  return count;
}

void normalize_scores(std::vector<std::int64_t>& scores, bool reverse) {
  // framework.MaxNodeScore: scores are scaled to 0..100.
  constexpr std::int64_t kMaxNodeScore = 100;
  std::int64_t max = 0;
  for (auto s : scores) max = std::max(max, s);
  if (max == 0) {
    if (reverse)
      for (auto& s : scores) s = kMaxNodeScore;
    return;
  }
  for (auto& s : scores) {
    s = kMaxNodeScore * s / max;
    if (reverse) s = kMaxNodeScore - s;
  }
}

Status validate_tolerations(const std::vector<Toleration>& tolerations, std::string_view path) {
  for (std::size_t i = 0; i < tolerations.size(); ++i) {
    const auto& t = tolerations[i];
    const std::string p = std::string(path) + "[" + std::to_string(i) + "]";
    if (!t.key.empty()) {
      auto st = validate_label_key(t.key);
      if (!st.ok()) return invalid_argument(p + ".key: " + st.error().message);
    }
    if (t.key.empty() && t.operator_ != "Exists")
      return invalid_argument(p + ".operator: " + quote_text(t.operator_) +
                              ": must be Exists when `key` is empty, which means \"match all "
                              "values and all keys\"");
    if (!t.tolerationSeconds.has_value()) {
      // fine
    } else if (t.effect != kEffectNoExecute) {
      return invalid_argument(p + ".effect: " + quote_text(t.effect) +
                              ": must be NoExecute when `tolerationSeconds` is set");
    }
    if (t.operator_.empty() || t.operator_ == "Equal") {
      auto st = validate_label_value(t.value);
      if (!st.ok()) return invalid_argument(p + ".value: " + st.error().message);
    } else if (t.operator_ == "Exists") {
      if (!t.value.empty())
        return invalid_argument(p + ".value: " + quote_text(t.value) +
                                ": must be empty when `operator` is 'Exists'");
    } else {
      return invalid_argument(p + ".operator: " + quote_text(t.operator_) +
                              " is not a valid toleration operator (accepted: Equal, Exists)");
    }
    if (!t.effect.empty() && t.effect != kEffectNoSchedule && t.effect != kEffectPreferNoSchedule &&
        t.effect != kEffectNoExecute)
      return invalid_argument(p + ".effect: " + quote_text(t.effect) +
                              " is not a valid taint effect (accepted: NoSchedule, "
                              "PreferNoSchedule, NoExecute, or empty for all)");
  }
  return ok_status();
}

// ---- node affinity ---------------------------------------------------------------------------

StringMap node_fields(const Node& node) { return {{"metadata.name", node.metadata.name}}; }

bool CompiledNodeSelectorTerm::matches(const StringMap& node_labels,
                                       const StringMap& node_fields_) const {
  if (labels && !labels->matches(node_labels)) return false;
  if (fields && !node_fields_.empty() && !fields->matches(node_fields_)) return false;
  return true;
}

bool is_empty_term(const NodeSelectorTerm& term) {
  return term.matchExpressions.empty() && term.matchFields.empty();
}

namespace {

const char* kNodeOps = "In, NotIn, Exists, DoesNotExist, Gt, Lt";

Result<Requirement> compile_expression(const NodeSelectorRequirement& e, const std::string& p) {
  SelectorOp op;
  if (e.operator_ == "In") {
    op = SelectorOp::kIn;
  } else if (e.operator_ == "NotIn") {
    op = SelectorOp::kNotIn;
  } else if (e.operator_ == "Exists") {
    op = SelectorOp::kExists;
  } else if (e.operator_ == "DoesNotExist") {
    op = SelectorOp::kDoesNotExist;
  } else if (e.operator_ == "Gt") {
    op = SelectorOp::kGreaterThan;
  } else if (e.operator_ == "Lt") {
    op = SelectorOp::kLessThan;
  } else {
    return invalid_argument(p + ".operator: " + quote_text(e.operator_) +
                            " is not a valid operator (accepted: " + kNodeOps + ")");
  }
  auto key = validate_label_key(e.key);
  if (!key.ok()) return invalid_argument(p + ".key: " + key.error().message);
  const std::size_t n = e.values.size();
  switch (op) {
    case SelectorOp::kIn:
    case SelectorOp::kNotIn:
      if (n == 0)
        return invalid_argument(p + ".values: must be specified when `operator` is 'In' or 'NotIn'");
      break;
    case SelectorOp::kExists:
    case SelectorOp::kDoesNotExist:
      if (n != 0)
        return invalid_argument(p + ".values: may not be specified when `operator` is 'Exists' or "
                                "'DoesNotExist' (found " + std::to_string(n) + ")");
      break;
    default:
      if (n != 1)
        return invalid_argument(p + ".values: must be a single integer when `operator` is 'Gt' or "
                                "'Lt' (found " + std::to_string(n) + " values)");
      break;
  }
  for (std::size_t i = 0; i < n; ++i) {
    auto v = validate_label_value(e.values[i]);
    if (!v.ok())
      return invalid_argument(p + ".values[" + std::to_string(i) + "]: " + v.error().message);
  }
  auto r = Requirement::make(e.key, op, e.values);
  if (!r.ok()) {
    // Only Gt/Lt's integer rule is left to fail here.
    return invalid_argument(p + ".values[0]: " + quote_text(e.values.empty() ? "" : e.values[0]) +
                            " is not an integer (accepted for Gt and Lt: a 64-bit decimal integer)");
  }
  return r;
}

}  // namespace

Result<CompiledNodeSelectorTerm> compile_node_selector_term(const NodeSelectorTerm& term,
                                                            std::string_view path) {
  CompiledNodeSelectorTerm out;
  if (!term.matchExpressions.empty()) {
    Selector s;
    for (std::size_t i = 0; i < term.matchExpressions.size(); ++i) {
      const std::string p = std::string(path) + ".matchExpressions[" + std::to_string(i) + "]";
      KCI_TRY(Requirement r, compile_expression(term.matchExpressions[i], p));
      s.add(std::move(r));
    }
    out.labels = std::move(s);
  }
  if (!term.matchFields.empty()) {
    std::vector<FieldRequirement> reqs;
    for (std::size_t i = 0; i < term.matchFields.size(); ++i) {
      const auto& f = term.matchFields[i];
      const std::string p = std::string(path) + ".matchFields[" + std::to_string(i) + "]";
      if (f.key != "metadata.name")
        return invalid_argument(p + ".key: " + quote_text(f.key) +
                                " is not a supported field (accepted: metadata.name)");
      if (f.operator_ != "In" && f.operator_ != "NotIn")
        return invalid_argument(p + ".operator: " + quote_text(f.operator_) +
                                " is not a valid operator for a field (accepted: In, NotIn)");
      if (f.values.size() != 1)
        return invalid_argument(p + ".values: must have exactly one element (found " +
                                std::to_string(f.values.size()) + ")");
      reqs.push_back(FieldRequirement{f.key, f.operator_ == "NotIn", f.values[0]});
    }
    out.fields = FieldSelector::from_terms(std::move(reqs));
  }
  return out;
}

Result<bool> node_selector_matches(const NodeSelector& selector, const Node& node,
                                   std::string_view path) {
  const StringMap fields = node_fields(node);
  std::optional<Error> first_error;
  for (std::size_t i = 0; i < selector.nodeSelectorTerms.size(); ++i) {
    const auto& term = selector.nodeSelectorTerms[i];
    if (is_empty_term(term)) continue;  // an empty term selects no node
    const std::string p = std::string(path) + ".nodeSelectorTerms[" + std::to_string(i) + "]";
    auto compiled = compile_node_selector_term(term, p);
    if (!compiled.ok()) {
      if (!first_error) first_error = compiled.error();
      continue;
    }
    if (compiled->matches(node.metadata.labels, fields)) return true;
  }
  if (first_error) return *first_error;
  return false;
}

namespace {
const char* kRequiredPath =
    "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution";
const char* kPreferredPath =
    "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution";
}  // namespace

Result<bool> required_node_affinity_matches(const Pod& pod, const Node& node) {
  for (const auto& [k, v] : pod.spec.nodeSelector) {
    const auto it = node.metadata.labels.find(k);
    if (it == node.metadata.labels.end() || it->second != v) return false;
  }
  if (!pod.spec.affinity || !pod.spec.affinity->nodeAffinity ||
      !pod.spec.affinity->nodeAffinity->requiredDuringSchedulingIgnoredDuringExecution)
    return true;
  return node_selector_matches(
      *pod.spec.affinity->nodeAffinity->requiredDuringSchedulingIgnoredDuringExecution, node,
      kRequiredPath);
}

Result<std::int64_t> preferred_node_affinity_score(const Pod& pod, const Node& node) {
  if (!pod.spec.affinity || !pod.spec.affinity->nodeAffinity) return std::int64_t{0};
  const auto& terms = pod.spec.affinity->nodeAffinity->preferredDuringSchedulingIgnoredDuringExecution;
  const StringMap fields = node_fields(node);
  std::int64_t score = 0;
  for (std::size_t i = 0; i < terms.size(); ++i) {
    const auto& t = terms[i];
    if (t.weight == 0 || is_empty_term(t.preference)) continue;
    const std::string p = std::string(kPreferredPath) + "[" + std::to_string(i) + "].preference";
    KCI_TRY(CompiledNodeSelectorTerm c, compile_node_selector_term(t.preference, p));
    if (c.matches(node.metadata.labels, fields)) score += t.weight;
  }
  return score;
}

Status validate_node_selector(const NodeSelector& selector, std::string_view path) {
  if (selector.nodeSelectorTerms.empty())
    return invalid_argument(std::string(path) +
                            ".nodeSelectorTerms: must have at least one node selector term");
  for (std::size_t i = 0; i < selector.nodeSelectorTerms.size(); ++i) {
    const std::string p = std::string(path) + ".nodeSelectorTerms[" + std::to_string(i) + "]";
    auto c = compile_node_selector_term(selector.nodeSelectorTerms[i], p);
    if (!c.ok()) return c.take_error();
  }
  return ok_status();
}

Status validate_node_affinity(const NodeAffinity& a, std::string_view path) {
  if (a.requiredDuringSchedulingIgnoredDuringExecution) {
    KCI_TRY_STATUS(validate_node_selector(
        *a.requiredDuringSchedulingIgnoredDuringExecution,
        std::string(path) + ".requiredDuringSchedulingIgnoredDuringExecution"));
  }
  // The API server's range for a preferred term's weight.
  constexpr std::int32_t kMinWeight = 1, kMaxWeight = 100;
  const auto& pref = a.preferredDuringSchedulingIgnoredDuringExecution;
  for (std::size_t i = 0; i < pref.size(); ++i) {
    const std::string p = std::string(path) + ".preferredDuringSchedulingIgnoredDuringExecution[" +
                          std::to_string(i) + "]";
    if (pref[i].weight < kMinWeight || pref[i].weight > kMaxWeight)
      return invalid_argument(p + ".weight: " + std::to_string(pref[i].weight) +
                              " must be in the range 1-100");
    auto c = compile_node_selector_term(pref[i].preference, p + ".preference");
    if (!c.ok()) return c.take_error();
  }
  return ok_status();
}

}  // namespace kci::k8s
