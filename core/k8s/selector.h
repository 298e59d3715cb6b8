// Label selectors and field selectors, parsed, printed and matched as Kubernetes does
// (k8s.io/apimachinery pkg/labels and pkg/fields; metav1.LabelSelectorAsSelector).
//
// A Selector is compiled once (requirements sorted by key, values sorted and de-duplicated)
// and then matched many times: the fake API server filters lists and watches with it, the
// admission webhook picks profiles with it, the scheduler's node affinity builds on it.
// Two selectors are special, as in Kubernetes: "everything" (no requirements; what the
// empty string and an empty LabelSelector give) and "nothing" (what an absent LabelSelector
// gives where Kubernetes says a null selector selects no objects).
// Must not: throw or crash on any input; know which object kinds exist (callers pass labels
// or a field map).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/k8s/object.h"
#include "core/result.h"

namespace kci::k8s {

//! The operators of a label requirement (selection.Operator).
enum class SelectorOp {
  kEquals,        //!< `a=b`
  kDoubleEquals,  //!< `a==b` (same meaning as `=`, printed as written)
  kNotEquals,     //!< `a!=b`: true when the label is absent too
  kIn,            //!< `a in (b,c)`
  kNotIn,         //!< `a notin (b,c)`: true when the label is absent too
  kExists,        //!< `a`
  kDoesNotExist,  //!< `!a`
  kGreaterThan,   //!< `a>5`: the label's value read as a 64-bit integer
  kLessThan,      //!< `a<5`
};

//! The spelling of an operator in the string form ("=", "in", "!", ...).
std::string_view selector_op_text(SelectorOp op);

//! Checks a label key: a qualified name (<= 63 characters of [A-Za-z0-9-_.], alphanumeric
//! at both ends) with an optional DNS-1123 subdomain prefix and '/' (<= 253 characters).
Status validate_label_key(std::string_view key);
//! Checks a label value: empty, or <= 63 characters of [A-Za-z0-9-_.], alphanumeric at both ends.
Status validate_label_value(std::string_view value);

//! One requirement of a selector: key, operator, values (sorted, without duplicates).
struct Requirement {
  std::string key;
  SelectorOp op = SelectorOp::kExists;
  std::vector<std::string> values;

  //! Validates like labels.NewRequirement: the key, every value, and the count of values the
  //! operator needs (in/notin: at least one; =, ==, !=: one; exists/!: none; gt/lt: one
  //! integer). Values are sorted and de-duplicated.
  static Result<Requirement> make(std::string key, SelectorOp op, std::vector<std::string> values);

  //! Requirement.Matches: whether a label set satisfies it.
  bool matches(const StringMap& labels) const;
  //! The string form: `a=b`, `a in (b,c)`, `!a`, `a>5`.
  std::string to_string() const;
  bool operator==(const Requirement&) const = default;
};

//! A compiled label selector: requirements ANDed, kept sorted by key.
class Selector {
 public:
  //! Matches every label set (the empty string, an empty LabelSelector).
  static Selector everything() { return Selector(); }
  //! Matches no label set (labels.Nothing(): an absent LabelSelector where Kubernetes says
  //! "a null label selector matches no objects").
  static Selector nothing();

  //! labels.Parse: `a=b,c in (d,e),!f,g>3`. The empty string (or only whitespace) is
  //! everything. Errors name the position, the token found and what would be accepted.
  static Result<Selector> parse(std::string_view text);
  //! labels.SelectorFromValidatedSet's meaning, validated: one `key=value` per entry.
  static Result<Selector> from_set(const StringMap& labels);
  //! metav1.LabelSelectorAsSelector for a present selector: matchLabels become `=`,
  //! matchExpressions In/NotIn/Exists/DoesNotExist (case-sensitive) with the value rules of
  //! make(); an empty selector is everything. Errors name the field (`matchExpressions[1].
  //! operator`) and the value.
  static Result<Selector> from_label_selector(const LabelSelector& s);
  //! The same for an optional field: absent -> nothing() (Deployment, ReplicaSet and webhook
  //! selectors all read a null selector as "no objects").
  static Result<Selector> from_label_selector(const std::optional<LabelSelector>& s);

