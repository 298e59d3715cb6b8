// Taints, tolerations and node affinity, against the examples of the Kubernetes
// documentation ("Taints and Tolerations", "Assigning Pods to Nodes").
#include "core/k8s/scheduling.h"

#include <gtest/gtest.h>

#include "core/k8s/yaml.h"

namespace kci::k8s {
namespace {

Taint taint(std::string key, std::string value, std::string effect) {
  Taint t;
  t.key = std::move(key);
  t.value = std::move(value);
  t.effect = std::move(effect);
  return t;
}
Toleration toleration(std::string key, std::string op, std::string value, std::string effect) {
  Toleration t;
  t.key = std::move(key);
  t.operator_ = std::move(op);
  t.value = std::move(value);
  t.effect = std::move(effect);
  return t;
}

template <class T>
T from_yaml(const char* text) {
  auto j = yaml_document(text);
  EXPECT_TRUE(j.ok()) << (j.ok() ? "" : j.error().message);
  auto v = decode<T>(j.ok() ? *j : Json::object());
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message);
  return v.ok() ? *v : T{};
}

TEST(Tolerations, DocumentedMatchingRules) {
  const Taint t = taint("key1", "value1", "NoSchedule");
  EXPECT_TRUE(tolerates(toleration("key1", "Equal", "value1", "NoSchedule"), t));
  EXPECT_TRUE(tolerates(toleration("key1", "Exists", "", "NoSchedule"), t));
  EXPECT_TRUE(tolerates(toleration("key1", "", "value1", "NoSchedule"), t));  // empty is Equal
  EXPECT_FALSE(tolerates(toleration("key1", "Equal", "value2", "NoSchedule"), t));
  EXPECT_FALSE(tolerates(toleration("key2", "Exists", "", "NoSchedule"), t));
  EXPECT_FALSE(tolerates(toleration("key1", "Equal", "value1", "NoExecute"), t));
  // An empty effect matches every effect with that key.
  EXPECT_TRUE(tolerates(toleration("key1", "Exists", "", ""), t));
  EXPECT_TRUE(tolerates(toleration("key1", "Equal", "value1", ""), t));
  // An empty key with Exists tolerates everything.
  EXPECT_TRUE(tolerates(toleration("", "Exists", "", ""), t));
  EXPECT_TRUE(tolerates(toleration("", "Exists", "", ""), taint("x", "", "NoExecute")));
  // An unknown operator tolerates nothing.
  EXPECT_FALSE(tolerates(toleration("key1", "Lt", "value1", "NoSchedule"), t));
  // A taint without a value is matched by Equal with an empty value.
  EXPECT_TRUE(tolerates(toleration("k", "Equal", "", "NoSchedule"), taint("k", "", "NoSchedule")));
}

TEST(Tolerations, DocumentedThreeTaintExample) {
  // Node: key1=value1:NoSchedule, key1=value1:NoExecute, key2=value2:NoSchedule.
  const std::vector<Taint> taints = {taint("key1", "value1", "NoSchedule"),
                                     taint("key1", "value1", "NoExecute"),
                                     taint("key2", "value2", "NoSchedule")};
  const std::vector<Toleration> tols = {toleration("key1", "Equal", "value1", "NoSchedule"),
                                        toleration("key1", "Equal", "value1", "NoExecute")};
  auto left = find_untolerated_taint(taints, tols, {kEffectNoSchedule, kEffectNoExecute});
  ASSERT_TRUE(left.has_value());
  EXPECT_EQ(left->key, "key2");
  EXPECT_FALSE(tolerates_all(tols, taints, {kEffectNoSchedule, kEffectNoExecute}));
  // Only NoExecute: all tolerated (the pod keeps running on the node).
  EXPECT_TRUE(tolerates_all(tols, taints, {kEffectNoExecute}));
}

TEST(Tolerations, FilterAndScoreAsTheTaintTolerationPlugin) {
  Node node;
  node.spec.taints = {taint("virtual-kubelet.io/provider", "kingsoftcloud", "NoSchedule"),
                      taint("soft", "", "PreferNoSchedule")};
  Pod pod;
  auto st = taint_toleration_filter(pod, node);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message,
            "node(s) had untolerated taint {virtual-kubelet.io/provider: kingsoftcloud}");
  pod.spec.tolerations = {toleration("virtual-kubelet.io/provider", "Exists", "", "")};
  EXPECT_TRUE(taint_toleration_filter(pod, node).ok());  // PreferNoSchedule never filters

