#include "fake-apiserver/replicaset_controller.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "fake-apiserver/test/controller_fixture.h"

namespace kci::apiserver::testing {
namespace {

using kube::replicasets;

std::string name(const kube::Object& o) { return o->at("metadata").value("name", ""); }

std::vector<std::string> names(const std::vector<kube::Object>& v) {
  std::vector<std::string> out;
  for (const auto& o : v) out.push_back(name(o));
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ReplicaSetController, CreatesPodsFromTheTemplateWithAnOwnerReference) {
  ControllerCluster c;
  auto rs = c.client.create(replicasets("default"), replicaset_json("web", 3, "web"));
  ASSERT_TRUE(rs.ok());
  c.ex.run_until_idle();
  auto pods = c.pods("app=web");
  ASSERT_EQ(pods.size(), 3u);
  for (const auto& p : pods) {
    EXPECT_EQ(name(p).rfind("web-", 0), 0u) << name(p);
    const Json& ref = p->at("metadata").at("ownerReferences").at(0);
    EXPECT_EQ(ref["kind"], "ReplicaSet");
    EXPECT_EQ(ref["name"], "web");
    EXPECT_EQ(ref["uid"], (*rs)->at("metadata")["uid"]);
    EXPECT_EQ(ref["controller"], true);
    EXPECT_EQ(ref["blockOwnerDeletion"], true);
  }
  Json st = c.get(replicasets("default", "web"))["status"];
  EXPECT_EQ(st["replicas"], 3);
  EXPECT_EQ(st["fullyLabeledReplicas"], 3);
  EXPECT_EQ(st["readyReplicas"], 0);
  EXPECT_EQ(st["availableReplicas"], 0);
  EXPECT_EQ(st["observedGeneration"], 1);
  c.run_all_pods();
  st = c.get(replicasets("default", "web"))["status"];
  EXPECT_EQ(st["readyReplicas"], 3);
  EXPECT_EQ(st["availableReplicas"], 3);
}

TEST(ReplicaSetController, ExpectationsKeepASecondSyncFromCreatingAgain) {
  ControllerCluster c;
  ASSERT_TRUE(c.client.create(replicasets("default"), replicaset_json("web", 0, "web")).ok());
  c.ex.run_until_idle();
  ASSERT_TRUE(c.client.scale(replicasets("default", "web"), 5).ok());
  // Run one task at a time until the controller has created the pods, before their watch
  // events reach its cache.
  for (int i = 0; i < 100 && c.pods().size() < 5; ++i) c.ex.run_until_idle(1);
  ASSERT_EQ(c.pods().size(), 5u);
  EXPECT_EQ(c.rsc.pods_created(), 5u);
  c.rsc.sync("default/web");  // the cache still shows no pods
  c.ex.run_until_idle();
  EXPECT_EQ(c.rsc.pods_created(), 5u);
  EXPECT_EQ(c.rsc.pods_deleted(), 0u);
  EXPECT_EQ(c.pods().size(), 5u);
}

TEST(ReplicaSetController, ScaleDownDeletesUnassignedThenNotReadyThenCheapest) {
  ControllerCluster c;
  ASSERT_TRUE(c.client.create(replicasets("default"), replicaset_json("web", 5, "web")).ok());
  c.ex.run_until_idle();
  auto pods = c.pods();
  ASSERT_EQ(pods.size(), 5u);
  std::vector<std::string> n = names(pods);
  // n[0]: stays unassigned; n[1]: bound, Pending; n[2..4]: Running and Ready, with
  // deletion costs 5, -3 and 100.
  ASSERT_TRUE(c.client.bind(kube::pods("default", n[1]), "n2").ok());
  for (int i = 2; i < 5; ++i) c.run_pod(n[i], "n" + std::to_string(i + 1));
  const char* costs[] = {"5", "-3", "100"};
  for (int i = 2; i < 5; ++i)
    ASSERT_TRUE(c.client.patch(kube::pods("default", n[i]), kube::PatchType::kMerge,
                               {{"metadata", {{"annotations", {{"controller.kubernetes.io/pod-deletion-cost",
                                                                costs[i - 2]}}}}}})
                    .ok());
  c.ex.run_until_idle();
  auto alive = [&] {
    std::vector<std::string> out;
    for (const auto& p : c.pods())
      if (!p->at("metadata").contains("deletionTimestamp")) out.push_back(name(p));
    std::sort(out.begin(), out.end());
    return out;
  };
  ASSERT_TRUE(c.client.scale(replicasets("default", "web"), 4).ok());
  c.ex.run_until_idle();
  EXPECT_EQ(alive(), (std::vector<std::string>{n[1], n[2], n[3], n[4]}));
  ASSERT_TRUE(c.client.scale(replicasets("default", "web"), 3).ok());
  c.ex.run_until_idle();
  EXPECT_EQ(alive(), (std::vector<std::string>{n[2], n[3], n[4]}));
  ASSERT_TRUE(c.client.scale(replicasets("default", "web"), 2).ok());
  c.ex.run_until_idle();
  EXPECT_EQ(alive(), (std::vector<std::string>{n[2], n[4]}));  // cost -3 went
  ASSERT_TRUE(c.client.scale(replicasets("default", "web"), 1).ok());
  c.ex.run_until_idle();
  EXPECT_EQ(alive(), (std::vector<std::string>{n[4]}));  // cost 5 before cost 100
  EXPECT_EQ(c.get(replicasets("default", "web"))["status"]["replicas"], 1);
}

Json ranked_pod(const std::string& name, const std::string& node, const std::string& phase, bool ready,
                const std::string& created, const std::string& ready_at = "") {
  Json p = {{"metadata", {{"name", name}, {"uid", "uid-" + name}, {"creationTimestamp", created}}},
            {"spec", Json::object()},
            {"status", {{"phase", phase}}}};
  if (!node.empty()) p["spec"]["nodeName"] = node;
  if (ready)
    p["status"]["conditions"] = {{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", ready_at}}};
  return p;
}

TEST(ReplicaSetController, RankForDeletionFollowsActivePodsOrdering) {
  const std::string t0 = "2024-01-01T00:00:00Z";
  std::vector<Json> pods = {
      ranked_pod("running-ready-old", "a", "Running", true, t0, "2024-01-01T00:00:10Z"),
      ranked_pod("running-ready-new", "b", "Running", true, t0, "2024-01-01T05:00:00Z"),
      ranked_pod("running-not-ready", "c", "Running", false, t0),
      ranked_pod("unknown", "d", "Unknown", false, t0),
      ranked_pod("pending-bound", "e", "Pending", false, t0),
      ranked_pod("unassigned", "", "Pending", false, t0),
      ranked_pod("doubled-up-1", "f", "Running", true, t0, "2024-01-01T00:00:10Z"),
      ranked_pod("doubled-up-2", "f", "Running", true, t0, "2024-01-01T00:00:10Z"),
  };
  Json cheap = ranked_pod("ready-cheap", "g", "Running", true, t0, "2024-01-01T00:00:10Z");
  cheap["metadata"]["annotations"] = {{"controller.kubernetes.io/pod-deletion-cost", "-10"}};
  pods.push_back(cheap);
  std::vector<kube::Object> objs;
  for (auto& p : pods) objs.push_back(std::make_shared<const Json>(p));
  auto now = k8s::Time::parse("2024-01-01T06:00:00Z")->at;
  rank_for_deletion(objs, now);
  std::vector<std::string> order;
  for (const auto& o : objs) order.push_back(name(o));
  EXPECT_EQ(order, (std::vector<std::string>{"unassigned", "pending-bound", "unknown", "running-not-ready",
                                             "ready-cheap", "doubled-up-1", "doubled-up-2",
                                             "running-ready-new", "running-ready-old"}));
}

TEST(ReplicaSetController, AdoptsOrphansAndIgnoresPodsBeingDeleted) {
  ControllerCluster c;
  ASSERT_TRUE(c.client.create(kube::pods("default"), pod_json("stray", "default", {{"app", "web"}})).ok());
  Json doomed = pod_json("doomed", "default", {{"app", "web"}});
  doomed["metadata"]["finalizers"] = {"example.com/hold"};
  ASSERT_TRUE(c.client.create(kube::pods("default"), doomed).ok());
  ASSERT_TRUE(c.client.remove(kube::pods("default", "doomed")).ok());  // held by its finalizer
  auto rs = c.client.create(replicasets("default"), replicaset_json("web", 2, "web"));
  ASSERT_TRUE(rs.ok());
  c.ex.run_until_idle();
  Json stray = c.get(kube::pods("default", "stray"));
  ASSERT_TRUE(stray["metadata"].contains("ownerReferences"));
  EXPECT_EQ(stray["metadata"]["ownerReferences"][0]["uid"], (*rs)->at("metadata")["uid"]);
  EXPECT_FALSE(c.get(kube::pods("default", "doomed"))["metadata"].contains("ownerReferences"));
  EXPECT_EQ(c.pods("app=web").size(), 3u);  // stray, one new pod, and the one being deleted
  EXPECT_EQ(c.rsc.pods_created(), 1u);
  EXPECT_EQ(c.get(replicasets("default", "web"))["status"]["replicas"], 2);
}

TEST(ReplicaSetController, ReleasesAPodItNoLongerMatchesAndAdoptsItBackWhenItMatchesAgain) {
  ControllerCluster c;
  // A pod of the same labels in another namespace is neither adopted nor counted.
  ASSERT_TRUE(c.client.create(kube::namespaces(), Json{{"metadata", {{"name", "other"}}}}).ok());
  ASSERT_TRUE(c.client.create(kube::pods("other"), pod_json("elsewhere", "other", {{"app", "web"}})).ok());
  auto rs = c.client.create(replicasets("default"), replicaset_json("web", 2, "web"));
  ASSERT_TRUE(rs.ok());
  c.ex.run_until_idle();
  const auto owned = names(c.pods("app=web"));  // the default namespace's
  ASSERT_EQ(owned.size(), 2u);
  EXPECT_FALSE(c.get(kube::pods("other", "elsewhere"))["metadata"].contains("ownerReferences"));
  EXPECT_EQ(c.rsc.pods_created(), 2u);
  const std::string first = owned[0];
  // Relabelled out of the selector: released (owner reference dropped) and replaced.
  ASSERT_TRUE(c.client
                  .patch(kube::pods("default", first), kube::PatchType::kMerge,
                         Json{{"metadata", {{"labels", {{"app", "moved"}}}}}})
                  .ok());
  c.ex.run_until_idle();
  EXPECT_FALSE(c.get(kube::pods("default", first))["metadata"].contains("ownerReferences"));
  EXPECT_EQ(c.rsc.pods_created(), 3u);
  EXPECT_EQ(c.get(replicasets("default", "web"))["status"]["replicas"], 2);
  // Labelled back: the orphan is adopted, which makes one pod too many: one of the three is
  // deleted (which one, the deletion ranking decides), and both left are the set's.
  ASSERT_TRUE(c.client
                  .patch(kube::pods("default", first), kube::PatchType::kMerge,
                         Json{{"metadata", {{"labels", {{"app", "web"}}}}}})
                  .ok());
  c.ex.run_until_idle();
  EXPECT_EQ(c.rsc.pods_deleted(), 1u);
  std::size_t live = 0;
  for (const auto& p : c.pods("app=web")) {
    if (p->at("metadata").contains("deletionTimestamp")) continue;
    ++live;
    ASSERT_TRUE(p->at("metadata").contains("ownerReferences")) << name(p);
    EXPECT_EQ(p->at("metadata")["ownerReferences"][0]["uid"], (*rs)->at("metadata")["uid"]) << name(p);
  }
  EXPECT_EQ(live, 2u);
  EXPECT_EQ(c.get(replicasets("default", "web"))["status"]["replicas"], 2);
}

TEST(ReplicaSetController, AvailableOnlyAfterMinReadySeconds) {
  ControllerCluster c;
  Json rs = replicaset_json("web", 1, "web");
  rs["spec"]["minReadySeconds"] = 30;
  ASSERT_TRUE(c.client.create(replicasets("default"), rs).ok());
  c.run_all_pods();
  Json st = c.get(replicasets("default", "web"))["status"];
  EXPECT_EQ(st["readyReplicas"], 1);
  EXPECT_EQ(st["availableReplicas"], 0);
  c.ex.run_for(std::chrono::seconds(20));
  EXPECT_EQ(c.get(replicasets("default", "web"))["status"]["availableReplicas"], 0);
  c.ex.run_for(std::chrono::seconds(15));
  EXPECT_EQ(c.get(replicasets("default", "web"))["status"]["availableReplicas"], 1);
}

TEST(ReplicaSetController, ReplacesDeletedPods) {
  ControllerCluster c;
  ASSERT_TRUE(c.client.create(replicasets("default"), replicaset_json("web", 2, "web")).ok());
  c.ex.run_until_idle();
  auto before = names(c.pods());
  ASSERT_EQ(before.size(), 2u);
  ASSERT_TRUE(c.client.remove(kube::pods("default", before[0])).ok());
  c.ex.run_until_idle();
  auto after = names(c.pods());
  EXPECT_EQ(after.size(), 2u);
  EXPECT_EQ(std::count(after.begin(), after.end(), before[0]), 0);
}

RC_GTEST_PROP(ReplicaSetControllerProp, ConvergesToTheLastScaleWithMatchingStatus,
              (const std::vector<std::pair<std::uint8_t, bool>>& ops)) {
  ControllerCluster c;
  RC_ASSERT(c.client.create(replicasets("default"), replicaset_json("web", 1, "web")).ok());
  c.ex.run_until_idle();
  std::int64_t want = 1;
  for (const auto& [n, settle] : ops) {
    want = n % 9;
    RC_ASSERT(c.client.scale(replicasets("default", "web"), static_cast<std::int32_t>(want)).ok());
    // Sometimes the next scale comes before the controller has caught up.
    if (settle) c.ex.run_until_idle();
    else c.ex.run_until_idle(3);
  }
  c.ex.run_until_idle();
  RC_ASSERT(static_cast<std::int64_t>(c.pods("app=web").size()) == want);
  const Json rs = c.get(replicasets("default", "web"));
  RC_ASSERT(rs["status"]["replicas"].get<std::int64_t>() == want);
  RC_ASSERT(rs["status"]["fullyLabeledReplicas"].get<std::int64_t>() == want);
  RC_ASSERT(rs["status"]["observedGeneration"] == rs["metadata"]["generation"]);
  RC_ASSERT(c.rsc.pods_created() - c.rsc.pods_deleted() == static_cast<std::uint64_t>(want));
}

}  // namespace
}  // namespace kci::apiserver::testing
