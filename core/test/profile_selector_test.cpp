// Selector parsing (seed 004's CRD, KCI's kci.ksyun.com/v1 form) and seed 003's ConfigMap form.
#include <gtest/gtest.h>

#include "core/profile/engine.h"
#include "core/profile/selector.h"

namespace kci::profile {
namespace {

Json selector(std::string api_version, std::string name, Json spec) {
  return {{"apiVersion", std::move(api_version)},
          {"kind", "Selector"},
          {"metadata", {{"name", std::move(name)}}},
          {"spec", std::move(spec)}};
}

// Seed 004, 配置示例一 (fair), as written there.
TEST(ProfileSelector, ParsesSeed004FairExample) {
  auto s = parse_selector_object(selector("eci.aliyun.com/v1beta1", "test-fair",
                                          {{"objectLabels", {{"matchLabels", {{"app", "nginx"}}}}},
                                           {"namespaceLabels", {{"matchLabels", {{"app", "test"}}}}},
                                           {"effect",
                                            {{"annotations", {{"k8s.aliyun.com/eci-auto-imc", "true"}}},
                                             {"labels", {{"eci-schedulable", "true"}}}}},
                                           {"policy", {{"fair", Json::object()}}},
                                           {"priority", 3}}));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->origin, SelectorOrigin::kEci);
  EXPECT_EQ(s->name, "test-fair");
  EXPECT_EQ(s->policy, Policy::kFair);
  EXPECT_EQ(s->priority, 3);
  EXPECT_EQ(s->effect.annotations.at("k8s.aliyun.com/eci-auto-imc"), "true");
  EXPECT_EQ(s->effect.labels.at("eci-schedulable"), "true");
  // "如果同时配置了两者,则Pod需要同时匹配两者"
  EXPECT_TRUE(s->matches({{"app", "nginx"}}, "ns", {{"app", "test"}}));
  EXPECT_FALSE(s->matches({{"app", "nginx"}}, "ns", {}));
  EXPECT_FALSE(s->matches({}, "ns", {{"app", "test"}}));
}

TEST(ProfileSelector, ParsesKciGroupAndEveryPolicy) {
  for (auto [name, policy] : {std::pair{"fair", Policy::kFair},
                              {"normalNodePrefer", Policy::kNormalNodePrefer},
                              {"virtualNodeOnly", Policy::kVirtualNodeOnly},
                              {"normalNodeOnly", Policy::kNormalNodeOnly}}) {
    auto s = parse_selector_object(selector("kci.ksyun.com/v1", "s",
                                            {{"objectLabels", {{"matchLabels", {{"app", "web"}}}}},
                                             {"policy", {{name, Json::object()}}}}));
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->origin, SelectorOrigin::kKci);
    EXPECT_EQ(s->policy, policy);
  }
}

TEST(ProfileSelector, NormalNodePreferRatiosAreAccepted) {
  auto s = parse_selector_object(selector("eci.aliyun.com/v1", "p",
                                          {{"objectLabels", {{"matchLabels", {{"app", "web"}}}}},
                                           {"policy", {{"normalNodePrefer", {{"cpuRatio", 50}}}}}}));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->policy, Policy::kNormalNodePrefer);
}

// "objectLabels和namespaceLabels中,至少要选择一个配置"
TEST(ProfileSelector, RefusesSpecWithNeitherSelector) {
  auto s = parse_selector_object(selector("kci.ksyun.com/v1", "empty", {{"policy", {{"fair", Json::object()}}}}));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("neither objectLabels nor namespaceLabels"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("Selector empty"), std::string::npos);
}

