// Properties of label selectors: the string form round-trips canonically, the struct form
// round-trips exactly, and both forms select the same label sets.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "core/k8s/selector.h"

namespace kci::k8s {
namespace {

// Small pools, so that random label sets often hit the keys and values a selector names.
const std::vector<std::string> kKeys = {"a", "b", "app.kubernetes.io/name", "k8s.ksyun.com/x-1",
                                        "Z_z.9", "in", "notin"};
const std::vector<std::string> kValues = {"", "x", "y", "1", "20", "a-b", "A.b_c-D"};

rc::Gen<std::string> gen_key() { return rc::gen::elementOf(kKeys); }
rc::Gen<std::string> gen_value() {
  // Mostly the pool; sometimes digits (so Gt/Lt labels compare) .
  return rc::gen::oneOf(rc::gen::elementOf(kValues),
                        rc::gen::map(rc::gen::inRange<std::int64_t>(0, 1000),
                                     [](std::int64_t n) { return std::to_string(n); }));
}
bool valid_value(const std::string& v) { return validate_label_value(v).ok(); }

rc::Gen<Requirement> gen_requirement() {
  return rc::gen::exec([] {
    const auto op = *rc::gen::element(SelectorOp::kEquals, SelectorOp::kDoubleEquals,
                                      SelectorOp::kNotEquals, SelectorOp::kIn, SelectorOp::kNotIn,
                                      SelectorOp::kExists, SelectorOp::kDoesNotExist,
                                      SelectorOp::kGreaterThan, SelectorOp::kLessThan);
    std::vector<std::string> values;
    switch (op) {
      case SelectorOp::kIn:
      case SelectorOp::kNotIn:
        values = *rc::gen::nonEmpty(rc::gen::container<std::vector<std::string>>(gen_value()));
        break;
      case SelectorOp::kExists:
      case SelectorOp::kDoesNotExist: break;
      case SelectorOp::kGreaterThan:
      case SelectorOp::kLessThan:
        values = {std::to_string(*rc::gen::inRange<std::int64_t>(0, 1000))};
        break;
      default: values = {*gen_value()};
    }
    values.erase(std::remove_if(values.begin(), values.end(), [](auto& v) { return !valid_value(v); }),
                 values.end());
    if (values.empty() && (op == SelectorOp::kIn || op == SelectorOp::kNotIn)) values = {"x"};
    if (values.empty() && op != SelectorOp::kExists && op != SelectorOp::kDoesNotExist)
      values = {"1"};
    auto r = Requirement::make(*gen_key(), op, values);
    RC_ASSERT(r.ok());
    return *r;
  });
}

rc::Gen<Selector> gen_selector() {
  return rc::gen::map(rc::gen::container<std::vector<Requirement>>(gen_requirement()),
                      [](std::vector<Requirement> reqs) {
                        Selector s;
                        for (auto& r : reqs) s.add(std::move(r));
                        return s;
                      });
}

rc::Gen<StringMap> gen_labels() {
  // Each pool key present or not: maps cannot grow past the pool, so no container gives up.
  return rc::gen::exec([] {
    StringMap m;
    for (const auto& k : kKeys)
      if (*rc::gen::arbitrary<bool>()) m[k] = *gen_value();
    return m;
  });
}

// A LabelSelector in canonical form: expressions sorted by key (stably), values sorted and
// unique; exactly what to_label_selector() produces.
rc::Gen<LabelSelector> gen_label_selector() {
  return rc::gen::exec([] {
    LabelSelector ls;
    for (const auto& k : kKeys)
      if (*rc::gen::inRange(0, 4) == 0) ls.matchLabels[k] = *rc::gen::elementOf(kValues);
    const auto n = *rc::gen::inRange(0, 5);
    for (int i = 0; i < n; ++i) {
      LabelSelectorRequirement e;
      e.key = *gen_key();
      e.operator_ = *rc::gen::element<std::string>("In", "NotIn", "Exists", "DoesNotExist");
      if (e.operator_ == "In" || e.operator_ == "NotIn") {
        e.values = *rc::gen::nonEmpty(
            rc::gen::container<std::vector<std::string>>(rc::gen::elementOf(kValues)));
        std::sort(e.values.begin(), e.values.end());
        e.values.erase(std::unique(e.values.begin(), e.values.end()), e.values.end());
      }
      ls.matchExpressions.push_back(std::move(e));
    }
    std::stable_sort(ls.matchExpressions.begin(), ls.matchExpressions.end(),
                     [](const auto& a, const auto& b) { return a.key < b.key; });
    return ls;
  });
}

// The struct's meaning written out directly, independent of Selector.
bool reference_matches(const LabelSelector& ls, const StringMap& labels) {
  for (const auto& [k, v] : ls.matchLabels) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  for (const auto& e : ls.matchExpressions) {
    auto it = labels.find(e.key);
    const bool has = it != labels.end();
    const bool in = has && std::find(e.values.begin(), e.values.end(), it->second) != e.values.end();
    if (e.operator_ == "In" && !in) return false;
    if (e.operator_ == "NotIn" && in) return false;
    if (e.operator_ == "Exists" && !has) return false;
    if (e.operator_ == "DoesNotExist" && has) return false;
  }
  return true;
}

RC_GTEST_PROP(SelectorProp, StringFormRoundTripsCanonically, ()) {
  const Selector s = *gen_selector();
  const std::string text = s.to_string();
  auto parsed = Selector::parse(text);
  RC_ASSERT(parsed.ok());
  RC_ASSERT(*parsed == s);
  RC_ASSERT(parsed->to_string() == text);
}

RC_GTEST_PROP(SelectorProp, WhitespaceBetweenTokensChangesNothing, ()) {
  const Selector s = *gen_selector();
  // Whitespace around every separator and around each run of operator characters (so
  // "!=" and "==" stay whole).
  const std::string text = s.to_string();
  auto is_op = [](char c) { return c == '!' || c == '=' || c == '<' || c == '>'; };
  auto ws = [] { return *rc::gen::element<std::string>(" ", "\t", "  ", "\n", "\r"); };
  std::string spaced = ws();
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool sep = c == ',' || c == '(' || c == ')';
    const bool run_start = is_op(c) && (i == 0 || !is_op(text[i - 1]));
    const bool run_end = is_op(c) && (i + 1 == text.size() || !is_op(text[i + 1]));
    if (sep || run_start) spaced += ws();
    spaced += c;
    if (sep || run_end) spaced += ws();
  }
  auto parsed = Selector::parse(spaced);
  RC_ASSERT(parsed.ok());
  RC_ASSERT(parsed->to_string() == s.to_string());
}

RC_GTEST_PROP(SelectorProp, StructRoundTripsExactly, ()) {
  const LabelSelector ls = *gen_label_selector();
  auto s = Selector::from_label_selector(ls);
  RC_ASSERT(s.ok());
  auto back = s->to_label_selector();
  RC_ASSERT(back.ok());
  RC_ASSERT(*back == ls);
}

RC_GTEST_PROP(SelectorProp, StructAndStringFormsSelectTheSameLabels, ()) {
  const LabelSelector ls = *gen_label_selector();
  auto s = Selector::from_label_selector(ls);
  RC_ASSERT(s.ok());
  auto reparsed = Selector::parse(s->to_string());
  RC_ASSERT(reparsed.ok());
  const auto labels =
      *rc::gen::container<std::vector<StringMap>>(*rc::gen::inRange(1, 20), gen_labels());
  for (const auto& l : labels) {
    const bool want = reference_matches(ls, l);
    RC_ASSERT(s->matches(l) == want);
    RC_ASSERT(reparsed->matches(l) == want);
  }
}

RC_GTEST_PROP(SelectorProp, ParseNeverCrashesAndOkImpliesStable, (const std::string& text)) {
  auto s = Selector::parse(text);
  if (!s.ok()) {
    RC_ASSERT(!s.error().message.empty());
    return;
  }
  auto again = Selector::parse(s->to_string());
  RC_ASSERT(again.ok());
  RC_ASSERT(*again == *s);
}

RC_GTEST_PROP(SelectorProp, FieldSelectorRoundTrips, ()) {
  const auto n = *rc::gen::inRange(0, 4);
  std::vector<FieldRequirement> terms;
  for (int i = 0; i < n; ++i) {
    terms.push_back(FieldRequirement{
        *rc::gen::element<std::string>("metadata.name", "spec.nodeName", "status.phase"),
        *rc::gen::arbitrary<bool>(),
        *rc::gen::container<std::string>(rc::gen::element('a', ',', '=', '\\', '!', 'z', ' '))});
  }
  const FieldSelector f = FieldSelector::from_terms(terms);
  auto parsed = FieldSelector::parse(f.to_string());
  RC_ASSERT(parsed.ok());
  RC_ASSERT(*parsed == f);
}

}  // namespace
}  // namespace kci::k8s