  EXPECT_EQ(count_intolerable_prefer_no_schedule(node.spec.taints, pod.spec.tolerations), 1);
  // Only tolerations with an empty or PreferNoSchedule effect count for scoring.
  EXPECT_EQ(count_intolerable_prefer_no_schedule(node.spec.taints,
                                                 {toleration("soft", "Exists", "", "NoSchedule")}),
            1);
  EXPECT_EQ(count_intolerable_prefer_no_schedule(
                node.spec.taints, {toleration("soft", "Exists", "", "PreferNoSchedule")}),
            0);

  std::vector<std::int64_t> scores{0, 1, 2};
  normalize_scores(scores, /*reverse=*/true);
  EXPECT_EQ(scores, (std::vector<std::int64_t>{100, 50, 0}));
  std::vector<std::int64_t> none{0, 0};
  normalize_scores(none, true);
  EXPECT_EQ(none, (std::vector<std::int64_t>{100, 100}));
  std::vector<std::int64_t> weights{1, 51, 0};
  normalize_scores(weights, false);
  EXPECT_EQ(weights, (std::vector<std::int64_t>{1, 100, 0}));
}

TEST(Tolerations, ValidationNamesTheField) {
  EXPECT_TRUE(validate_tolerations({toleration("", "Exists", "", ""),
                                    toleration("a", "Equal", "b", "NoExecute")},
                                   "spec.tolerations")
                  .ok());
  auto st = validate_tolerations({toleration("a", "Equal", "b", ""), toleration("a", "Foo", "", "")},
                                 "spec.tolerations");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message,
            "spec.tolerations[1].operator: \"Foo\" is not a valid toleration operator (accepted: "
            "Equal, Exists)");
  EXPECT_FALSE(validate_tolerations({toleration("", "Equal", "", "")}, "t").ok());
  EXPECT_FALSE(validate_tolerations({toleration("a", "Exists", "v", "")}, "t").ok());
  EXPECT_FALSE(validate_tolerations({toleration("a", "Exists", "", "Sometimes")}, "t").ok());
  Toleration secs = toleration("a", "Exists", "", "NoSchedule");
  secs.tolerationSeconds = 30;
  EXPECT_FALSE(validate_tolerations({secs}, "t").ok());
  secs.effect = "NoExecute";
  EXPECT_TRUE(validate_tolerations({secs}, "t").ok());
}

// ---- node affinity ---------------------------------------------------------------------------

const char* kDocumentedAffinityPod = R"(
apiVersion: v1
kind: Pod
metadata:
  name: with-node-affinity
spec:
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - key: topology.kubernetes.io/zone
            operator: In
            values:
            - antarctica-east1
            - antarctica-west1
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 1
        preference:
          matchExpressions:
          - key: another-node-label-key
            operator: In
            values:
            - another-node-label-value
  containers:
  - name: with-node-affinity
    image: registry.k8s.io/pause:2.0
)";

Node node_with(StringMap labels, std::string name = "n1") {
  Node n;
  n.metadata.name = std::move(name);
  n.metadata.labels = std::move(labels);
  return n;
}

TEST(NodeAffinity, DocumentedRequiredAndPreferredExample) {
  const Pod pod = from_yaml<Pod>(kDocumentedAffinityPod);
  const Node east = node_with({{"topology.kubernetes.io/zone", "antarctica-east1"}});
  const Node north = node_with({{"topology.kubernetes.io/zone", "antarctica-north1"}});
  const Node east_preferred = node_with({{"topology.kubernetes.io/zone", "antarctica-east1"},
                                         {"another-node-label-key", "another-node-label-value"}});
  EXPECT_EQ(required_node_affinity_matches(pod, east).value_or(false), true);
  EXPECT_EQ(required_node_affinity_matches(pod, north).value_or(true), false);
  EXPECT_EQ(preferred_node_affinity_score(pod, east).value_or(-1), 0);
  EXPECT_EQ(preferred_node_affinity_score(pod, east_preferred).value_or(-1), 1);
  EXPECT_TRUE(validate_node_affinity(*pod.spec.affinity->nodeAffinity, "spec.affinity.nodeAffinity").ok());
}

TEST(NodeAffinity, DocumentedWeightsExample) {
  const Pod pod = from_yaml<Pod>(R"(
spec:
  affinity:
    nodeAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 1
        preference:
          matchExpressions:
          - {key: label-1, operator: In, values: [key-1]}
      - weight: 50
        preference:
          matchExpressions:
          - {key: label-2, operator: In, values: [key-2]}
)");
  EXPECT_EQ(preferred_node_affinity_score(pod, node_with({{"label-1", "key-1"}})).value_or(-1), 1);
  EXPECT_EQ(preferred_node_affinity_score(pod, node_with({{"label-2", "key-2"}})).value_or(-1), 50);
  EXPECT_EQ(preferred_node_affinity_score(pod, node_with({{"label-1", "key-1"}, {"label-2", "key-2"}}))
                .value_or(-1),
            51);
}

