#include "fake-apiserver/statefulset_controller.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "fake-apiserver/table.h"
#include "fake-apiserver/test/controller_fixture.h"

namespace kci::apiserver::testing {
namespace {

using kube::statefulsets;

Json statefulset_json(const std::string& name, std::int64_t replicas, const std::string& policy = "") {
  Json spec = {{"replicas", replicas},
               {"serviceName", name},
               {"selector", {{"matchLabels", {{"app", name}}}}},
               {"template", pod_template(name)}};
  if (!policy.empty()) spec["podManagementPolicy"] = policy;
  return {{"apiVersion", "apps/v1"},
          {"kind", "StatefulSet"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec", spec}};
}

struct SetCluster : ControllerCluster {
  SetCluster() : ssc(client, ex) { EXPECT_TRUE(ssc.start().ok()); }
  //! Names of the set's pods not being deleted, sorted.
  std::vector<std::string> live(const std::string& app) {
    std::vector<std::string> out;
    for (const auto& p : pods("app=" + app))
      if (!p->at("metadata").contains("deletionTimestamp")) out.push_back(p->at("metadata").value("name", ""));
    std::sort(out.begin(), out.end());
    return out;
  }
  //! Deletes at once every pod being deleted (the kubelet finishing their termination).
  void finish_deletions() {
    for (const auto& p : pods())
      if (p->at("metadata").contains("deletionTimestamp")) {
        kube::DeleteOptions now;
        now.gracePeriodSeconds = 0;
        (void)client.remove(kube::pods("default", p->at("metadata").value("name", "")), now);
      }
    ex.run_until_idle();
  }
  StatefulSetController ssc;
};

using Names = std::vector<std::string>;

TEST(StatefulSetOrdinal, ParsesOnlyTheSetsOwnNames) {
  EXPECT_EQ(statefulset_ordinal("web", "web-0"), 0);
  EXPECT_EQ(statefulset_ordinal("web", "web-12"), 12);
  EXPECT_EQ(statefulset_ordinal("web", "web-"), std::nullopt);
  EXPECT_EQ(statefulset_ordinal("web", "web-01"), std::nullopt);
  EXPECT_EQ(statefulset_ordinal("web", "web-x"), std::nullopt);
  EXPECT_EQ(statefulset_ordinal("web", "webx-1"), std::nullopt);
  EXPECT_EQ(statefulset_ordinal("web", "web-db-1"), std::nullopt);
}

TEST(StatefulSetValidation, DefaultsAndRefusals) {
  SetCluster c;
  auto r = c.client.create(statefulsets("default"), statefulset_json("web", 0));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->at("spec")["podManagementPolicy"], "OrderedReady");
  EXPECT_EQ((*r)->at("spec")["updateStrategy"]["type"], "RollingUpdate");
  Json bad = statefulset_json("bad", 1, "Sometimes");
  bad["spec"]["selector"]["matchLabels"]["app"] = "other";
  auto b = c.client.create(statefulsets("default"), bad);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("spec.podManagementPolicy: Unsupported value: \"Sometimes\": supported "
                                   "values: \"OrderedReady\", \"Parallel\""),
            std::string::npos)
      << b.error().message;
  EXPECT_NE(b.error().message.find("`selector` does not match template `labels`"), std::string::npos);
}

TEST(StatefulSetController, OrderedReadyCreatesOnePodAtATimeInOrdinalOrder) {
  SetCluster c;
  ASSERT_TRUE(c.client.create(statefulsets("default"), statefulset_json("web", 3)).ok());
  c.ex.run_until_idle();
  EXPECT_EQ(c.live("web"), Names{"web-0"});
  const Json pod = c.get(kube::pods("default", "web-0"));
  EXPECT_EQ(pod["metadata"]["labels"][kStatefulSetPodNameLabel], "web-0");
  EXPECT_EQ(pod["metadata"]["labels"][kPodIndexLabel], "0");
  EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["kind"], "StatefulSet");
  EXPECT_EQ(pod["spec"]["hostname"], "web-0");
  EXPECT_EQ(pod["spec"]["subdomain"], "web");
  // Bound but not Ready: still one.
  ASSERT_TRUE(c.client.bind(kube::pods("default", "web-0"), "n1").ok());
  c.ex.run_until_idle();
  EXPECT_EQ(c.live("web"), Names{"web-0"});
  c.run_pod("web-0");
  c.ex.run_until_idle();
  EXPECT_EQ(c.live("web"), (Names{"web-0", "web-1"}));
  c.run_pod("web-1");
  c.ex.run_until_idle();
  EXPECT_EQ(c.live("web"), (Names{"web-0", "web-1", "web-2"}));
  c.run_pod("web-2");
  c.ex.run_until_idle();
  const Json st = c.get(statefulsets("default", "web"))["status"];
  EXPECT_EQ(st["replicas"], 3);
  EXPECT_EQ(st["readyReplicas"], 3);
  EXPECT_EQ(st["availableReplicas"], 3);
  EXPECT_EQ(c.ssc.pods_created(), 3u);
  const kube::ResourceInfo* info = c.server.registry().find_kind("apps/v1", "StatefulSet");
  ASSERT_NE(info, nullptr);
  TablePrinter printer(*info);
  const Json row = printer.row(c.get(statefulsets("default", "web")), c.ex.clock().now(), IncludeObject::kNone);
  EXPECT_EQ(row["cells"][0], "web");
  EXPECT_EQ(row["cells"][1], "3/3");
  EXPECT_EQ(printer.columns()[1].name, "Ready");
}

TEST(StatefulSetController, OrderedReadyScaleDownDeletesTheHighestOrdinalFirstOneAtATime) {
  SetCluster c;
  ASSERT_TRUE(c.client.create(statefulsets("default"), statefulset_json("web", 3)).ok());
  c.run_all_pods();
  ASSERT_EQ(c.live("web"), (Names{"web-0", "web-1", "web-2"}));
  ASSERT_TRUE(c.client.scale(statefulsets("default", "web"), 1).ok());
  c.ex.run_until_idle();
  // web-2 terminates (bound: graceful); web-1 waits for it.
  EXPECT_EQ(c.live("web"), (Names{"web-0", "web-1"}));
  c.ex.run_until_idle();
  EXPECT_EQ(c.live("web"), (Names{"web-0", "web-1"}));
  c.finish_deletions();
  EXPECT_EQ(c.live("web"), Names{"web-0"});
  c.finish_deletions();
  EXPECT_EQ(c.pods("app=web").size(), 1u);
  EXPECT_EQ(c.ssc.pods_deleted(), 2u);
}

TEST(StatefulSetController, ParallelCreatesAndDeletesAtOnce) {
  SetCluster c;
  ASSERT_TRUE(c.client.create(statefulsets("default"), statefulset_json("db", 4, "Parallel")).ok());
  c.ex.run_until_idle();
  EXPECT_EQ(c.live("db"), (Names{"db-0", "db-1", "db-2", "db-3"}));
  c.run_all_pods();
  ASSERT_TRUE(c.client.scale(statefulsets("default", "db"), 1).ok());
  c.ex.run_until_idle();
  EXPECT_EQ(c.live("db"), Names{"db-0"});
}

TEST(StatefulSetController, AFailedPodIsReplacedUnderTheSameName) {
  SetCluster c;
  ASSERT_TRUE(c.client.create(statefulsets("default"), statefulset_json("web", 2)).ok());
  c.run_all_pods();
  const std::string old_uid = c.get(kube::pods("default", "web-1"))["metadata"]["uid"];
  Json p = c.get(kube::pods("default", "web-1"));
  p["status"]["phase"] = "Failed";
  ASSERT_TRUE(c.client.update_status(kube::pods("default", "web-1"), p).ok());
  c.ex.run_until_idle();
  c.finish_deletions();
  const Json again = c.get(kube::pods("default", "web-1"));
  ASSERT_TRUE(again.is_object());
  EXPECT_NE(again["metadata"]["uid"], old_uid);
  EXPECT_EQ(again["status"]["phase"], "Pending");
}

TEST(StatefulSetController, DeletingTheSetCollectsItsPods) {
  SetCluster c;
  ASSERT_TRUE(c.client.create(statefulsets("default"), statefulset_json("web", 2, "Parallel")).ok());
  c.ex.run_until_idle();
  ASSERT_EQ(c.pods("app=web").size(), 2u);
  ASSERT_TRUE(c.client.remove(statefulsets("default", "web")).ok());
  c.ex.run_for(std::chrono::seconds(5));
  EXPECT_TRUE(c.pods("app=web").empty());
}

}  // namespace
}  // namespace kci::apiserver::testing
