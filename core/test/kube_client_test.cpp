#include "core/kube/kube_client.h"

#include <gtest/gtest.h>

#include "core/kube/resources.h"

namespace kci::kube {
namespace {

TEST(KubeClient, BuiltinRefOfAKind) {
  auto r = builtin_ref("apps/v1", "Deployment", "default", "web");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, deployments("default", "web"));
  auto node = builtin_ref("v1", "Node", "ignored", "n1");
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(node->namespace_, "");  // cluster-scoped
  EXPECT_EQ(builtin_ref("example.com/v1", "Selector").error().code, ErrorCode::kNotFound);
}

TEST(KubeClient, RefOfAnObject) {
  Json pod = {{"apiVersion", "v1"}, {"kind", "Pod"},
              {"metadata", {{"name", "p"}, {"namespace", "ns"}}}};
  auto r = ref_of(pod);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, pods("ns", "p"));
  EXPECT_EQ(r->api_version(), "v1");
  EXPECT_EQ(leases().api_version(), "coordination.k8s.io/v1");
}

TEST(KubeClient, StatusRoundTripsTheReason) {
  const auto e = conflict(pods("ns", "p"), "the object has been modified");
  const Json s = status_of(e, nullptr);
  EXPECT_EQ(s["code"], 409);
  EXPECT_EQ(s["reason"], "Conflict");
  EXPECT_EQ(s["status"], "Failure");
  EXPECT_EQ(error_of_status(s).code, ErrorCode::kConflict);
  EXPECT_EQ(status_of(expired("too old resource version: 1 (5)"))["code"], 410);
  EXPECT_EQ(error_of_status(status_of(expired("x"))).code, ErrorCode::kGone);
  EXPECT_EQ(status_of(invalid(pods("ns", "p"), "spec.containers: Required value"))["code"], 422);
  EXPECT_EQ(error_of_status(status_of(already_exists(pods("ns", "p")))).code,
            ErrorCode::kAlreadyExists);
}

TEST(KubeClient, BuiltinTableKnowsSubresources) {
  const auto* pod = find_builtin("", "pods");
  ASSERT_NE(pod, nullptr);
  EXPECT_TRUE(pod->has_subresource("binding"));
  EXPECT_TRUE(find_builtin("apps", "deployments")->has_subresource("scale"));
  EXPECT_FALSE(find_builtin("", "nodes")->namespaced);
}

}  // namespace
}  // namespace kci::kube
