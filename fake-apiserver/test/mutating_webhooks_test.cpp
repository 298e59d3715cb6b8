// MutatingWebhookAdmission: which webhooks are called, what they receive, and what their
// answers do to the write, as kube-apiserver's mutating dispatcher behaves.
#include "fake-apiserver/mutating_webhooks.h"

#include <gtest/gtest.h>

#include "core/k8s/object.h"
#include "fake-apiserver/test/fixture.h"

namespace kci::apiserver {
namespace {

using testing::Cluster;
using testing::pod_json;

const kube::ResourceRef kPods{"", "v1", "pods", "default", ""};
const kube::ResourceRef kConfigs{"admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "", ""};

Json webhook(const std::string& name, const std::string& service, Json extra = Json::object()) {
  Json w = {{"name", name},
            {"clientConfig", {{"service", {{"namespace", "hooks"}, {"name", service}, {"path", "/mutate"}}}}},
            {"rules",
             {{{"operations", {"CREATE"}}, {"apiGroups", {""}}, {"apiVersions", {"v1"}}, {"resources", {"pods"}}}}},
            {"sideEffects", "None"},
            {"admissionReviewVersions", {"v1"}}};
  w.update(extra);
  return w;
}

Json configuration(const std::string& name, Json webhooks) {
  return {{"apiVersion", "admissionregistration.k8s.io/v1"},
          {"kind", "MutatingWebhookConfiguration"},
          {"metadata", {{"name", name}}},
          {"webhooks", std::move(webhooks)}};
}

//! An AdmissionReview answer: allowed, with a JSONPatch when `ops` is not empty.
Json allow(const Json& review, const Json& ops = Json::array()) {
  Json response = {{"uid", review["request"]["uid"]}, {"allowed", true}};
  if (!ops.empty()) {
    response["patchType"] = "JSONPatch";
    response["patch"] = k8s::base64_encode(ops.dump());
  }
  return {{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"response", response}};
}

Json add_label(const std::string& key, const std::string& value) {
  return Json::array({{{"op", "add"}, {"path", "/metadata/labels/" + key}, {"value", value}}});
}

struct MutatingWebhooks : ::testing::Test {
  Cluster c;
  InProcessWebhooks hooks;
  MutatingWebhookAdmission admission{c.server, hooks};
  std::vector<Json> received;  // every review, in order
  void SetUp() override { c.server.set_admission(&admission); }
  void install(const Json& config) { ASSERT_TRUE(c.client.create(kConfigs, config).ok()); }
  //! A webhook that records the review and adds label `key`=`value`.
  void labeller(const std::string& service, const std::string& key, const std::string& value) {
    hooks.add_service("hooks", service, "/mutate", [this, key, value](const Json& review) -> Result<Json> {
      received.push_back(review);
      return allow(review, add_label(key, value));
    });
  }
  Result<kube::Object> create_pod(const std::string& name, Json labels = Json::object()) {
    return c.client.create(kPods, pod_json(name, "default", std::move(labels)));
  }
};

TEST_F(MutatingWebhooks, MatchingWebhookPatchesThePodAndGetsAFullReview) {
  labeller("a", "mutated", "yes");
  install(configuration("cfg", {webhook("a.example.com", "a")}));
  auto pod = create_pod("p1");
  ASSERT_TRUE(pod.ok()) << pod.error().message;
  EXPECT_EQ((**pod)["metadata"]["labels"]["mutated"], "yes");
  ASSERT_EQ(received.size(), 1u);
  const Json& r = received[0]["request"];
  EXPECT_EQ(received[0]["apiVersion"], "admission.k8s.io/v1");
  EXPECT_EQ(r["operation"], "CREATE");
  EXPECT_EQ(r["namespace"], "default");
  EXPECT_EQ(r["name"], "p1");
  EXPECT_EQ(r["kind"], (Json{{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}));
  EXPECT_EQ(r["resource"], (Json{{"group", ""}, {"version", "v1"}, {"resource", "pods"}}));
  EXPECT_EQ(r["userInfo"]["username"], "system:admin");
  EXPECT_EQ(r["options"]["kind"], "CreateOptions");
  EXPECT_EQ(r["object"]["metadata"]["name"], "p1");
  EXPECT_FALSE(r["uid"].get<std::string>().empty());
}

TEST_F(MutatingWebhooks, RulesSelectOperationResourceAndSubresource) {
  labeller("a", "mutated", "yes");
  Json rules = {{{"operations", {"UPDATE"}}, {"apiGroups", {""}}, {"apiVersions", {"*"}}, {"resources", {"pods"}}}};
  install(configuration("cfg", {webhook("a.example.com", "a", {{"rules", rules}})}));
  ASSERT_TRUE(create_pod("p1").ok());
  EXPECT_TRUE(received.empty()) << "a CREATE must not reach an UPDATE-only webhook";
  // A status update is the pods/status subresource: "pods" does not match it.
  Json status = {{"status", {{"phase", "Pending"}}}};
  ASSERT_TRUE(c.client.patch(kPods.named("p1"), kube::PatchType::kMerge, status, {.subresource = "status"}).ok());
  EXPECT_TRUE(received.empty());
  ASSERT_TRUE(c.client.patch(kPods.named("p1"), kube::PatchType::kMerge, {{"metadata", {{"annotations", {{"a", "b"}}}}}}).ok());
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0]["request"]["operation"], "UPDATE");
  EXPECT_EQ(received[0]["request"]["oldObject"]["metadata"]["name"], "p1");
}

TEST_F(MutatingWebhooks, NamespaceSelectorReadsTheNamespaceLabels) {
  labeller("a", "mutated", "yes");
  Json sel = {{"matchExpressions", {{{"key", "kubernetes.io/metadata.name"}, {"operator", "NotIn"}, {"values", {"kube-system"}}}}}};
  install(configuration("cfg", {webhook("a.example.com", "a", {{"namespaceSelector", sel}})}));
  ASSERT_TRUE(c.client.create({"", "v1", "pods", "kube-system", ""}, pod_json("sys", "kube-system")).ok());
  EXPECT_TRUE(received.empty()) << "kube-system is excluded by its name label";
  ASSERT_TRUE(create_pod("p1").ok());
  EXPECT_EQ(received.size(), 1u);
}

TEST_F(MutatingWebhooks, ObjectSelectorMatchesThePodLabels) {
  labeller("a", "mutated", "yes");
  install(configuration("cfg", {webhook("a.example.com", "a", {{"objectSelector", {{"matchLabels", {{"app", "web"}}}}}})}));
  auto other = create_pod("other", {{"app", "db"}});
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE((**other)["metadata"]["labels"].contains("mutated"));
  auto web = create_pod("web", {{"app", "web"}});
  ASSERT_TRUE(web.ok());
  EXPECT_EQ((**web)["metadata"]["labels"]["mutated"], "yes");
}

TEST_F(MutatingWebhooks, FailurePolicyDecidesWhatAnUnreachableWebhookDoes) {
  install(configuration("cfg", {webhook("gone.example.com", "gone", {{"failurePolicy", "Ignore"}})}));
  ASSERT_TRUE(create_pod("p1").ok()) << "Ignore: the write goes on";
  ASSERT_EQ(admission.calls().size(), 1u);
  EXPECT_NE(admission.calls()[0].error.find("no endpoints available"), std::string::npos);

  install(configuration("strict", {webhook("strict.example.com", "gone")}));  // Fail by default
  auto refused = create_pod("p2");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInternal);
  EXPECT_NE(refused.error().message.find("failed calling webhook \"strict.example.com\""), std::string::npos)
      << refused.error().message;
  EXPECT_FALSE(c.client.get(kPods.named("p2")).ok()) << "a refused write stores nothing";
}

TEST_F(MutatingWebhooks, ADenialRefusesWithTheWebhooksMessage) {
  hooks.add_service("hooks", "deny", "/mutate", [](const Json& review) -> Result<Json> {
    Json a = allow(review);
    a["response"]["allowed"] = false;
    a["response"]["status"] = {{"code", 403}, {"message", "pods need an owner label"}};
    return a;
  });
  install(configuration("cfg", {webhook("deny.example.com", "deny", {{"failurePolicy", "Ignore"}})}));
  auto refused = create_pod("p1");
  ASSERT_FALSE(refused.ok()) << "a denial refuses whatever the failurePolicy";
  EXPECT_EQ(refused.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(refused.error().message,
            "admission webhook \"deny.example.com\" denied the request: pods need an owner label");
}

TEST_F(MutatingWebhooks, AWrongUidIsACallFailure) {
  hooks.add_service("hooks", "liar", "/mutate", [](const Json& review) -> Result<Json> {
    Json a = allow(review, add_label("x", "y"));
    a["response"]["uid"] = "not-the-request";
    return a;
  });
  install(configuration("cfg", {webhook("liar.example.com", "liar", {{"failurePolicy", "Ignore"}})}));
  auto pod = create_pod("p1");
  ASSERT_TRUE(pod.ok());
  EXPECT_FALSE((**pod)["metadata"]["labels"].contains("x")) << "an answer to another request is not applied";
}

TEST_F(MutatingWebhooks, APatchThatDoesNotApplyIsAnInternalErrorEvenWithIgnore) {
  hooks.add_service("hooks", "bad", "/mutate", [](const Json& review) -> Result<Json> {
    return allow(review, Json::array({{{"op", "replace"}, {"path", "/spec/nothing/here"}, {"value", 1}}}));
  });
  install(configuration("cfg", {webhook("bad.example.com", "bad", {{"failurePolicy", "Ignore"}})}));
  auto refused = create_pod("p1");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInternal);
  EXPECT_NE(refused.error().message.find("patch does not apply"), std::string::npos) << refused.error().message;
}

TEST_F(MutatingWebhooks, ConfigurationsRunByNameAndWebhooksInOrder) {
  std::vector<std::string> order;
  for (const std::string s : {"a", "b", "c"})
    hooks.add_service("hooks", s, "/mutate", [&order, s](const Json& review) -> Result<Json> {
      order.push_back(s);
      return allow(review);
    });
  install(configuration("z-last", {webhook("c.example.com", "c")}));
  install(configuration("a-first", {webhook("b.example.com", "b"), webhook("a.example.com", "a")}));
  ASSERT_TRUE(create_pod("p1").ok());
  EXPECT_EQ(order, (std::vector<std::string>{"b", "a", "c"}));
}

TEST_F(MutatingWebhooks, IfNeededWebhooksAreReinvokedOnceAfterALaterChange) {
  int first_calls = 0;
  hooks.add_service("hooks", "first", "/mutate", [&](const Json& review) -> Result<Json> {
    ++first_calls;
    const bool has_second = review["request"]["object"]["metadata"]["labels"].contains("second");
    return allow(review, has_second ? add_label("first-saw-second", "true") : Json::array());
  });
  labeller("second", "second", "true");
  install(configuration("cfg", {webhook("first.example.com", "first", {{"reinvocationPolicy", "IfNeeded"}}),
                                webhook("second.example.com", "second")}));
  auto pod = create_pod("p1");
  ASSERT_TRUE(pod.ok());
  EXPECT_EQ(first_calls, 2);
  EXPECT_EQ((**pod)["metadata"]["labels"]["first-saw-second"], "true");
  ASSERT_EQ(admission.calls().size(), 3u);
  EXPECT_TRUE(admission.calls()[2].reinvocation);
}

TEST_F(MutatingWebhooks, NeverPolicyIsNotReinvoked) {
  int first_calls = 0;
  hooks.add_service("hooks", "first", "/mutate", [&](const Json& review) -> Result<Json> {
    ++first_calls;
    return allow(review);
  });
  labeller("second", "second", "true");
  install(configuration("cfg", {webhook("first.example.com", "first"), webhook("second.example.com", "second")}));
  ASSERT_TRUE(create_pod("p1").ok());
  EXPECT_EQ(first_calls, 1);
}

TEST_F(MutatingWebhooks, DryRunIsRefusedByWebhooksWithSideEffects) {
  labeller("a", "mutated", "yes");
  install(configuration("cfg", {webhook("a.example.com", "a", {{"sideEffects", "Some"}})}));
  kube::WriteOptions dry;
  dry.dryRun = true;
  auto refused = c.client.create(kPods, pod_json("p1"), dry);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("does not support dry run"), std::string::npos);
  EXPECT_TRUE(received.empty());
}

