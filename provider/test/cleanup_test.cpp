#include "provider/cleanup/cleanup.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace kci::cleanup {
namespace {

using kcicloud::ContainerGroup;

//! A KciApi holding groups in memory: pages of `page_size` whatever MaxResults says, deletes
//! refused for the ids in `refuse` (with their KCI code); everything else is unsupported.
class StubKci final : public kcicloud::KciApi {
 public:
  std::vector<ContainerGroup> groups;
  std::size_t page_size = 100;
  std::map<std::string, std::string> refuse;  //!< id -> KCI code
  std::vector<std::string> deleted;
  int describes = 0;
  bool fail_listing = false;

  Result<kcicloud::DescribeContainerGroupResponse> describe_container_group(
      const kcicloud::CallContext&, const kcicloud::DescribeContainerGroupRequest& req) override {
    ++describes;
    if (fail_listing) return kcicloud::kci_error("Throttling", "slow down");
    kcicloud::DescribeContainerGroupResponse r;
    const auto from = static_cast<std::size_t>(req.marker);
    for (std::size_t i = from; i < groups.size() && i < from + page_size; ++i) r.container_groups.push_back(groups[i]);
    r.marker = from + page_size < groups.size() ? static_cast<std::int64_t>(from + page_size) : 0;
    r.total_count = static_cast<std::int64_t>(groups.size());
    return r;
  }
  Result<kcicloud::DeleteContainerGroupResponse> delete_container_group(
      const kcicloud::CallContext&, const kcicloud::DeleteContainerGroupRequest& req) override {
    if (auto it = refuse.find(req.container_group_id); it != refuse.end())
      return kcicloud::kci_error(it->second, "refused by the stub");
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const ContainerGroup& g) { return g.container_group_id == req.container_group_id; });
    if (it == groups.end()) return kcicloud::kci_error("ContainerGroupNotFound", "no such group");
    groups.erase(it);
    deleted.push_back(req.container_group_id);
    return kcicloud::DeleteContainerGroupResponse{"req"};
  }
#define KCI_STUB_UNSUPPORTED(Ret, name, Req)                                                 \
  Result<kcicloud::Ret> name(const kcicloud::CallContext&, const kcicloud::Req&) override { \
    return make_error(ErrorCode::kUnsupported, #name);                                       \
  }
  KCI_STUB_UNSUPPORTED(CreateContainerGroupResponse, create_container_group, CreateContainerGroupRequest)
  KCI_STUB_UNSUPPORTED(DescribeContainerLogResponse, describe_container_log, DescribeContainerLogRequest)
  KCI_STUB_UNSUPPORTED(DescribeContainerGroupEventsResponse, describe_container_group_events,
                       DescribeContainerGroupEventsRequest)
  KCI_STUB_UNSUPPORTED(DescribeContainerGroupCountResponse, describe_container_group_count,
                       DescribeContainerGroupCountRequest)
  KCI_STUB_UNSUPPORTED(DescribeKciPackagesResponse, describe_kci_packages, DescribeKciPackagesRequest)
  KCI_STUB_UNSUPPORTED(DescribeRegionsResponse, describe_regions, DescribeRegionsRequest)
  KCI_STUB_UNSUPPORTED(CreateImageCacheResponse, create_image_cache, CreateImageCacheRequest)
  KCI_STUB_UNSUPPORTED(DescribeImageCachesResponse, describe_image_caches, DescribeImageCachesRequest)
  KCI_STUB_UNSUPPORTED(DeleteImageCacheResponse, delete_image_cache, DeleteImageCacheRequest)
#undef KCI_STUB_UNSUPPORTED
};

ContainerGroup group(const std::string& id, std::optional<std::string> cluster, std::optional<std::string> node) {
  ContainerGroup g;
  g.container_group_id = id;
  g.container_group_name = "default-" + id;
  g.status = "Running";
  if (cluster) g.labels.push_back({"cluster-id", *cluster});
  g.labels.push_back({"namespace", "default"});
  g.labels.push_back({"pod-name", "p-" + id});
  if (node) g.labels.push_back({"node-name", *node});
  return g;
}

const kcicloud::CallContext kCtx{"AKowner", "cn-beijing-6"};

TEST(Cleanup, RefusesToRunWithoutAClusterIdAndListsNothing) {
  StubKci kci;
  kci.groups = {group("g1", "c1", "vk"), group("g2", std::nullopt, "vk")};
  auto r = run_cleanup(kci, kCtx, CleanupOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("--cluster-id is required"), std::string::npos);
  EXPECT_EQ(kci.describes, 0);
  EXPECT_TRUE(kci.deleted.empty());
  EXPECT_FALSE(validate({"c1\n", "", false}).ok());
}