  //! Back to the struct (metav1.ParseToLabelSelector's mapping): = and == become matchLabels,
  //! in/notin/exists/! become matchExpressions. !=, gt and lt have no struct form and are
  //! refused, as is nothing() (whose struct form is an absent selector).
  Result<LabelSelector> to_label_selector() const;

  //! Whether a label set satisfies every requirement (nothing() matches none).
  bool matches(const StringMap& labels) const;
  //! True for everything(): no requirements.
  bool empty() const { return !nothing_ && reqs_.empty(); }
  //! True for nothing().
  bool is_nothing() const { return nothing_; }
  //! Canonical string form: requirements sorted by key, joined by ','. Both everything()
  //! and nothing() print as "" (as in Kubernetes); parse("") is everything().
  std::string to_string() const;
  //! The requirements, sorted by key (stable for equal keys).
  const std::vector<Requirement>& requirements() const { return reqs_; }
  //! Adds a requirement, keeping the order by key.
  void add(Requirement r);
  //! The value a requirement pins `key` to (`key=v`, `key==v`, `key in (v)`), if any.
  std::optional<std::string> required_value(std::string_view key) const;

  bool operator==(const Selector&) const = default;

 private:
  std::vector<Requirement> reqs_;
  bool nothing_ = false;
};

// ---- field selectors ------------------------------------------------------------------

//! One term of a field selector: `field=value`, `field==value` or `field!=value`.
struct FieldRequirement {
  std::string field;
  bool negated = false;  //!< `!=`
  std::string value;     //!< unescaped
  bool operator==(const FieldRequirement&) const = default;
};

//! A field selector (fields.ParseSelector): terms ANDed, sorted as Kubernetes sorts them.
class FieldSelector {
 public:
  //! `metadata.name=x,status.phase!=Running`; values may escape '\', ',' and '=' with '\'.
  //! The empty string selects everything. Errors name the term and what is accepted.
  static Result<FieldSelector> parse(std::string_view text);
  //! From terms built in code (no escaping involved); sorted as parse() sorts them.
  static FieldSelector from_terms(std::vector<FieldRequirement> terms);

  //! Whether the object's fields satisfy every term; a field absent from the map reads as "".
  bool matches(const StringMap& fields) const;
  //! Refuses a term on a field outside `supported`, as the API server does per resource:
  //! `field label not supported: spec.foo (supported: metadata.name, ...)`.
  Status check_fields(const std::vector<std::string_view>& supported) const;
  //! The value an `=` term pins `field` to (RequiresExactMatch), if any.
  std::optional<std::string> required_value(std::string_view field) const;
  //! Canonical string form, values escaped, `==` printed as `=`.
  std::string to_string() const;
  bool empty() const { return terms_.empty(); }
  const std::vector<FieldRequirement>& terms() const { return terms_; }
  bool operator==(const FieldSelector&) const = default;

 private:
  std::vector<FieldRequirement> terms_;
};

//! The fields the API server lets a field selector use, with their values, per kind.
//! Pod: metadata.name/namespace, spec.nodeName, spec.restartPolicy, spec.schedulerName,
//! spec.serviceAccountName, spec.hostNetwork, status.phase, status.podIP,
//! status.nominatedNodeName.
StringMap selectable_fields(const Pod& pod);
//! Node: metadata.name, spec.unschedulable.
StringMap selectable_fields(const Node& node);
//! Event: metadata.name/namespace, involvedObject.*, reason, reportingComponent, source, type.
StringMap selectable_fields(const Event& event);
//! Secret: metadata.name/namespace, type.
StringMap selectable_fields(const Secret& secret);
//! Every other kind: metadata.name and metadata.namespace.
StringMap selectable_fields(const ObjectMeta& meta);

}  // namespace kci::k8s