TEST(NodeAffinity, TermsAreOredAndRequirementsAnded) {
  NodeSelector sel;
  sel.nodeSelectorTerms = {
      NodeSelectorTerm{{{"a", "In", {"1"}, {}}, {"b", "Exists", {}, {}}}, {}, {}},
      NodeSelectorTerm{{{"c", "Gt", {"10"}, {}}}, {}, {}},
  };
  auto m = [&](StringMap labels) { return node_selector_matches(sel, node_with(labels), "x").value_or(false); };
  EXPECT_TRUE(m({{"a", "1"}, {"b", ""}}));
  EXPECT_FALSE(m({{"a", "1"}}));            // ANDed
  EXPECT_TRUE(m({{"c", "11"}}));            // ORed
  EXPECT_FALSE(m({{"c", "10"}}));
  EXPECT_FALSE(m({{"c", "eleven"}}));       // a non-integer label never compares
  EXPECT_FALSE(m({}));
}

TEST(NodeAffinity, EveryOperatorAndMatchFields) {
  auto term_matches = [](NodeSelectorRequirement r, const Node& n) {
    NodeSelector sel;
    sel.nodeSelectorTerms = {NodeSelectorTerm{{std::move(r)}, {}, {}}};
    return node_selector_matches(sel, n, "x").value_or(false);
  };
  const Node n = node_with({{"zone", "a"}, {"gpu", "4"}}, "vk-1");
  EXPECT_TRUE(term_matches({"zone", "In", {"a", "b"}, {}}, n));
  EXPECT_FALSE(term_matches({"zone", "NotIn", {"a"}, {}}, n));
  EXPECT_TRUE(term_matches({"missing", "NotIn", {"a"}, {}}, n));
  EXPECT_TRUE(term_matches({"gpu", "Exists", {}, {}}, n));
  EXPECT_TRUE(term_matches({"missing", "DoesNotExist", {}, {}}, n));
  EXPECT_TRUE(term_matches({"gpu", "Gt", {"3"}, {}}, n));
  EXPECT_TRUE(term_matches({"gpu", "Lt", {"5"}, {}}, n));
  EXPECT_FALSE(term_matches({"gpu", "Lt", {"4"}, {}}, n));

  NodeSelector by_name;
  by_name.nodeSelectorTerms = {NodeSelectorTerm{{}, {{"metadata.name", "In", {"vk-1"}, {}}}, {}}};
  EXPECT_TRUE(node_selector_matches(by_name, n, "x").value_or(false));
  EXPECT_FALSE(node_selector_matches(by_name, node_with({}, "vk-2"), "x").value_or(true));
  by_name.nodeSelectorTerms[0].matchFields[0].operator_ = "NotIn";
  EXPECT_FALSE(node_selector_matches(by_name, n, "x").value_or(true));
  // Labels and fields in one term are ANDed.
  NodeSelector both;
  both.nodeSelectorTerms = {
      NodeSelectorTerm{{{"zone", "In", {"b"}, {}}}, {{"metadata.name", "In", {"vk-1"}, {}}}, {}}};
  EXPECT_FALSE(node_selector_matches(both, n, "x").value_or(true));
}

TEST(NodeAffinity, EmptyTermsSelectNothing) {
  NodeSelector sel;
  sel.nodeSelectorTerms = {NodeSelectorTerm{}};
  EXPECT_EQ(node_selector_matches(sel, node_with({{"a", "b"}}), "x").value_or(true), false);
  NodeSelector none;
  EXPECT_EQ(node_selector_matches(none, node_with({}), "x").value_or(true), false);
  auto st = validate_node_selector(none, "spec.x");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "spec.x.nodeSelectorTerms: must have at least one node selector term");
}

