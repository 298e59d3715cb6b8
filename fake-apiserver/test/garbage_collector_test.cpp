#include "fake-apiserver/garbage_collector.h"

#include <gtest/gtest.h>

#include "fake-apiserver/test/controller_fixture.h"

namespace kci::apiserver::testing {
namespace {

using kube::configmaps;
using kube::deployments;
using kube::replicasets;

bool exists(ControllerCluster& c, const kube::ResourceRef& ref) { return c.client.get(ref).ok(); }

Json configmap_owned_by(const std::string& name, const Json& owner_refs) {
  return {{"metadata", {{"name", name}, {"namespace", "default"}, {"ownerReferences", owner_refs}}},
          {"data", {{"k", "v"}}}};
}

TEST(GarbageCollector, BackgroundDeletionTakesTheReplicaSetAndItsPods) {
  ControllerCluster c;
  ASSERT_TRUE(c.client.create(deployments("default"), deployment_json("web", 3, "web")).ok());
  c.ex.run_until_idle();
  ASSERT_EQ(c.pods("app=web").size(), 3u);
  ASSERT_EQ(c.replicasets().size(), 1u);
  ASSERT_TRUE(c.client.remove(deployments("default", "web")).ok());
  c.ex.run_until_idle();
  EXPECT_FALSE(exists(c, deployments("default", "web")));
  EXPECT_EQ(c.replicasets().size(), 0u);
  EXPECT_EQ(c.pods("app=web").size(), 0u);  // unbound pods go at once
  EXPECT_GE(c.gc.deleted(), 4u);
}

TEST(GarbageCollector, ForegroundDeletionWaitsForBlockingDependents) {
  ControllerCluster c;
  ASSERT_TRUE(c.client.create(replicasets("default"), replicaset_json("web", 2, "web")).ok());
  c.run_all_pods();  // bound pods: their deletion takes the grace period
  kube::DeleteOptions fg;
  fg.propagationPolicy = "Foreground";
  ASSERT_TRUE(c.client.remove(replicasets("default", "web"), fg).ok());
  c.ex.run_until_idle();
  const Json rs = c.get(replicasets("default", "web"));
  ASSERT_TRUE(rs.is_object()) << "the owner went before its dependents";
  EXPECT_TRUE(rs["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(rs["metadata"]["finalizers"], Json::array({"foregroundDeletion"}));
  auto pods = c.pods("app=web");
  ASSERT_EQ(pods.size(), 2u);
  for (const auto& p : pods) {
    EXPECT_TRUE(p->at("metadata").contains("deletionTimestamp"));
    kube::DeleteOptions now;
    now.gracePeriodSeconds = 0;  // what the kubelet does once the containers are gone
    ASSERT_TRUE(c.client.remove(kube::pods("default", p->at("metadata").value("name", "")), now).ok());
  }
  c.ex.run_until_idle();
  EXPECT_FALSE(exists(c, replicasets("default", "web")));
}

TEST(GarbageCollector, ForegroundDeletionOfADeploymentEmptiesTheChainFromTheLeaves) {
  ControllerCluster c;
  ASSERT_TRUE(c.client.create(deployments("default"), deployment_json("web", 2, "web")).ok());
  c.ex.run_until_idle();
  kube::DeleteOptions fg;
  fg.propagationPolicy = "Foreground";
  ASSERT_TRUE(c.client.remove(deployments("default", "web"), fg).ok());
  c.ex.run_until_idle();
  EXPECT_FALSE(exists(c, deployments("default", "web")));
  EXPECT_EQ(c.replicasets().size(), 0u);
  EXPECT_EQ(c.pods("app=web").size(), 0u);
}

TEST(GarbageCollector, OrphanDeletionKeepsTheDependentsWithoutTheReference) {
  ControllerCluster c;
  ASSERT_TRUE(c.client.create(replicasets("default"), replicaset_json("web", 2, "web")).ok());
  c.ex.run_until_idle();
  kube::DeleteOptions orphan;
  orphan.propagationPolicy = "Orphan";
  ASSERT_TRUE(c.client.remove(replicasets("default", "web"), orphan).ok());
  c.ex.run_until_idle();
  EXPECT_FALSE(exists(c, replicasets("default", "web")));
  auto pods = c.pods("app=web");
  ASSERT_EQ(pods.size(), 2u);
  for (const auto& p : pods) EXPECT_FALSE(p->at("metadata").contains("ownerReferences")) << p->dump();
}

TEST(GarbageCollector, DependentsOfAnAbsentOwnerAreDeleted) {
  ControllerCluster c;
  auto rs = c.client.create(replicasets("default"), replicaset_json("keep", 0, "keep"));
  ASSERT_TRUE(rs.ok());
  const Json alive = {{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"name", "keep"},
                      {"uid", (*rs)->at("metadata")["uid"]}};
  const Json gone = {{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"name", "never"},
                     {"uid", "00000000-0000-4000-8000-000000000000"}};
  const Json stale = {{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"name", "keep"},
                      {"uid", "00000000-0000-4000-8000-000000000001"}};
  const Json foreign = {{"apiVersion", "apps/v1"}, {"kind", "DaemonSet"}, {"name", "agent"},
                        {"uid", "00000000-0000-4000-8000-000000000002"}};
  ASSERT_TRUE(c.client.create(configmaps("default"), configmap_owned_by("orphaned", Json::array({gone}))).ok());
  ASSERT_TRUE(c.client.create(configmaps("default"), configmap_owned_by("old-uid", Json::array({stale}))).ok());
  ASSERT_TRUE(c.client.create(configmaps("default"), configmap_owned_by("mixed", Json::array({alive, gone}))).ok());
  ASSERT_TRUE(c.client.create(configmaps("default"), configmap_owned_by("unwatched", Json::array({foreign}))).ok());
  c.ex.run_until_idle();
  EXPECT_FALSE(exists(c, configmaps("default", "orphaned")));
  EXPECT_FALSE(exists(c, configmaps("default", "old-uid")));
  const Json mixed = c.get(configmaps("default", "mixed"));
  ASSERT_TRUE(mixed.is_object());
  EXPECT_EQ(mixed["metadata"]["ownerReferences"], Json::array({alive}));
  EXPECT_TRUE(exists(c, configmaps("default", "unwatched")));
  // And when the last owner goes, the dependent follows.
  ASSERT_TRUE(c.client.remove(replicasets("default", "keep")).ok());
  c.ex.run_until_idle();
  EXPECT_FALSE(exists(c, configmaps("default", "mixed")));
}

}  // namespace
}  // namespace kci::apiserver::testing