TEST(Cleanup, DeletesTheClustersGroupsAndReportsWhatItCouldNot) {
  StubKci kci;
  kci.groups = {group("g1", "c1", "vk-a"), group("g2", "c2", "vk-a"), group("g3", "c1", "vk-b"),
                group("g4", std::nullopt, "vk-a"), group("g5", "c1", "vk-a")};
  kci.refuse["g5"] = "Throttling";
  auto r = run_cleanup(kci, kCtx, {"c1", "", false});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(kci.deleted, (std::vector<std::string>{"g1", "g3"}));
  ASSERT_EQ(r->failed.size(), 1u);
  EXPECT_EQ(r->failed[0].target.container_group_id, "g5");
  EXPECT_EQ(r->failed[0].reason, "Throttling");
  EXPECT_FALSE(r->ok());
  const std::string text = format_report(*r, {"c1", "", false});
  EXPECT_NE(text.find("deleted g1  default-g1  Running  pod default/p-g1  node vk-a\n"), std::string::npos) << text;
  EXPECT_NE(text.find("could not delete g5  default-g5  Running  pod default/p-g5  node vk-a: Throttling: refused by the stub\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("deleted 2 of 3 container group(s) of cluster c1; 1 could not be deleted"), std::string::npos);
}

TEST(Cleanup, DryRunOnlyListsAndNodeNarrows) {
  StubKci kci;
  kci.groups = {group("g1", "c1", "vk-a"), group("g2", "c1", "vk-b")};
  CleanupOptions o{"c1", "vk-b", true};
  auto r = run_cleanup(kci, kCtx, o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(kci.deleted.empty());
  ASSERT_EQ(r->selected.size(), 1u);
  EXPECT_EQ(r->selected[0].container_group_id, "g2");
  EXPECT_EQ(format_report(*r, o),
            "would delete g2  default-g2  Running  pod default/p-g2  node vk-b\n"
            "dry run: 1 container group(s) of cluster c1 node vk-b would be deleted\n");
}

TEST(Cleanup, AListingErrorDeletesNothing) {
  StubKci kci;
  kci.groups = {group("g1", "c1", "vk")};
  kci.fail_listing = true;
  auto r = run_cleanup(kci, kCtx, {"c1", "", false});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("Throttling: slow down; nothing was deleted"), std::string::npos) << r.error().message;
  EXPECT_TRUE(kci.deleted.empty());
}

// Over random sets of groups (cluster labels that differ by a suffix, case or a space, or
// are missing; nodes likewise), random pages and random refusals: cleanup deletes exactly the
// groups whose cluster-id (and node-name, when given) label is the one asked for, reports
// every one it could not delete, and never touches a group of another cluster.
RC_GTEST_PROP(Cleanup, NeverTouchesGroupsOfAnotherCluster, ()) {
  const std::vector<std::optional<std::string>> clusters = {"c1", "c10", "C1", "c1 ", "", std::nullopt, "c2", " c1"};
  const std::vector<std::optional<std::string>> nodes = {"vk-a", "vk-b", "vk-a2", std::nullopt, ""};
  StubKci kci;
  const auto n = *rc::gen::inRange<std::size_t>(0, 250);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = *rc::gen::inRange<std::size_t>(0, clusters.size());
    const auto nd = *rc::gen::inRange<std::size_t>(0, nodes.size());
    kci.groups.push_back(group("g" + std::to_string(i), clusters[c], nodes[nd]));
    if (*rc::gen::inRange(0, 5) == 0) kci.refuse["g" + std::to_string(i)] = *rc::gen::element<std::string>("Throttling", "InternalError", "InvalidAction");
  }
  kci.page_size = *rc::gen::inRange<std::size_t>(1, 101);
  CleanupOptions o;
  o.cluster_id = *rc::gen::element<std::string>("c1", "c2", "c10");
  o.node = *rc::gen::element<std::string>("", "vk-a", "vk-b");
  o.dry_run = *rc::gen::inRange(0, 4) == 0;
  const auto before = kci.groups;

  auto r = run_cleanup(kci, kCtx, o);
  RC_ASSERT(r.ok());
  std::set<std::string> mine, deleted(kci.deleted.begin(), kci.deleted.end()), failed;
  for (const auto& g : before) {
    std::optional<std::string> cluster, node;
    for (const auto& l : g.labels) {
      if (l.key == "cluster-id") cluster = l.value;
      if (l.key == "node-name") node = l.value;
    }
    if (cluster == o.cluster_id && (o.node.empty() || node == o.node)) mine.insert(g.container_group_id);
  }
  for (const auto& f : r->failed) failed.insert(f.target.container_group_id);
  RC_ASSERT(r->selected.size() == mine.size());
  if (o.dry_run) {
    RC_ASSERT(kci.deleted.empty());
    RC_ASSERT(r->deleted.empty());
    return;
  }
  for (const auto& id : deleted) RC_ASSERT(mine.count(id) == 1u);
  for (const auto& id : mine) RC_ASSERT((deleted.count(id) == 1u) != (failed.count(id) == 1u));
  for (const auto& id : failed) RC_ASSERT(kci.refuse.count(id) == 1u);
  RC_ASSERT(kci.groups.size() == before.size() - deleted.size());
  for (const auto& g : kci.groups) RC_ASSERT(mine.count(g.container_group_id) == 0u || failed.count(g.container_group_id) == 1u);
}

}  // namespace
}  // namespace kci::cleanup