TEST(ProfileSelector, RefusesInvalidMatchExpression) {
  auto s = parse_selector_object(selector(
      "kci.ksyun.com/v1", "bad",
      {{"objectLabels", {{"matchExpressions", Json::array({{{"key", "app"}, {"operator", "Has"}, {"values", {"x"}}}})}}}}));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("spec.objectLabels.matchExpressions[0].operator"), std::string::npos)
      << s.error().message;
  EXPECT_NE(s.error().message.find("Has"), std::string::npos);
  auto in_without_values = parse_selector_object(selector(
      "kci.ksyun.com/v1", "bad2",
      {{"namespaceLabels", {{"matchExpressions", Json::array({{{"key", "team"}, {"operator", "In"}}})}}}}));
  ASSERT_FALSE(in_without_values.ok());
  EXPECT_NE(in_without_values.error().message.find("spec.namespaceLabels"), std::string::npos)
      << in_without_values.error().message;
}

TEST(ProfileSelector, RefusesUnknownOrDoubledPolicyAndBadTypes) {
  const Json labels = {{"matchLabels", {{"app", "web"}}}};
  auto unknown = parse_selector_object(selector("kci.ksyun.com/v1", "u", {{"objectLabels", labels}, {"policy", {{"cheap", Json::object()}}}}));
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("unknown policy \"cheap\"; accepted: fair, normalNodePrefer"), std::string::npos);
  auto doubled = parse_selector_object(selector(
      "kci.ksyun.com/v1", "d", {{"objectLabels", labels}, {"policy", {{"fair", Json::object()}, {"virtualNodeOnly", Json::object()}}}}));
  ASSERT_FALSE(doubled.ok());
  EXPECT_NE(doubled.error().message.find("set exactly one"), std::string::npos);
  auto priority = parse_selector_object(selector("kci.ksyun.com/v1", "p", {{"objectLabels", labels}, {"priority", "high"}}));
  ASSERT_FALSE(priority.ok());
  EXPECT_NE(priority.error().message.find("spec.priority: expected an integer, found string \"high\""), std::string::npos)
      << priority.error().message;
  auto effect = parse_selector_object(selector("kci.ksyun.com/v1", "e", {{"objectLabels", labels}, {"effect", {{"labels", {{"n", 3}}}}}}));
  ASSERT_FALSE(effect.ok());
  EXPECT_NE(effect.error().message.find("spec.effect.labels.n: expected a string"), std::string::npos) << effect.error().message;
  auto group = parse_selector_object(selector("example.com/v1", "g", {{"objectLabels", labels}}));
  ASSERT_FALSE(group.ok());
  EXPECT_NE(group.error().message.find("use kci.ksyun.com/v1"), std::string::npos);
}

TEST(ProfileSelector, NamespacedSelectorAppliesToItsNamespaceOnly) {
  Json obj = selector("eci.aliyun.com/v1", "ns-only", {{"objectLabels", {{"matchLabels", {{"app", "web"}}}}}});
  obj["metadata"]["namespace"] = "team-a";
  auto s = parse_selector_object(obj);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->matches({{"app", "web"}}, "team-a", {}));
  EXPECT_FALSE(s->matches({{"app", "web"}}, "team-b", {}));
}

TEST(ProfileSelector, PrecedenceIsPriorityThenNameThenOrigin) {
  ProfileSelector a{.name = "a", .priority = 1}, b{.name = "b", .priority = 5}, c{.name = "a", .priority = 1};
  c.origin = SelectorOrigin::kEci;
  EXPECT_TRUE(selector_precedes(b, a));
  EXPECT_TRUE(selector_precedes(a, c));
  EXPECT_FALSE(selector_precedes(c, a));
  ProfileSet set;
  set.put(c);
  set.put(a);
  set.put(b);
  ASSERT_EQ(set.selectors().size(), 3u);
  EXPECT_EQ(set.selectors()[0].name, "b");
  EXPECT_EQ(set.selectors()[1].origin, SelectorOrigin::kKci);
  set.put(b);  // replaces, never duplicates
  EXPECT_EQ(set.selectors().size(), 3u);
  set.remove(SelectorOrigin::kKci, "", "b");
  EXPECT_EQ(set.selectors().size(), 2u);
}