TEST(NodeAffinity, BadTermsAreErrorsNamingTheFieldPath) {
  Pod pod = from_yaml<Pod>(R"(
spec:
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - {key: zone, operator: In, values: [a]}
          - {key: gpu, operator: Foo, values: ["1"]}
)");
  auto r = required_node_affinity_matches(pod, node_with({{"zone", "a"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
            "nodeSelectorTerms[0].matchExpressions[1].operator: \"Foo\" is not a valid operator "
            "(accepted: In, NotIn, Exists, DoesNotExist, Gt, Lt)");
  auto v = validate_node_affinity(*pod.spec.affinity->nodeAffinity, "spec.affinity.nodeAffinity");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().message, r.error().message);

  // A bad term is skipped when another term matches (LazyErrorNodeSelector).
  auto& terms = pod.spec.affinity->nodeAffinity->requiredDuringSchedulingIgnoredDuringExecution
                    ->nodeSelectorTerms;
  terms.push_back(NodeSelectorTerm{{{"zone", "In", {"a"}, {}}}, {}, {}});
  auto ok = required_node_affinity_matches(pod, node_with({{"zone", "a"}}));
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(*ok);

  auto compile = [](NodeSelectorTerm t) { return compile_node_selector_term(t, "t"); };
  auto gt = compile(NodeSelectorTerm{{{"gpu", "Gt", {"many"}, {}}}, {}, {}});
  ASSERT_FALSE(gt.ok());
  EXPECT_EQ(gt.error().message,
            "t.matchExpressions[0].values[0]: \"many\" is not an integer (accepted for Gt and "
            "Lt: a 64-bit decimal integer)");
  EXPECT_FALSE(compile(NodeSelectorTerm{{{"gpu", "Gt", {"1", "2"}, {}}}, {}, {}}).ok());
  EXPECT_FALSE(compile(NodeSelectorTerm{{{"gpu", "In", {}, {}}}, {}, {}}).ok());
  EXPECT_FALSE(compile(NodeSelectorTerm{{{"gpu", "Exists", {"1"}, {}}}, {}, {}}).ok());
  EXPECT_FALSE(compile(NodeSelectorTerm{{{"bad key", "Exists", {}, {}}}, {}, {}}).ok());
  auto field = compile(NodeSelectorTerm{{}, {{"metadata.labels", "In", {"a"}, {}}}, {}});
  ASSERT_FALSE(field.ok());
  EXPECT_NE(field.error().message.find("t.matchFields[0].key"), std::string::npos);
  EXPECT_FALSE(compile(NodeSelectorTerm{{}, {{"metadata.name", "Exists", {}, {}}}, {}}).ok());
  EXPECT_FALSE(compile(NodeSelectorTerm{{}, {{"metadata.name", "In", {"a", "b"}, {}}}, {}}).ok());
}

TEST(NodeAffinity, PodNodeSelectorAndRequiredAffinityMustBothMatch) {
  Pod pod = from_yaml<Pod>(kDocumentedAffinityPod);
  pod.spec.nodeSelector = {{"type", "virtual-kubelet"}};
  const Node vk = node_with({{"type", "virtual-kubelet"}, {"topology.kubernetes.io/zone", "antarctica-east1"}});
  const Node plain = node_with({{"topology.kubernetes.io/zone", "antarctica-east1"}});
  EXPECT_TRUE(required_node_affinity_matches(pod, vk).value_or(false));
  EXPECT_FALSE(required_node_affinity_matches(pod, plain).value_or(true));
  pod.spec.affinity.reset();
  EXPECT_TRUE(required_node_affinity_matches(pod, vk).value_or(false));
  pod.spec.nodeSelector.clear();
  EXPECT_TRUE(required_node_affinity_matches(pod, plain).value_or(false));
}

TEST(NodeAffinity, PreferredErrorsAndWeights) {
  Pod pod = from_yaml<Pod>(R"(
spec:
  affinity:
    nodeAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 0
        preference:
          matchExpressions: [{key: a, operator: Exists}]
      - weight: 5
        preference: {}
      - weight: 7
        preference:
          matchExpressions: [{key: a, operator: Lt, values: [x]}]
)");
  auto s = preferred_node_affinity_score(pod, node_with({{"a", "1"}}));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("preferredDuringSchedulingIgnoredDuringExecution[2].preference."
                                   "matchExpressions[0].values[0]"),
            std::string::npos)
      << s.error().message;
  auto v = validate_node_affinity(*pod.spec.affinity->nodeAffinity, "spec.affinity.nodeAffinity");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().message,
            "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: 0 "
            "must be in the range 1-100");
  auto& terms = pod.spec.affinity->nodeAffinity->preferredDuringSchedulingIgnoredDuringExecution;
  terms.pop_back();
  EXPECT_EQ(preferred_node_affinity_score(pod, node_with({{"a", "1"}})).value_or(-1), 0);
}

}  // namespace
}  // namespace kci::k8s
