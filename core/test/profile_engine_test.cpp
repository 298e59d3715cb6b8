// The profile engine: every trigger of seeds 001-004, every policy, the merge rules.
#include <gtest/gtest.h>

#include "core/profile/engine.h"

namespace kci::profile {
namespace {

Json pod(Json labels = Json::object(), Json annotations = Json::object(), Json spec_extra = Json::object()) {
  Json p = {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata", {{"name", "web-1"}, {"namespace", "apps"}}},
            {"spec", {{"containers", Json::array({{{"name", "c"}, {"image", "nginx"}}})}}}};
  if (!labels.empty()) p["metadata"]["labels"] = labels;
  if (!annotations.empty()) p["metadata"]["annotations"] = annotations;
  for (auto& [k, v] : spec_extra.items()) p["spec"][k] = v;
  return p;
}

PodContext ctx(Json ns_labels = Json::object()) {
  PodContext c;
  c.namespace_ = "apps";
  for (auto& [k, v] : ns_labels.items()) c.namespace_labels[k] = v.get<std::string>();
  return c;
}

Mutation run(const Json& p, const PodContext& c = ctx(), const ProfileSet& set = {}) {
  auto m = mutate_pod(p, c, set);
  EXPECT_TRUE(m.ok()) << m.error().message;
  // The patch applied by an RFC 6902 implementation gives the engine's own document.
  EXPECT_EQ(p.patch(m->patch), m->patched) << m->patch.dump();
  return std::move(*m);
}

const Json kToleration = {{"key", "virtual-kubelet.io/provider"}, {"operator", "Equal"},
                          {"value", "kingsoftcloud"}, {"effect", "NoSchedule"}};
const Json kNotVirtual = {{"key", "type"}, {"operator", "NotIn"}, {"values", {"virtual-kubelet"}}};

bool tolerates(const Json& p) {
  for (const auto& t : p["spec"].value("tolerations", Json::array()))
    if (t == kToleration) return true;
  return false;
}
bool selects_virtual(const Json& p) { return p["spec"].value("nodeSelector", Json::object()).value("type", "") == "virtual-kubelet"; }
bool requires_normal(const Json& p) {
  const Json* r = &p["spec"];
  for (const char* k : {"affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"}) {
    if (!r->contains(k)) return false;
    r = &(*r)[k];
  }
  for (const auto& t : (*r)["nodeSelectorTerms"]) {
    bool found = false;
    for (const auto& e : t.value("matchExpressions", Json::array())) found |= e == kNotVirtual;
    if (!found) return false;
  }
  return true;
}
bool prefers_normal(const Json& p) {
  auto aff = p["spec"].value("affinity", Json::object()).value("nodeAffinity", Json::object());
  for (const auto& t : aff.value("preferredDuringSchedulingIgnoredDuringExecution", Json::array()))
    if (t["weight"] == kPreferNormalNodeWeight && t["preference"]["matchExpressions"][0] == kNotVirtual) return true;
  return false;
}

void expect_virtual_only(const Mutation& m) {
  EXPECT_EQ(m.decision.policy, Policy::kVirtualNodeOnly) << m.decision.decided_by;
  EXPECT_TRUE(tolerates(m.patched));
  EXPECT_TRUE(selects_virtual(m.patched));
  EXPECT_FALSE(requires_normal(m.patched));
}
void expect_prefer_normal(const Mutation& m) {
  EXPECT_EQ(m.decision.policy, Policy::kNormalNodePrefer) << m.decision.decided_by;
  EXPECT_TRUE(tolerates(m.patched));
  EXPECT_FALSE(selects_virtual(m.patched));
  EXPECT_TRUE(prefers_normal(m.patched));
}
void expect_normal_only(const Mutation& m) {
  EXPECT_EQ(m.decision.policy, Policy::kNormalNodeOnly) << m.decision.decided_by;
  EXPECT_FALSE(tolerates(m.patched));
  EXPECT_TRUE(requires_normal(m.patched));
}

// ---- triggers without selectors ---------------------------------------------------------

TEST(ProfileTrigger, NoTriggerNoChange) {
  auto m = run(pod({{"app", "web"}}));
  EXPECT_FALSE(m.decision.policy);
  EXPECT_TRUE(m.patch.empty());
}

TEST(ProfileTrigger, KciPodLabel) {
  auto m = run(pod({{"k8s.ksyun.com/kci", "true"}}));
  expect_virtual_only(m);
  // JSON-pointer escaping is exercised by a nodeSelector key without '/', and by labels below.
  EXPECT_EQ(m.patch.size(), 2u) << m.patch.dump();
}

TEST(ProfileTrigger, KciNamespaceLabel) { expect_virtual_only(run(pod(), ctx({{"k8s.ksyun.com/kci", "true"}}))); }

// Seed 003 方式一: "为Pod添加 alibabacloud.com/eci=true 的Label"; "仍支持添加 eci=true 的Label".
TEST(ProfileTrigger, EciPodLabels) {
  expect_virtual_only(run(pod({{"alibabacloud.com/eci", "true"}})));
  expect_virtual_only(run(pod({{"eci", "true"}})));
}

// Seed 003 方式二: namespace alibabacloud.com/eci=true; "仍支持添加 virtual-node-affinity-injection=enabled".
TEST(ProfileTrigger, EciNamespaceLabels) {
  expect_virtual_only(run(pod(), ctx({{"alibabacloud.com/eci", "true"}})));
  expect_virtual_only(run(pod(), ctx({{"eci", "true"}})));
  expect_virtual_only(run(pod(), ctx({{"virtual-node-affinity-injection", "enabled"}})));
  EXPECT_FALSE(run(pod(), ctx({{"virtual-node-affinity-injection", "disabled"}})).decision.policy);
}

// Seed 003 方式三: "eci: 当集群普通节点的资源不足时, 使用ECI" / "eci_only: 只使用ECI".
TEST(ProfileTrigger, BurstResourceAnnotation) {
  expect_prefer_normal(run(pod({}, {{"alibabacloud.com/burst-resource", "eci"}})));
  expect_virtual_only(run(pod({}, {{"alibabacloud.com/burst-resource", "eci_only"}})));
  auto bad = run(pod({}, {{"alibabacloud.com/burst-resource", "ecs"}}));
  EXPECT_FALSE(bad.decision.policy);
  ASSERT_EQ(bad.warnings.size(), 1u);
  EXPECT_NE(bad.warnings[0].find("accepted: eci, eci_only"), std::string::npos);
}

// Seed 002: "auto:根据用户集群内调度器实际打分结果自动决定是否弹性至CCI ... enforce:强制调度至CCI。off:不调度至CCI。"
TEST(ProfileTrigger, BurstToCciLabel) {
  expect_prefer_normal(run(pod({{"virtual-kubelet.io/burst-to-cci", "auto"}})));
  expect_virtual_only(run(pod({{"virtual-kubelet.io/burst-to-cci", "enforce"}})));
  expect_normal_only(run(pod({{"virtual-kubelet.io/burst-to-cci", "off"}})));
}

// Seed 002 puts the label on the Deployment ("在工作负载中添加").
TEST(ProfileTrigger, BurstToCciOnTheWorkload) {
  PodContext c = ctx();
  c.workload_labels["virtual-kubelet.io/burst-to-cci"] = "enforce";
  expect_virtual_only(run(pod(), c));
}

TEST(ProfileTrigger, PodKeysBeatNamespaceAndConflictsWarn) {
  auto m = run(pod({{"k8s.ksyun.com/kci", "true"}, {"virtual-kubelet.io/burst-to-cci", "off"}}),
               ctx({{"alibabacloud.com/eci", "true"}}));
  expect_virtual_only(m);
  ASSERT_EQ(m.warnings.size(), 1u);
  EXPECT_NE(m.warnings[0].find("burst-to-cci=off"), std::string::npos) << m.warnings[0];
  expect_normal_only(run(pod({{"virtual-kubelet.io/burst-to-cci", "off"}}), ctx({{"k8s.ksyun.com/kci", "true"}})));
}

TEST(ProfileTrigger, ExcludedNamespaceAndOptOut) {
  PodContext c = ctx({{"k8s.ksyun.com/kci", "true"}});
  c.namespace_ = "kube-system";
  auto m = run(pod({{"k8s.ksyun.com/kci", "true"}}), c);
  EXPECT_TRUE(m.patch.empty());
  EXPECT_FALSE(m.decision.skipped.empty());
  auto opt_out = run(pod({{"k8s.ksyun.com/kci", "true"}, {"k8s.ksyun.com/kci-profile", "disabled"}}));
  EXPECT_TRUE(opt_out.patch.empty());
}

// ---- policies on pods that already say something -------------------------------------------

TEST(ProfilePolicy, VirtualNodeOnlyMergesIntoExistingNodeSelector) {
  auto m = run(pod({{"k8s.ksyun.com/kci", "true"}}, {}, {{"nodeSelector", {{"zone", "a"}}}}));
  EXPECT_EQ(m.patched["spec"]["nodeSelector"], (Json{{"zone", "a"}, {"type", "virtual-kubelet"}}));
  EXPECT_EQ(m.patch[1]["path"], "/spec/nodeSelector/type");
}

TEST(ProfilePolicy, VirtualNodeOnlyNeverReplacesAConflictingNodeSelector) {
  auto m = run(pod({{"k8s.ksyun.com/kci", "true"}}, {}, {{"nodeSelector", {{"type", "gpu"}}}}));
  EXPECT_EQ(m.patched["spec"]["nodeSelector"]["type"], "gpu");
  ASSERT_EQ(m.warnings.size(), 1u);
  EXPECT_NE(m.warnings[0].find("type=gpu"), std::string::npos);
}

TEST(ProfilePolicy, TolerationNotAddedWhenAlreadyTolerated) {
  // Seed 003's hand-written form: key virtual-kubelet.io/provider, operator Exists.
  auto m = run(pod({{"k8s.ksyun.com/kci", "true"}}, {},
                   {{"tolerations", Json::array({{{"key", "virtual-kubelet.io/provider"}, {"operator", "Exists"}}})}}));
  EXPECT_EQ(m.patched["spec"]["tolerations"].size(), 1u);
  EXPECT_TRUE(selects_virtual(m.patched));
}

TEST(ProfilePolicy, TolerationAppendedToExistingList) {
  auto m = run(pod({{"k8s.ksyun.com/kci", "true"}}, {},
                   {{"tolerations", Json::array({{{"key", "CriticalAddonsOnly"}, {"operator", "Exists"}}})}}));
  EXPECT_EQ(m.patch[0]["path"], "/spec/tolerations/-");
  EXPECT_EQ(m.patched["spec"]["tolerations"].size(), 2u);
}

TEST(ProfilePolicy, NormalNodeOnlyAddsToEveryExistingTerm) {
  Json aff = {{"nodeAffinity",
               {{"requiredDuringSchedulingIgnoredDuringExecution",
                 {{"nodeSelectorTerms",
                   Json::array({{{"matchExpressions", Json::array({{{"key", "zone"}, {"operator", "In"}, {"values", {"a"}}}})}},
                                {{"matchFields", Json::array({{{"key", "metadata.name"}, {"operator", "In"}, {"values", {"n1"}}}})}},
                                {{"matchExpressions", Json::array({kNotVirtual})}}})}}}}}};
  auto m = run(pod({{"virtual-kubelet.io/burst-to-cci", "off"}}, {}, {{"affinity", aff}}));
  expect_normal_only(m);
  EXPECT_EQ(m.patch.size(), 2u) << m.patch.dump();
  EXPECT_EQ(m.patch[0]["path"], "/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms/0/matchExpressions/-");
  EXPECT_EQ(m.patch[1]["path"], "/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms/1/matchExpressions");
}

TEST(ProfilePolicy, NormalNodeOnlyKeepsPodAffinity) {
  Json aff = {{"podAntiAffinity", {{"preferredDuringSchedulingIgnoredDuringExecution", Json::array()}}}};
  auto m = run(pod({{"virtual-kubelet.io/burst-to-cci", "off"}}, {}, {{"affinity", aff}}));
  EXPECT_TRUE(m.patched["spec"]["affinity"].contains("podAntiAffinity"));
  EXPECT_EQ(m.patch[0]["path"], "/spec/affinity/nodeAffinity");
}

TEST(ProfilePolicy, NormalNodePreferAppendsToExistingPreferences) {
  Json aff = {{"nodeAffinity",
               {{"preferredDuringSchedulingIgnoredDuringExecution",
                 Json::array({{{"weight", 10}, {"preference", {{"matchExpressions", Json::array({{{"key", "disk"}, {"operator", "In"}, {"values", {"ssd"}}}})}}}}})}}}};
  auto m = run(pod({}, {{"alibabacloud.com/burst-resource", "eci"}}, {{"affinity", aff}}));
  expect_prefer_normal(m);
  EXPECT_EQ(m.patched["spec"]["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"].size(), 2u);
}

TEST(ProfilePolicy, NodeNameAndDaemonSetPodsAreNotSteered) {
  auto placed = run(pod({{"k8s.ksyun.com/kci", "true"}}, {}, {{"nodeName", "rbkci-virtual-kubelet"}}));
  EXPECT_TRUE(placed.patch.empty());
  Json ds = pod({{"k8s.ksyun.com/kci", "true"}});
  ds["metadata"]["ownerReferences"] = Json::array({{{"apiVersion", "apps/v1"}, {"kind", "DaemonSet"}, {"name", "agent"}, {"uid", "u"}, {"controller", true}}});
  auto m = run(ds);
  EXPECT_TRUE(m.patch.empty());
  ASSERT_EQ(m.warnings.size(), 1u);
  EXPECT_NE(m.warnings[0].find("DaemonSet"), std::string::npos);
}

// ---- selectors ----------------------------------------------------------------------------

ProfileSelector crd(std::string name, Json spec, std::string group = "kci.ksyun.com/v1") {
  auto s = parse_selector_object({{"apiVersion", group}, {"kind", "Selector"}, {"metadata", {{"name", name}}}, {"spec", spec}});
  EXPECT_TRUE(s.ok()) << s.error().message;
  return *s;
}

// Seed 004 示例一: "为带有app: nginx Label的Pod添加VNode Toleration,由kube-scheduler决定调度,同时添加effect中定义的Annotation和Label".
TEST(ProfileSelectorPolicy, Seed004Fair) {
  ProfileSet set;
  set.put(crd("test-fair", {{"objectLabels", {{"matchLabels", {{"app", "nginx"}}}}},
                            {"effect", {{"annotations", {{"k8s.aliyun.com/eci-auto-imc", "true"}}}, {"labels", {{"eci-schedulable", "true"}}}}},
                            {"policy", {{"fair", Json::object()}}}},
              "eci.aliyun.com/v1beta1"));
  auto m = run(pod({{"app", "nginx"}}), ctx(), set);
  EXPECT_EQ(m.decision.policy, Policy::kFair);
  EXPECT_TRUE(tolerates(m.patched));
  EXPECT_FALSE(selects_virtual(m.patched));
  EXPECT_FALSE(prefers_normal(m.patched));
  EXPECT_EQ(m.patched["metadata"]["labels"]["eci-schedulable"], "true");
  EXPECT_EQ(m.patched["metadata"]["annotations"]["k8s.aliyun.com/eci-auto-imc"], "true");
  // The annotation key's '/' is escaped in the pointer (the annotations map did not exist:
  // one add of the whole map).
  bool escaped = false;
  for (const auto& op : m.patch) escaped |= op["path"] == "/metadata/annotations";
  EXPECT_TRUE(escaped) << m.patch.dump();
  // Not matching: untouched.
  EXPECT_TRUE(run(pod({{"app", "redis"}}), ctx(), set).patch.empty());
}

TEST(ProfileSelectorPolicy, Seed004NormalNodePreferAndVirtualNodeOnly) {
  ProfileSet prefer, only;
  prefer.put(crd("test-normal-node-prefer", {{"objectLabels", {{"matchLabels", {{"app", "nginx"}}}}}, {"policy", {{"normalNodePrefer", Json::object()}}}}));
  only.put(crd("test-virtual-node-only", {{"objectLabels", {{"matchLabels", {{"app", "nginx"}}}}}, {"policy", {{"virtualNodeOnly", Json::object()}}}}));
  expect_prefer_normal(run(pod({{"app", "nginx"}}), ctx(), prefer));
  expect_virtual_only(run(pod({{"app", "nginx"}}), ctx(), only));
}

TEST(ProfileSelectorPolicy, NormalNodeOnly) {
  ProfileSet set;
  set.put(crd("stay", {{"namespaceLabels", {{"matchLabels", {{"tier", "core"}}}}}, {"policy", {{"normalNodeOnly", Json::object()}}}}));
  expect_normal_only(run(pod(), ctx({{"tier", "core"}}), set));
}

TEST(ProfileSelectorPolicy, EffectAddsWithoutOverriding) {
  ProfileSet set;
  set.put(crd("e", {{"objectLabels", {{"matchLabels", {{"app", "nginx"}}}}},
                    {"effect", {{"labels", {{"app", "other"}, {"k8s.ksyun.com/x", "1"}}}, {"annotations", {{"a~b", "2"}}}}}}));
  auto m = run(pod({{"app", "nginx"}}, {{"keep", "me"}}), ctx(), set);
  EXPECT_EQ(m.patched["metadata"]["labels"]["app"], "nginx");
  EXPECT_EQ(m.patched["metadata"]["labels"]["k8s.ksyun.com/x"], "1");
  EXPECT_EQ(m.patched["metadata"]["annotations"]["keep"], "me");
  EXPECT_EQ(m.patched["metadata"]["annotations"]["a~b"], "2");
  std::vector<std::string> paths;
  for (const auto& op : m.patch) paths.push_back(op["path"]);
  EXPECT_EQ(paths, (std::vector<std::string>{"/metadata/labels/k8s.ksyun.com~1x", "/metadata/annotations/a~0b"}));
  EXPECT_FALSE(m.decision.policy);  // no policy: effects only
}

// Seed 004: "存在多个Selector且发生冲突时,优先级高的Selector会生效"; ties go by name.
TEST(ProfileSelectorPolicy, HighestPriorityWinsTiesByName) {
  const Json match = {{"matchLabels", {{"app", "nginx"}}}};
  ProfileSet set;
  set.put(crd("b-only", {{"objectLabels", match}, {"policy", {{"virtualNodeOnly", Json::object()}}}, {"priority", 1},
                         {"effect", {{"labels", {{"who", "b"}}}}}}));
  set.put(crd("a-stay", {{"objectLabels", match}, {"policy", {{"normalNodeOnly", Json::object()}}}, {"priority", 1},
                         {"effect", {{"labels", {{"who", "a"}}}}}}));
  set.put(crd("z-low", {{"objectLabels", match}, {"policy", {{"fair", Json::object()}}}, {"priority", 0}}));
  auto m = run(pod({{"app", "nginx"}}), ctx(), set);
  expect_normal_only(m);
  EXPECT_EQ(m.patched["metadata"]["labels"]["who"], "a");
  set.put(crd("z-high", {{"objectLabels", match}, {"policy", {{"fair", Json::object()}}}, {"priority", 9}}));
  EXPECT_EQ(run(pod({{"app", "nginx"}}), ctx(), set).decision.policy, Policy::kFair);
}

// Seed 003: "对于重复的Annotation和Label,Pod原有声明的值优先级最高,其次是顺序匹配上的第一个selector中的effect,以此类推".
TEST(ProfileConfigMapMerge, OrderedMerge) {
  k8s::ConfigMap cm;
  cm.data = {{"selectors", R"([
    {"name":"first","namespaceSelector":{"matchLabels":{"department":"bigdata"}},
     "effect":{"labels":{"owner":"first","only-first":"1"},"annotations":{"k8s.aliyun.com/eci-image-cache":"true"}}},
    {"name":"second","objectSelector":{"matchLabels":{"type":"offline-task"}},
     "effect":{"labels":{"owner":"second","only-second":"2","type":"changed"}}},
    {"name":"elsewhere","objectSelector":{"matchLabels":{"type":"online"}},"effect":{"labels":{"never":"x"}}}
  ])"}};
  ProfileSet set;
  set.set_config(parse_profile_configmap(cm));
  auto m = run(pod({{"type", "offline-task"}}), ctx({{"department", "bigdata"}}), set);
  const Json& labels = m.patched["metadata"]["labels"];
  EXPECT_EQ(labels["type"], "offline-task");  // the pod's own value
  EXPECT_EQ(labels["owner"], "first");        // then the first matching selector
  EXPECT_EQ(labels["only-first"], "1");
  EXPECT_EQ(labels["only-second"], "2");
  EXPECT_FALSE(labels.contains("never"));
  EXPECT_EQ(m.patched["metadata"]["annotations"]["k8s.aliyun.com/eci-image-cache"], "true");
  // "该Pod将自动调度到ECI"
  expect_virtual_only(m);
  EXPECT_NE(m.decision.decided_by.find("\"first\""), std::string::npos) << m.decision.decided_by;
}

// Seed 003: "如果两者均未配置,则effect对所有调度到ECI的Pod均生效".
TEST(ProfileConfigMapMerge, UnconstrainedEntryAppliesToBurstingPodsOnly) {
  k8s::ConfigMap cm;
  cm.data = {{"selectors", R"([{"name":"all-eci","effect":{"annotations":{"k8s.aliyun.com/eci-image-cache":"true"}}}])"}};
  ProfileSet set;
  set.set_config(parse_profile_configmap(cm));
  auto bursting = run(pod({{"k8s.ksyun.com/kci", "true"}}), ctx(), set);
  EXPECT_EQ(bursting.patched["metadata"]["annotations"]["k8s.aliyun.com/eci-image-cache"], "true");
  EXPECT_TRUE(run(pod({{"app", "x"}}), ctx(), set).patch.empty());
  auto off = run(pod({{"virtual-kubelet.io/burst-to-cci", "off"}}), ctx(), set);
  EXPECT_FALSE(off.patched["metadata"].contains("annotations"));
}

TEST(ProfileConfigMapMerge, SelectorObjectBeatsConfigMapForPolicyButEffectsMerge) {
  ProfileSet set;
  set.put(crd("crd", {{"objectLabels", {{"matchLabels", {{"app", "nginx"}}}}}, {"policy", {{"fair", Json::object()}}},
                      {"effect", {{"labels", {{"from", "crd"}}}}}}));
  k8s::ConfigMap cm;
  cm.data = {{"selectors", R"([{"name":"cm","objectSelector":{"matchLabels":{"app":"nginx"}},"effect":{"labels":{"from":"cm","cm":"1"}}}])"}};
  set.set_config(parse_profile_configmap(cm));
  auto m = run(pod({{"app", "nginx"}}), ctx(), set);
  EXPECT_EQ(m.decision.policy, Policy::kFair);
  EXPECT_EQ(m.patched["metadata"]["labels"]["from"], "crd");
  EXPECT_EQ(m.patched["metadata"]["labels"]["cm"], "1");
}

TEST(ProfileEngine, SecondPassAddsNothing) {
  ProfileSet set;
  set.put(crd("e", {{"objectLabels", {{"matchLabels", {{"app", "nginx"}}}}}, {"policy", {{"normalNodePrefer", Json::object()}}},
                    {"effect", {{"labels", {{"x", "1"}}}, {"annotations", {{"y", "2"}}}}}}));
  for (const Json& p : {pod({{"app", "nginx"}}), pod({{"app", "nginx"}, {"k8s.ksyun.com/kci", "true"}}),
                        pod({{"app", "nginx"}, {"virtual-kubelet.io/burst-to-cci", "off"}})}) {
    auto first = run(p, ctx(), set);
    EXPECT_FALSE(first.patch.empty());
    auto second = run(first.patched, ctx(), set);
    EXPECT_TRUE(second.patch.empty()) << second.patch.dump();
  }
}

TEST(ProfileEngine, UndecodablePodIsAnError) {
  Json p = pod();
  p["spec"]["nodeSelector"] = {{"type", 3}};
  auto m = mutate_pod(p, ctx(), {});
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("spec.nodeSelector"), std::string::npos) << m.error().message;
}

}  // namespace
}  // namespace kci::profile