// Seed 003's typical eci-profile ConfigMap: node settings plus the five default selectors.
TEST(ProfileConfigMap, ParsesSeed003ExampleAndNodeDefaults) {
  k8s::ConfigMap cm;
  cm.data = {{"vpcId", "vpc-xxx"},
             {"securityGroupId", "sg-xxx"},
             {"vSwitchIds", "vsw-111,vsw-222"},
             {"enableClusterIp", "true"},
             {"selectors", R"([
   {"name":"default-selector-1","objectSelector":{"matchLabels":{"alibabacloud.com/eci":"true"}}},
   {"name":"default-selector-2","objectSelector":{"matchLabels":{"eci":"true"}}},
   {"name":"default-selector-3","namespaceSelector":{"matchLabels":{"alibabacloud.com/eci":"true"}}},
   {"name":"default-selector-4","namespaceSelector":{"matchLabels":{"eci":"true"}}},
   {"name":"default-selector-5","namespaceSelector":{"matchLabels":{"virtual-node-affinity-injection":"enabled"}},
    "effect":{"annotations":{"k8s.aliyun.com/eci-image-cache":"true"},"labels":{"created-by-eci":"true"}}}
 ])"}};
  auto cfg = parse_profile_configmap(cm);
  EXPECT_TRUE(cfg.problems.empty()) << cfg.problems.front();
  ASSERT_EQ(cfg.selectors.size(), 5u);
  EXPECT_EQ(cfg.selectors[0].name, "default-selector-1");
  EXPECT_EQ(cfg.selectors[4].effect.labels.at("created-by-eci"), "true");
  // "对于Label能够匹配上的Pod,将会被自动调度到ECI"
  EXPECT_EQ(cfg.selectors[0].policy, Policy::kVirtualNodeOnly);
  EXPECT_EQ(cfg.node_defaults.size(), 4u);
  EXPECT_EQ(cfg.node_defaults.at("vSwitchIds"), "vsw-111,vsw-222");
}

TEST(ProfileConfigMap, EmptySelectorsIsNoSelectors) {
  k8s::ConfigMap cm;
  cm.data = {{"selectors", ""}, {"vpcId", "vpc-1"}};
  auto cfg = parse_profile_configmap(cm);
  EXPECT_TRUE(cfg.selectors.empty());
  EXPECT_TRUE(cfg.problems.empty());
}

TEST(ProfileConfigMap, BrokenEntriesAreReportedAndSkipped) {
  k8s::ConfigMap cm;
  cm.data = {{"selectors", R"([
    {"objectSelector":{"matchLabels":{"a":"b"}}},
    {"name":"bad-op","objectSelector":{"matchExpressions":[{"key":"a","operator":"Like"}]}},
    {"name":"ok","objectSelector":{"matchLabels":{"a":"b"}}},
    7
  ])"}};
  auto cfg = parse_profile_configmap(cm);
  ASSERT_EQ(cfg.selectors.size(), 1u);
  EXPECT_EQ(cfg.selectors[0].name, "ok");
  ASSERT_EQ(cfg.problems.size(), 3u);
  EXPECT_NE(cfg.problems[0].find("[0].name: missing or empty"), std::string::npos) << cfg.problems[0];
  EXPECT_NE(cfg.problems[1].find("bad-op"), std::string::npos) << cfg.problems[1];
  EXPECT_NE(cfg.problems[1].find("Like"), std::string::npos) << cfg.problems[1];
  EXPECT_NE(cfg.problems[2].find("[3]: expected an object"), std::string::npos) << cfg.problems[2];
}

TEST(ProfileConfigMap, UnreadableSelectorsIsOneProblem) {
  k8s::ConfigMap cm;
  cm.data = {{"selectors", "[{\"name\": "}};
  auto cfg = parse_profile_configmap(cm);
  EXPECT_TRUE(cfg.selectors.empty());
  ASSERT_EQ(cfg.problems.size(), 1u);
  EXPECT_NE(cfg.problems[0].find("not valid JSON"), std::string::npos);
}

}  // namespace
}  // namespace kci::profile
