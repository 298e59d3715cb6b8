#include <gtest/gtest.h>

#include "fake-apiserver/test/fixture.h"

namespace kci::apiserver::testing {
namespace {

using kube::pods;

TEST(Watch, FromNowDeliversInOrderOnTheExecutor) {
  Cluster c;
  Recorder r;
  kube::WatchOptions o;
  o.resourceVersion = c.client.list(pods())->resourceVersion;
  auto w = c.client.watch(pods("default"), o, c.ex, r.cb(), r.err());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(c.client.create(pods("default"), pod_json("a")).ok());
  ASSERT_TRUE(c.client.bind(pods("default", "a"), "n").ok());
  ASSERT_TRUE(c.client.remove(pods("default", "a"), {.gracePeriodSeconds = 0}).ok());
  EXPECT_TRUE(r.seen.empty());  // delivered as tasks, not inline
  c.ex.run_until_idle();
  EXPECT_EQ(r.seen, (std::vector<std::string>{"ADDED a", "MODIFIED a", "DELETED a"}));
  // DELETED carries the deletion's own version.
  EXPECT_GT(resource_version_of(*r.events[2].object), resource_version_of(*r.events[1].object));
}

TEST(Watch, WithoutAVersionStartsWithTheCurrentObjects) {
  Cluster c;
  ASSERT_TRUE(c.client.create(pods("default"), pod_json("a")).ok());
  Recorder r;
  auto w = c.client.watch(pods(), {}, c.ex, r.cb(), r.err());
  ASSERT_TRUE(w.ok());
  c.ex.run_until_idle();
  EXPECT_EQ(r.seen, (std::vector<std::string>{"ADDED a"}));
}

TEST(Watch, SendInitialEventsEndsWithTheAnnotatedBookmark) {
  Cluster c;
  ASSERT_TRUE(c.client.create(pods("default"), pod_json("a")).ok());
  Recorder r;
  kube::WatchOptions o;
  o.sendInitialEvents = true;
  o.allowWatchBookmarks = true;
  auto w = c.client.watch(pods(), o, c.ex, r.cb(), r.err());
  ASSERT_TRUE(w.ok());
  c.ex.run_until_idle();
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[1].type, kube::WatchEventType::kBookmark);
  EXPECT_EQ(r.events[1].object->at("metadata")["annotations"]["k8s.io/initial-events-end"], "true");
  EXPECT_EQ(r.events[1].object->at("kind"), "Pod");
  o.allowWatchBookmarks = false;
  EXPECT_FALSE(c.client.watch(pods(), o, c.ex, r.cb(), r.err()).ok());
}

TEST(Watch, PeriodicBookmarksCarryTheLatestVersion) {
  Cluster c;
  Recorder r;
  kube::WatchOptions o;
  o.resourceVersion = "1";
  o.allowWatchBookmarks = true;
  auto w = c.client.watch(kube::nodes(), o, c.ex, r.cb(), r.err());
  ASSERT_TRUE(w.ok());
  c.ex.run_for(std::chrono::seconds(61));
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].type, kube::WatchEventType::kBookmark);
  EXPECT_EQ(resource_version_of(*r.events[0].object), c.server.store().resource_version());
}

TEST(Watch, TooOldVersionIsGoneExpired) {
  ApiServerOptions opts;
  opts.store.history_per_resource = 3;
  Cluster c(opts);
  for (int i = 0; i < 6; ++i)
    ASSERT_TRUE(c.client.create(pods("default"), pod_json("p" + std::to_string(i))).ok());
  Recorder r;
  kube::WatchOptions o;
  o.resourceVersion = "2";
  auto w = c.client.watch(pods(), o, c.ex, r.cb(), r.err());
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, ErrorCode::kGone);
  EXPECT_EQ(w.error().reason, "Expired");
  EXPECT_EQ(kube::status_of(w.error())["code"], 410);
  o.resourceVersion = std::to_string(c.server.store().history_floor("/pods"));
  auto ok = c.client.watch(pods(), o, c.ex, r.cb(), r.err());
  ASSERT_TRUE(ok.ok());
  c.ex.run_until_idle();
  EXPECT_EQ(r.seen.size(), 3u);
}

TEST(Watch, SelectorTransitionsBecomeAddedAndDeleted) {
  Cluster c;
  Recorder r;
  kube::WatchOptions o;
  o.fieldSelector = "spec.nodeName=n1";
  o.resourceVersion = c.client.list(pods())->resourceVersion;
  auto w = c.client.watch(pods(), o, c.ex, r.cb(), r.err());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(c.client.create(pods("default"), pod_json("a")).ok());
  ASSERT_TRUE(c.client.create(pods("default"), pod_json("b")).ok());
  ASSERT_TRUE(c.client.bind(pods("default", "a"), "n1").ok());
  ASSERT_TRUE(c.client.bind(pods("default", "b"), "n2").ok());
  auto a = c.client.get(pods("default", "a"));
  Json s = **a;
  s["status"]["phase"] = "Running";
  ASSERT_TRUE(c.client.update_status(pods("default", "a"), s).ok());
  c.ex.run_until_idle();
  EXPECT_EQ(r.seen, (std::vector<std::string>{"ADDED a", "MODIFIED a"}));

  Recorder lab;
  kube::WatchOptions lo;
  lo.labelSelector = "app=web";
  lo.resourceVersion = c.client.list(pods())->resourceVersion;
  auto lw = c.client.watch(pods(), lo, c.ex, lab.cb(), lab.err());
  ASSERT_TRUE(c.client.patch(pods("default", "b"), kube::PatchType::kMerge,
                             Json{{"metadata", {{"labels", {{"app", "web"}}}}}}).ok());
  ASSERT_TRUE(c.client.patch(pods("default", "b"), kube::PatchType::kMerge,
                             Json{{"metadata", {{"labels", {{"app", "db"}}}}}}).ok());
  c.ex.run_until_idle();
  EXPECT_EQ(lab.seen, (std::vector<std::string>{"ADDED b", "DELETED b"}));
}

TEST(Watch, StopDropsPendingEvents) {
  Cluster c;
  Recorder r;
  kube::WatchOptions o;
  o.resourceVersion = c.client.list(pods())->resourceVersion;
  auto w = c.client.watch(pods(), o, c.ex, r.cb(), r.err());
  ASSERT_TRUE(c.client.create(pods("default"), pod_json("a")).ok());
  (*w)->stop();
  c.ex.run_until_idle();
  EXPECT_TRUE(r.seen.empty());
  EXPECT_EQ(c.server.store().watcher_count(), 0u);
}

TEST(Watch, OneObjectByName) {
  Cluster c;
  Recorder r;
  auto w = c.client.watch(pods("default", "b"), {}, c.ex, r.cb(), r.err());
  ASSERT_TRUE(c.client.create(pods("default"), pod_json("a")).ok());
  ASSERT_TRUE(c.client.create(pods("default"), pod_json("b")).ok());
  c.ex.run_until_idle();
  EXPECT_EQ(r.seen, (std::vector<std::string>{"ADDED b"}));
}

}  // namespace
}  // namespace kci::apiserver::testing
