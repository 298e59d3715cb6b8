// Properties of the profile engine: it only adds, it is reinvocation-safe, and the store's
// order of Selector objects never changes the result.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "core/profile/engine.h"

namespace kci::profile {
namespace {

// Small pools so that selectors, triggers and the pod's own keys collide often.
const std::vector<std::string> kKeys = {"app", "tier", "k8s.ksyun.com/kci", "eci", "alibabacloud.com/eci",
                                        "virtual-kubelet.io/burst-to-cci", "type", "team/x~y"};
const std::vector<std::string> kValues = {"true", "web", "auto", "enforce", "off", "a", "virtual-kubelet"};

//! A container of lo..hi-1 elements (gen::container takes a fixed count).
template <class C, class... G>
rc::Gen<C> between(int lo, int hi, G... gens) {
  return rc::gen::mapcat(rc::gen::inRange(lo, hi), [=](int n) { return rc::gen::container<C>(static_cast<std::size_t>(n), gens...); });
}

rc::Gen<std::string> key() { return rc::gen::elementOf(kKeys); }
rc::Gen<std::string> value() { return rc::gen::elementOf(kValues); }
rc::Gen<StringMap> string_map() {
  return between<StringMap>(0, 4, key(), value());
}

Json toleration_json(int i) {
  switch (i % 4) {
    case 0: return {{"key", "virtual-kubelet.io/provider"}, {"operator", "Exists"}};
    case 1: return {{"key", "CriticalAddonsOnly"}, {"operator", "Exists"}};
    case 2: return {{"key", "node.kubernetes.io/not-ready"}, {"operator", "Exists"}, {"effect", "NoExecute"}, {"tolerationSeconds", 300}};
    default: return {{"key", "dedicated"}, {"operator", "Equal"}, {"value", "gpu"}, {"effect", "NoSchedule"}};
  }
}

//! What a generated pod is made of (rapidcheck shows these; it cannot show a Json).
struct PodInputs {
  StringMap labels, annotations, node_selector;
  std::vector<int> tols;
  int affinity_kind = 0;
  std::string burst;
};

void showValue(const PodInputs& in, std::ostream& os);

Json build_pod(PodInputs in) {
  auto& [labels, annotations, node_selector, tols, affinity_kind, burst] = in;
  Json p = {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata", {{"name", "p"}, {"namespace", "apps"}}},
            {"spec", {{"containers", Json::array({{{"name", "c"}, {"image", "nginx"}}})}}}};
  if (!labels.empty()) p["metadata"]["labels"] = labels;
  if (!burst.empty()) annotations["alibabacloud.com/burst-resource"] = burst;
  if (!annotations.empty()) p["metadata"]["annotations"] = annotations;
  if (!node_selector.empty()) p["spec"]["nodeSelector"] = node_selector;
  if (!tols.empty()) {
    p["spec"]["tolerations"] = Json::array();
    for (int t : tols) p["spec"]["tolerations"].push_back(toleration_json(t));
  }
  const Json zone = {{"key", "zone"}, {"operator", "In"}, {"values", {"a"}}};
  if (affinity_kind == 1) p["spec"]["affinity"] = {{"podAffinity", Json::object()}};
  if (affinity_kind == 2)
    p["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = {
        {"nodeSelectorTerms", Json::array({{{"matchExpressions", Json::array({zone})}}, Json::object()})}};
  if (affinity_kind == 3)
    p["spec"]["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"] =
        Json::array({{{"weight", 5}, {"preference", {{"matchExpressions", Json::array({zone})}}}}});
  return p;
}

rc::Gen<PodInputs> pod_gen() {
  return rc::gen::apply(
      [](StringMap labels, StringMap annotations, StringMap node_selector, std::vector<int> tols, int affinity_kind,
         std::string burst) {
        return PodInputs{std::move(labels), std::move(annotations), std::move(node_selector), std::move(tols),
                         affinity_kind, std::move(burst)};
      },
      string_map(), string_map(), string_map(), between<std::vector<int>>(0, 3, rc::gen::inRange(0, 4)),
      rc::gen::inRange(0, 4), rc::gen::elementOf(std::vector<std::string>{"", "eci", "eci_only", "bogus"}));
}

rc::Gen<ProfileSelector> selector_gen() {
  return rc::gen::apply(
      [](int name, int priority, StringMap obj, StringMap ns, int policy, StringMap eff_labels, StringMap eff_ann, bool eci) {
        ProfileSelector s;
        s.name = "s" + std::to_string(name);
        s.priority = priority;
        s.origin = eci ? SelectorOrigin::kEci : SelectorOrigin::kKci;
        // A key the label grammar refuses ("team/x~y") selects everything instead.
        auto compile = [](const StringMap& m) { return k8s::Selector::from_set(m).value_or(k8s::Selector::everything()); };
        if (!obj.empty() || ns.empty()) s.object_selector = compile(obj);
        if (!ns.empty()) s.namespace_selector = compile(ns);
        if (policy < 4) s.policy = static_cast<Policy>(policy);
        s.effect.labels = std::move(eff_labels);
        s.effect.annotations = std::move(eff_ann);
        return s;
      },
      rc::gen::inRange(0, 6), rc::gen::inRange(0, 3), between<StringMap>(0, 2, key(), value()),
      between<StringMap>(0, 2, key(), value()), rc::gen::inRange(0, 5), string_map(),
      string_map(), rc::gen::arbitrary<bool>());
}

void showValue(const PodInputs& in, std::ostream& os) { os << build_pod(in).dump(); }

PodContext context(StringMap ns_labels) { return {.namespace_ = "apps", .namespace_labels = std::move(ns_labels)}; }

ProfileSet set_of(const std::vector<ProfileSelector>& selectors) {
  ProfileSet set;
  for (const auto& s : selectors) set.put(s);
  return set;
}

bool contains(const Json& list, const Json& item) {
  return list.is_array() && std::find(list.begin(), list.end(), item) != list.end();
}

RC_GTEST_PROP(ProfileProp, KeepsEveryOriginalEntry, ()) {
  const Json pod = build_pod(*pod_gen());
  const auto selectors = *between<std::vector<ProfileSelector>>(0, 6, selector_gen());
  const StringMap ns = *string_map();
  auto m = mutate_pod(pod, context(ns), set_of(selectors));
  RC_ASSERT(m.ok());
  const Json applied = pod.patch(m->patch);
  RC_ASSERT(applied == m->patched);
  for (const char* field : {"labels", "annotations"}) {
    const Json original = pod["metadata"].value(field, Json::object());
    for (const auto& [k, v] : original.items()) RC_ASSERT(applied["metadata"][field][k] == v);
  }
  const Json node_selector = pod["spec"].value("nodeSelector", Json::object());
  for (const auto& [k, v] : node_selector.items()) RC_ASSERT(applied["spec"]["nodeSelector"][k] == v);
  const Json tolerations = pod["spec"].value("tolerations", Json::array());
  for (const auto& t : tolerations) RC_ASSERT(contains(applied["spec"]["tolerations"], t));
  // Only `add` operations: nothing is removed or replaced.
  for (const auto& op : m->patch) RC_ASSERT(op["op"] == "add");
}

RC_GTEST_PROP(ProfileProp, SecondPassAddsNothing, ()) {
  const Json pod = build_pod(*pod_gen());
  const auto selectors = *between<std::vector<ProfileSelector>>(0, 6, selector_gen());
  const StringMap ns = *string_map();
  const ProfileSet set = set_of(selectors);
  auto first = mutate_pod(pod, context(ns), set);
  RC_ASSERT(first.ok());
  auto second = mutate_pod(first->patched, context(ns), set);
  RC_ASSERT(second.ok());
  if (!second->patch.empty()) RC_FAIL(pod.dump() + " -> second patch " + second->patch.dump());
}

RC_GTEST_PROP(ProfileProp, SelectorCreationOrderDoesNotMatter, ()) {
  const Json pod = build_pod(*pod_gen());
  auto selectors = *between<std::vector<ProfileSelector>>(1, 8, selector_gen());
  const StringMap ns = *string_map();
  // Later objects with the same identity replace earlier ones, as in a store; keep one of each.
  std::vector<ProfileSelector> unique;
  for (auto& s : selectors) {
    if (std::none_of(unique.begin(), unique.end(), [&](const auto& u) { return u.name == s.name && u.origin == s.origin; }))
      unique.push_back(s);
  }
  auto shuffled = unique;
  const auto order = *rc::gen::unique<std::vector<std::size_t>>(unique.size(), rc::gen::inRange<std::size_t>(0, unique.size()));
  for (std::size_t i = 0; i < order.size(); ++i) shuffled[i] = unique[order[i]];
  auto a = mutate_pod(pod, context(ns), set_of(unique));
  auto b = mutate_pod(pod, context(ns), set_of(shuffled));
  RC_ASSERT(a.ok() && b.ok());
  RC_ASSERT(a->patch == b->patch);
  RC_ASSERT(a->decision.decided_by == b->decision.decided_by);
}

}  // namespace
}  // namespace kci::profile