TEST_F(MutatingWebhooks, MatchConditionsAreRefusedNotIgnoredSilently) {
  labeller("a", "mutated", "yes");
  Json conditions = Json::array({{{"name", "c"}, {"expression", "true"}}});
  install(configuration("cfg", {webhook("a.example.com", "a", {{"matchConditions", conditions}})}));
  auto refused = create_pod("p1");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("matchConditions"), std::string::npos);
}

TEST_F(MutatingWebhooks, DeleteIsReviewedWithTheOldObject) {
  labeller("a", "mutated", "yes");
  Json rules = {{{"operations", {"DELETE"}}, {"apiGroups", {""}}, {"apiVersions", {"v1"}}, {"resources", {"pods"}}}};
  install(configuration("cfg", {webhook("a.example.com", "a", {{"rules", rules}})}));
  ASSERT_TRUE(create_pod("p1").ok());
  hooks.add_service("hooks", "a", "/mutate", [this](const Json& review) -> Result<Json> {
    received.push_back(review);
    return allow(review);
  });
  ASSERT_TRUE(c.client.remove(kPods.named("p1")).ok());
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0]["request"]["operation"], "DELETE");
  EXPECT_TRUE(received[0]["request"]["object"].is_null());
  EXPECT_EQ(received[0]["request"]["oldObject"]["metadata"]["name"], "p1");
}

TEST_F(MutatingWebhooks, WebhookConfigurationsAreNotThemselvesAdmitted) {
  int calls = 0;
  hooks.add_service("hooks", "all", "/mutate", [&](const Json& review) -> Result<Json> {
    ++calls;
    return allow(review);
  });
  Json rules = {{{"operations", {"*"}}, {"apiGroups", {"*"}}, {"apiVersions", {"*"}}, {"resources", {"*/*"}}}};
  install(configuration("cfg", {webhook("all.example.com", "all", {{"rules", rules}})}));
  install(configuration("second", {webhook("x.example.com", "nowhere")}));
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace kci::apiserver
