#include "fake-apiserver/scheduler.h"

#include <gtest/gtest.h>

#include "fake-apiserver/test/fixture.h"

namespace kci::apiserver::testing {
namespace {

using kube::pods;

struct SchedCluster : Cluster {
  explicit SchedCluster(SchedulerOptions o = {}) : scheduler(client, ex, Rng(7), std::move(o)) {
    EXPECT_TRUE(scheduler.start().ok());
  }
  std::string node_of(const std::string& name) {
    ex.run_until_idle();
    auto p = client.get(pods("default", name));
    return p.ok() ? (*p)->at("spec").value("nodeName", "") : "?";
  }
  Scheduler scheduler;
};

Json with_requests(Json pod, const std::string& cpu, const std::string& mem) {
  pod["spec"]["containers"][0]["resources"] = {{"requests", {{"cpu", cpu}, {"memory", mem}}}};
  return pod;
}

TEST(Scheduler, BindsToTheLeastAllocatedNode) {
  SchedCluster c;
  ASSERT_TRUE(c.client.create(kube::nodes(), node_json("small", "2", "4Gi")).ok());
  ASSERT_TRUE(c.client.create(kube::nodes(), node_json("big", "16", "32Gi")).ok());
  ASSERT_TRUE(c.client.create(pods("default"), with_requests(pod_json("a"), "1", "1Gi")).ok());
  EXPECT_EQ(c.node_of("a"), "big");
  auto p = c.client.get(pods("default", "a"));
  EXPECT_EQ((*p)->at("status")["conditions"][0]["type"], "PodScheduled");
  EXPECT_EQ(c.scheduler.bound(), 1u);
}

TEST(Scheduler, FiltersTaintsSelectorsAndUnschedulable) {
  SchedCluster c;
  Json tainted = node_json("tainted");
  tainted["spec"]["taints"] = {{{"key", "virtual-kubelet.io/provider"}, {"value", "kci"},
                                {"effect", "NoSchedule"}}};
  Json cordoned = node_json("cordoned");
  cordoned["spec"]["unschedulable"] = true;
  Json labelled = node_json("labelled");
  labelled["metadata"]["labels"]["zone"] = "a";
  for (const auto& n : {tainted, cordoned, labelled})
    ASSERT_TRUE(c.client.create(kube::nodes(), n).ok());
  Json p = pod_json("sel");
  p["spec"]["nodeSelector"] = {{"zone", "a"}};
  ASSERT_TRUE(c.client.create(pods("default"), p).ok());
  EXPECT_EQ(c.node_of("sel"), "labelled");
  Json t = pod_json("tol");
  t["spec"]["tolerations"] = {{{"key", "virtual-kubelet.io/provider"}, {"operator", "Exists"}}};
  t["spec"]["nodeSelector"] = {{"kubernetes.io/hostname", "tainted"}};
  ASSERT_TRUE(c.client.create(pods("default"), t).ok());
  EXPECT_EQ(c.node_of("tol"), "tainted");
}

TEST(Scheduler, NothingFitsGivesUnschedulableAndAnEventThenRetriesOnANewNode) {
  SchedCluster c;
  ASSERT_TRUE(c.client.create(kube::nodes(), node_json("n1", "1", "1Gi")).ok());
  ASSERT_TRUE(c.client.create(pods("default"), with_requests(pod_json("big"), "4", "1Gi")).ok());
  EXPECT_EQ(c.node_of("big"), "");
  auto p = c.client.get(pods("default", "big"));
  const Json cond = (*p)->at("status")["conditions"][0];
  EXPECT_EQ(cond["status"], "False");
  EXPECT_EQ(cond["reason"], "Unschedulable");
  EXPECT_EQ(cond["message"], "0/1 nodes are available: 1 Insufficient cpu.");
  kube::ListOptions o;
  o.fieldSelector = "involvedObject.name=big,reason=FailedScheduling";
  EXPECT_EQ(c.client.list(kube::events("default"), o)->items.size(), 1u);
  ASSERT_TRUE(c.client.create(kube::nodes(), node_json("n2", "8", "8Gi")).ok());
  EXPECT_EQ(c.node_of("big"), "n2");
}

TEST(Scheduler, CountsPodsAgainstAllocatable) {
  SchedCluster c;
  ASSERT_TRUE(c.client.create(kube::nodes(), node_json("n1", "4", "8Gi", "2")).ok());
  for (const char* n : {"a", "b", "c"}) ASSERT_TRUE(c.client.create(pods("default"), pod_json(n)).ok());
  c.ex.run_until_idle();
  EXPECT_EQ(c.node_of("a"), "n1");
  EXPECT_EQ(c.node_of("b"), "n1");
  EXPECT_EQ(c.node_of("c"), "");
}

struct FakeExtender : ExtenderTransport {
  std::vector<std::string> calls;
  Result<Json> call(const ExtenderConfig&, const std::string& verb, const Json& args) override {
    calls.push_back(verb);
    if (verb == "filter") {
      Json names = Json::array();
      for (const auto& n : args["NodeNames"])
        if (n != "n1") names.push_back(n);
      return Json{{"NodeNames", names}, {"FailedNodes", {{"n1", "watermark reached"}}}, {"Error", ""}};
    }
    return Json::array({{{"Host", "n2"}, {"Score", 0}}, {{"Host", "n3"}, {"Score", 10}}});
  }
};

TEST(Scheduler, ExtendersFilterAndPrioritise) {
  FakeExtender fake;
  SchedulerOptions o;
  auto cfg = parse_extenders(Json::parse(R"({"extenders":[{"urlPrefix":"http://x","filterVerb":"filter",
      "prioritizeVerb":"prioritize","weight":5,"nodeCacheCapable":true,"enableHttps":false}]})"));
  ASSERT_TRUE(cfg.ok());
  o.extenders.push_back(Extender{(*cfg)[0], &fake});
  SchedCluster c(o);
  for (const char* n : {"n1", "n2", "n3"}) ASSERT_TRUE(c.client.create(kube::nodes(), node_json(n)).ok());
  ASSERT_TRUE(c.client.create(pods("default"), pod_json("a")).ok());
  EXPECT_EQ(c.node_of("a"), "n3");
  EXPECT_EQ(fake.calls, (std::vector<std::string>{"filter", "prioritize"}));
}

TEST(Scheduler, ParseExtendersRefusesANonPositiveWeight) {
  auto r = parse_extenders(Json::parse(R"({"extenders":[{"urlPrefix":"u","prioritizeVerb":"p","weight":0}]})"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("extenders[0].weight"), std::string::npos);
}

TEST(Scheduler, TiesAreBrokenBySeedDeterministically) {
  auto run = [] {
    SchedCluster c;
    for (int i = 0; i < 5; ++i)
      EXPECT_TRUE(c.client.create(kube::nodes(), node_json("n" + std::to_string(i))).ok());
    std::string out;
    for (int i = 0; i < 5; ++i) {
      EXPECT_TRUE(c.client.create(pods("default"), pod_json("p" + std::to_string(i))).ok());
      out += c.node_of("p" + std::to_string(i)) + ",";
    }
    return out;
  };
  EXPECT_EQ(run(), run());
}

}  // namespace
}  // namespace kci::apiserver::testing
