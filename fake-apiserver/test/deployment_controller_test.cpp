#include "fake-apiserver/deployment_controller.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "fake-apiserver/test/controller_fixture.h"

namespace kci::apiserver::testing {
namespace {

using kube::deployments;
using kube::replicasets;

const Json* condition(const Json& d, const std::string& type) {
  for (const auto& c : d["status"]["conditions"])
    if (c["type"] == type) return &c;
  return nullptr;
}

TEST(DeploymentController, TemplateHashIsStableAndSafe) {
  const Json t = pod_template("web");
  const std::string h = pod_template_hash(t, std::nullopt);
  EXPECT_EQ(h, pod_template_hash(t, std::nullopt));
  EXPECT_NE(h, pod_template_hash(pod_template("web", "nginx:1.26"), std::nullopt));
  EXPECT_NE(h, pod_template_hash(t, 1));
  EXPECT_GE(h.size(), 1u);
  EXPECT_LE(h.size(), 10u);
  EXPECT_EQ(h.find_first_not_of("bcdfghjklmnpqrstvwxz2456789"), std::string::npos) << h;
}

TEST(DeploymentController, MakesAReplicaSetNamedByTheTemplateHashAndItsPods) {
  ControllerCluster c;
  auto d = c.client.create(deployments("default"), deployment_json("web", 3, "web"));
  ASSERT_TRUE(d.ok());
  c.run_all_pods();
  auto sets = c.replicasets();
  ASSERT_EQ(sets.size(), 1u);
  const Json& rs = *sets[0];
  const std::string hash = pod_template_hash(pod_template("web"), std::nullopt);
  EXPECT_EQ(rs["metadata"]["name"], "web-" + hash);
  EXPECT_EQ(rs["metadata"]["labels"]["pod-template-hash"], hash);
  EXPECT_EQ(rs["spec"]["selector"]["matchLabels"]["pod-template-hash"], hash);
  EXPECT_EQ(rs["spec"]["template"]["metadata"]["labels"]["pod-template-hash"], hash);
  EXPECT_EQ(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "1");
  const Json& ref = rs["metadata"]["ownerReferences"][0];
  EXPECT_EQ(ref["kind"], "Deployment");
  EXPECT_EQ(ref["uid"], (*d)->at("metadata")["uid"]);
  EXPECT_EQ(ref["controller"], true);
  EXPECT_EQ(ref["blockOwnerDeletion"], true);
  auto pods = c.pods("app=web,pod-template-hash=" + hash);
  EXPECT_EQ(pods.size(), 3u);
  const Json dep = c.get(deployments("default", "web"));
  EXPECT_EQ(dep["status"]["replicas"], 3);
  EXPECT_EQ(dep["status"]["updatedReplicas"], 3);
  EXPECT_EQ(dep["status"]["readyReplicas"], 3);
  EXPECT_EQ(dep["status"]["availableReplicas"], 3);
  EXPECT_EQ(dep["status"]["observedGeneration"], 1);
  ASSERT_NE(condition(dep, "Available"), nullptr);
  EXPECT_EQ((*condition(dep, "Available"))["status"], "True");
  ASSERT_NE(condition(dep, "Progressing"), nullptr);
  EXPECT_EQ((*condition(dep, "Progressing"))["reason"], "NewReplicaSetAvailable");
}

TEST(DeploymentController, ScaleSubresourceReachesThePods) {
  ControllerCluster c;
  ASSERT_TRUE(c.client.create(deployments("default"), deployment_json("web", 1, "web")).ok());
  c.run_all_pods();
  ASSERT_TRUE(c.client.scale(deployments("default", "web"), 7).ok());
  c.run_all_pods();
  EXPECT_EQ(c.pods("app=web").size(), 7u);
  ASSERT_TRUE(c.client.scale(deployments("default", "web"), 2).ok());
  c.run_all_pods();
  std::size_t alive = 0;
  for (const auto& p : c.pods("app=web")) alive += p->at("metadata").contains("deletionTimestamp") ? 0 : 1;
  EXPECT_EQ(alive, 2u);
  const Json dep = c.get(deployments("default", "web"));
  EXPECT_EQ(dep["status"]["replicas"], 2);
  EXPECT_EQ(dep["status"]["availableReplicas"], 2);
  EXPECT_EQ(dep["status"]["observedGeneration"], dep["metadata"]["generation"]);
  EXPECT_EQ(c.replicasets().size(), 1u);
}

TEST(DeploymentController, TemplateChangeRollsOverToANewReplicaSet) {
  ControllerCluster c;
  ASSERT_TRUE(c.client.create(deployments("default"), deployment_json("web", 4, "web")).ok());
  c.run_all_pods();
  const std::string old_name = "web-" + pod_template_hash(pod_template("web"), std::nullopt);
  ASSERT_TRUE(c.client
                  .patch(deployments("default", "web"), kube::PatchType::kMerge,
                         {{"spec", {{"template", {{"spec", {{"containers", {{{"name", "c"}, {"image", "nginx:1.26"}}}}}}}}}}})
                  .ok());
  c.ex.run_until_idle();
  // Mid-rollout: the surge (25% of 4 = 1) bounds the pods the new ReplicaSet may add.
  auto sets = c.replicasets();
  ASSERT_EQ(sets.size(), 2u);
  std::int64_t total = 0;
  for (const auto& s : sets) total += s->at("spec")["replicas"].get<std::int64_t>();
  EXPECT_LE(total, 5);
  for (int i = 0; i < 10; ++i) c.run_all_pods();
  const std::string new_name = "web-" + pod_template_hash(pod_template("web", "nginx:1.26"), std::nullopt);
  EXPECT_EQ(c.get(replicasets("default", old_name))["spec"]["replicas"], 0);
  EXPECT_EQ(c.get(replicasets("default", new_name))["spec"]["replicas"], 4);
  EXPECT_EQ(c.get(replicasets("default", new_name))["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "2");
  std::size_t new_pods = 0;
  for (const auto& p : c.pods("app=web"))
    if (!p->at("metadata").contains("deletionTimestamp"))
      new_pods += p->at("spec")["containers"][0]["image"] == "nginx:1.26" ? 1 : 100;
  EXPECT_EQ(new_pods, 4u);
  const Json dep = c.get(deployments("default", "web"));
  EXPECT_EQ(dep["status"]["updatedReplicas"], 4);
  EXPECT_EQ(dep["status"]["observedGeneration"], 2);
}

TEST(DeploymentController, RecreateScalesTheOldSetDownFirst) {
  ControllerCluster c;
  Json d = deployment_json("web", 2, "web");
  d["spec"]["strategy"] = {{"type", "Recreate"}};
  ASSERT_TRUE(c.client.create(deployments("default"), d).ok());
  c.run_all_pods();
  ASSERT_TRUE(c.client
                  .patch(deployments("default", "web"), kube::PatchType::kMerge,
                         {{"spec", {{"template", {{"spec", {{"containers", {{{"name", "c"}, {"image", "nginx:1.26"}}}}}}}}}}})
                  .ok());
  c.ex.run_until_idle();
  const std::string old_name = "web-" + pod_template_hash(pod_template("web"), std::nullopt);
  const std::string new_name = "web-" + pod_template_hash(pod_template("web", "nginx:1.26"), std::nullopt);
  EXPECT_EQ(c.get(replicasets("default", old_name))["spec"]["replicas"], 0);
  std::size_t old_running = 0;
  for (const auto& p : c.pods())
    if (!p->at("metadata").contains("deletionTimestamp") && p->at("spec")["containers"][0]["image"] == "nginx:1.25")
      ++old_running;
  EXPECT_EQ(old_running, 0u);
  // Old pods are terminating (bound pods take their grace period): the new set waits.
  c.ex.run_until_idle();
  EXPECT_EQ(c.get(replicasets("default", new_name))["spec"]["replicas"], 0);
  for (const auto& p : c.pods()) {
    kube::DeleteOptions now;
    now.gracePeriodSeconds = 0;
    (void)c.client.remove(kube::pods("default", p->at("metadata").value("name", "")), now);
  }
  c.run_all_pods();
  EXPECT_EQ(c.get(replicasets("default", new_name))["spec"]["replicas"], 2);
  EXPECT_EQ(c.pods("app=web").size(), 2u);
}

TEST(DeploymentController, UnavailableDeploymentSaysSo) {
  ControllerCluster c;
  ASSERT_TRUE(c.client.create(deployments("default"), deployment_json("web", 4, "web")).ok());
  c.ex.run_until_idle();  // pods exist but nobody runs them
  const Json dep = c.get(deployments("default", "web"));
  EXPECT_EQ(dep["status"]["replicas"], 4);
  EXPECT_EQ(dep["status"]["availableReplicas"], 0);
  EXPECT_EQ(dep["status"]["unavailableReplicas"], 4);
  EXPECT_EQ((*condition(dep, "Available"))["status"], "False");
  EXPECT_EQ((*condition(dep, "Available"))["reason"], "MinimumReplicasUnavailable");
}

}  // namespace
}  // namespace kci::apiserver::testing

namespace kci::apiserver::testing {
namespace {

// Property: whatever sequence of scales and template changes a Deployment goes through
// (some applied before the cluster caught up with the previous one), once the pods run
// it ends with spec.replicas pods of the latest template, one ReplicaSet carrying them
// and the others at 0, and a status that says so.
RC_GTEST_PROP(DeploymentControllerProp, ConvergesToTheLatestTemplateAndScale,
              (const std::vector<std::tuple<std::uint8_t, bool, bool>>& ops)) {
  ControllerCluster c;
  RC_ASSERT(c.client.create(deployments("default"), deployment_json("web", 2, "web")).ok());
  c.run_all_pods();
  std::int64_t want = 2;
  int image = 0;
  for (const auto& [n, change_template, settle] : ops) {
    if (change_template) {
      ++image;
      const Json patch = {{"spec", {{"template", {{"spec", {{"containers", {{{"name", "c"},
          {"image", "nginx:1." + std::to_string(image)}}}}}}}}}}};
      RC_ASSERT(c.client.patch(deployments("default", "web"), kube::PatchType::kMerge, patch).ok());
    } else {
      want = n % 7;
      RC_ASSERT(c.client.scale(deployments("default", "web"), static_cast<std::int32_t>(want)).ok());
    }
    if (settle) c.run_all_pods();
    else c.ex.run_until_idle(5);
  }
  // The stand-in kubelet: running pods, and terminating ones finish.
  for (int round = 0; round < 30; ++round) {
    c.run_all_pods();
    c.ex.run_for(std::chrono::seconds(2));  // retries after conflicts wait a second
    bool terminating = false;
    for (const auto& p : c.pods())
      if (p->at("metadata").contains("deletionTimestamp")) {
        terminating = true;
        kube::DeleteOptions now;
        now.gracePeriodSeconds = 0;
        (void)c.client.remove(kube::pods("default", p->at("metadata").value("name", "")), now);
      }
    if (!terminating) break;
  }
  c.run_all_pods();
  const std::string latest = image == 0 ? "nginx:1.25" : "nginx:1." + std::to_string(image);
  std::int64_t pods = 0;
  for (const auto& p : c.pods("app=web")) {
    RC_ASSERT(p->at("spec")["containers"][0]["image"] == latest);
    ++pods;
  }
  RC_ASSERT(pods == want);
  std::int64_t carrying = 0;
  for (const auto& rs : c.replicasets()) {
    const std::int64_t r = rs->at("spec")["replicas"].get<std::int64_t>();
    if (r == 0) continue;
    ++carrying;
    RC_ASSERT(rs->at("spec")["template"]["spec"]["containers"][0]["image"] == latest);
    RC_ASSERT(r == want);
  }
  RC_ASSERT(carrying == (want > 0 ? 1 : 0));
  const Json d = c.get(deployments("default", "web"));
  RC_ASSERT(d["status"]["replicas"].get<std::int64_t>() == want);
  RC_ASSERT(d["status"]["updatedReplicas"].get<std::int64_t>() == want);
  RC_ASSERT(d["status"]["availableReplicas"].get<std::int64_t>() == want);
  RC_ASSERT(d["status"]["observedGeneration"] == d["metadata"]["generation"]);
}

}  // namespace
}  // namespace kci::apiserver::testing
