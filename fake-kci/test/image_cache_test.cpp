// Image caches in the fake cloud: CreateImageCache / DescribeImageCaches / DeleteImageCache,
// the match AutoMatchImageCache makes, an explicit ImageCacheId, the shorter start and
// seed 003's image-cache events (镜像缓存(ImageCache)相关事件).
#include <gtest/gtest.h>

#include <algorithm>

#include "fake-kci/chaos.h"
#include "fake-kci/fake_cloud.h"
#include "fake-kci/test/cloud_fixture.h"

namespace kci::fake_kci {
namespace {

using namespace kcicloud;
using std::chrono::seconds;

CreateContainerGroupRequest group(const std::string& name, std::vector<std::string> images) {
  return testing::group_request(name, images);
}

struct Caches : testing::CloudTest {
  std::string create_cache(const std::string& name, std::vector<std::string> images) {
    auto r = cloud->create_image_cache(owner, {.image_cache_name = name, .images = std::move(images)});
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? r->image_cache_id : "";
  }
  ImageCache cache(const std::string& id) {
    auto d = cloud->describe_image_caches(owner, {.image_cache_ids = {id}});
    EXPECT_TRUE(d.ok());
    EXPECT_EQ(d->image_caches.size(), 1u);
    return d->image_caches.empty() ? ImageCache{} : d->image_caches.front();
  }
  std::vector<Event> events(const std::string& group_id) {
    auto e = cloud->describe_container_group_events(owner, {group_id});
    EXPECT_TRUE(e.ok());
    return e.ok() ? e->events : std::vector<Event>{};
  }
  static const Event* find(const std::vector<Event>& ev, const std::string& reason) {
    auto it = std::find_if(ev.begin(), ev.end(), [&](const Event& e) { return e.reason == reason; });
    return it == ev.end() ? nullptr : &*it;
  }
  //! How long a group takes from creation to Running, on the virtual clock.
  Duration time_to_running(const std::string& id) {
    const TimePoint start = clock.now();
    for (int i = 0; i < 10; ++i) {
      auto d = cloud->describe_container_group(owner, {.container_group_ids = {id}});
      if (d.ok() && d->container_groups.at(0).status == "Running") return clock.now() - start;
      auto next = cloud->next_event_time();
      if (!next) break;
      clock.advance_to(*next);
    }
    ADD_FAILURE() << "group " << id << " never ran";
    return Duration::max();
  }
};

TEST_F(Caches, CreateIsCreatingThenReadyWithSeedEvents) {
  const auto id = create_cache("nginx-cache", {"nginx:1.7.9"});
  ASSERT_EQ(id.rfind("imc-", 0), 0u);
  EXPECT_TRUE(is_image_cache_id(id));
  auto c = cache(id);
  EXPECT_EQ(c.status, "Creating");
  EXPECT_EQ(c.image_cache_name, "nginx-cache");
  EXPECT_EQ(c.images, std::vector<std::string>{"nginx:1.7.9"});
  EXPECT_EQ(c.image_cache_size_gb, 20);
  EXPECT_EQ(c.progress, 0);
  ASSERT_EQ(c.events.size(), 1u);
  // Seed 003: "ImageCacheCreate Normal Snapshot [%s] of image cache has been created, waiting for the completion of it".
  EXPECT_EQ(c.events[0].reason, "ImageCacheCreate");
  EXPECT_EQ(c.events[0].message,
            "Snapshot [" + c.snapshot_id + "] of image cache has been created, waiting for the completion of it");
  ASSERT_TRUE(cloud->next_event_time().has_value());
  EXPECT_EQ(*cloud->next_event_time(), clock.now() + seconds(60));
  clock.advance(seconds(30));
  EXPECT_EQ(cache(id).progress, 50);
  clock.advance(seconds(30));
  c = cache(id);
  EXPECT_EQ(c.status, "Ready");
  EXPECT_EQ(c.progress, 100);
  ASSERT_EQ(c.events.size(), 2u);
  // Seed 003: "ImageCacheFinished Normal Image cache [%s] has been made successfully".
  EXPECT_EQ(c.events[1].reason, "ImageCacheFinished");
  EXPECT_EQ(c.events[1].message, "Image cache [" + id + "] has been made successfully");
  EXPECT_FALSE(cloud->next_event_time().has_value());
}

TEST_F(Caches, CreateRefusesBadParametersNamingThem) {
  auto reason = [&](CreateImageCacheRequest r) {
    auto res = cloud->create_image_cache(owner, r);
    return res.ok() ? std::string("ok") : res.error().reason + ": " + res.error().message;
  };
  EXPECT_NE(reason({.image_cache_name = "Bad_Name", .images = {"nginx"}}).find("ImageCacheName is \"Bad_Name\""),
            std::string::npos);
  EXPECT_NE(reason({.image_cache_name = "c"}).find("Image.N is missing"), std::string::npos);
  EXPECT_NE(reason({.image_cache_name = "c", .images = {"nginx", "docker.io/library/nginx:latest"}})
                .find("Image.2 \"docker.io/library/nginx:latest\" is listed twice"),
            std::string::npos);
  EXPECT_NE(reason({.image_cache_name = "c", .images = {"nginx"}, .image_cache_size_gb = 5}).find("ImageCacheSize is 5"),
            std::string::npos);
  EXPECT_NE(reason({.image_cache_name = "c", .images = {"nginx"}, .retention_days = -1}).find("RetentionDays is -1"),
            std::string::npos);
  std::vector<std::string> many;
  for (int i = 0; i < 21; ++i) many.push_back("img" + std::to_string(i));
  EXPECT_NE(reason({.image_cache_name = "c", .images = many}).find("at most 20"), std::string::npos);
  EXPECT_EQ(reason({.image_cache_name = "c", .images = {"nginx"}, .project_id = "42"}).substr(0, 12), "ok");
  auto stranger = cloud->create_image_cache({"AKnobody", ""}, {.image_cache_name = "c", .images = {"nginx"}});
  ASSERT_FALSE(stranger.ok());
  EXPECT_EQ(stranger.error().reason, "InvalidAccessKeyId");
}

TEST_F(Caches, DescribeFiltersByIdNameImageAndMatch) {
  const auto a = create_cache("web", {"nginx:1.7.9"});
  const auto b = create_cache("web-and-redis", {"nginx:1.7.9", "redis"});
  const auto c = create_cache("busy", {"busybox:1.36"});
  auto ids = [&](const DescribeImageCachesRequest& r) {
    auto d = cloud->describe_image_caches(owner, r);
    EXPECT_TRUE(d.ok());
    std::vector<std::string> out;
    for (const auto& x : d->image_caches) out.push_back(x.image_cache_id);
    return out;
  };
  EXPECT_EQ(ids({}), (std::vector<std::string>{a, b, c}));
  EXPECT_EQ(ids({.image_cache_ids = {c, a}}), (std::vector<std::string>{a, c}));
  EXPECT_EQ(ids({.image_cache_name = "busy"}), (std::vector<std::string>{c}));
  // "redis" and "docker.io/library/redis:latest" are the same image.
  EXPECT_EQ(ids({.image = "docker.io/library/redis:latest"}), (std::vector<std::string>{b}));
  EXPECT_EQ(ids({.image = "nginx:1.7.9"}), (std::vector<std::string>{a, b}));
  // MatchImage lists Ready caches only.
  EXPECT_TRUE(ids({.match_images = {"nginx:1.7.9"}}).empty());
  clock.advance(seconds(60));
  // The tightest cover first: "web" holds nothing else.
  EXPECT_EQ(ids({.match_images = {"nginx:1.7.9"}}), (std::vector<std::string>{a, b}));
  EXPECT_EQ(ids({.match_images = {"nginx:1.7.9", "redis:latest"}}), (std::vector<std::string>{b}));
  EXPECT_TRUE(ids({.match_images = {"nginx:1.25"}}).empty());
  // Among equally tight covers the newest wins.
  const auto a2 = create_cache("web-2", {"nginx:1.7.9"});
  clock.advance(seconds(60));
  EXPECT_EQ(ids({.match_images = {"nginx:1.7.9"}}), (std::vector<std::string>{a2, a, b}));
}

TEST_F(Caches, DeleteRemovesAndUnknownIdsAreNotFound) {
  const auto id = create_cache("web", {"nginx"});
  auto del = cloud->delete_image_cache(owner, {id});
  ASSERT_TRUE(del.ok());
  auto d = cloud->describe_image_caches(owner, {});
  EXPECT_TRUE(d->image_caches.empty());
  auto again = cloud->delete_image_cache(owner, {id});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().reason, "ImageCacheNotFound");
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
  EXPECT_NE(again.error().message.find("The specified image cache \"" + id + "\" does not exist"), std::string::npos);
  auto missing = cloud->delete_image_cache(owner, {""});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().reason, "MissingParameter");
}

TEST_F(Caches, AutoMatchStartsFasterWithHitEvent) {
  const auto id = create_cache("web", {"nginx:1.7.9"});
  clock.advance(seconds(60));
  auto with_cache = group("cached", {"nginx:1.7.9"});
  with_cache.auto_match_image_cache = true;
  auto cached = cloud->create_container_group(owner, with_cache);
  ASSERT_TRUE(cached.ok()) << cached.error().message;
  // Default latencies: 2 s create, then 1 s to attach the cache instead of an 8 s pull.
  EXPECT_EQ(time_to_running(cached->container_group_id), seconds(3));
  auto ev = events(cached->container_group_id);
  // Seed 003: "SuccessfulHitImageCache Normal Successfully hit image cache %s".
  const Event* hit = find(ev, "SuccessfulHitImageCache");
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->type, "Normal");
  EXPECT_EQ(hit->message, "Successfully hit image cache " + id);
  EXPECT_EQ(find(ev, "Pulling"), nullptr);
  ASSERT_NE(find(ev, "Pulled"), nullptr);
  EXPECT_EQ(find(ev, "Pulled")->message, "Container image nginx:1.7.9 already present in image cache " + id);
  EXPECT_FALSE(cache(id).last_matched_time.empty());

  auto plain = cloud->create_container_group(owner, group("plain", {"nginx:1.7.9"}));
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(time_to_running(plain->container_group_id), seconds(10));
  EXPECT_EQ(find(events(plain->container_group_id), "SuccessfulHitImageCache"), nullptr);
}

TEST_F(Caches, AutoMatchMissesWhenNoReadyCacheHoldsEveryImage) {
  create_cache("web", {"nginx:1.7.9"});  // still Creating
  auto r = group("missed", {"nginx:1.7.9"});
  r.auto_match_image_cache = true;
  auto g = cloud->create_container_group(owner, r);
  ASSERT_TRUE(g.ok());
  auto ev = events(g->container_group_id);
  // Seed 003: "ImageCacheMissed Warning Missed image cache".
  const Event* missed = find(ev, "ImageCacheMissed");
  ASSERT_NE(missed, nullptr);
  EXPECT_EQ(missed->type, "Warning");
  EXPECT_EQ(missed->message, "Missed image cache");
  EXPECT_EQ(time_to_running(g->container_group_id), seconds(10));
  // A Ready cache lacking one of the images is no match either.
  clock.advance(seconds(60));
  auto two = group("two", {"nginx:1.7.9", "redis:7"});
  two.auto_match_image_cache = true;
  auto g2 = cloud->create_container_group(owner, two);
  ASSERT_TRUE(g2.ok());
  EXPECT_NE(find(events(g2->container_group_id), "ImageCacheMissed"), nullptr);
}

TEST_F(Caches, ExplicitIdMustExistAndBeReady) {
  auto r = group("pinned", {"nginx:1.7.9"});
  r.image_cache_id = "imc-doesnotexist";
  auto unknown = cloud->create_container_group(owner, r);
  ASSERT_FALSE(unknown.ok());
  // Seed 003: "ImageCacheNotFound Warning The specified image cache %s does not exist".
  EXPECT_EQ(unknown.error().reason, "ImageCacheNotFound");
  EXPECT_NE(unknown.error().message.find("The specified image cache imc-doesnotexist does not exist"), std::string::npos);
  EXPECT_EQ(cloud->usage().container_groups, 0);

  r.image_cache_id = create_cache("web", {"nginx:1.7.9"});
  auto early = cloud->create_container_group(owner, r);
  ASSERT_FALSE(early.ok());
  // Seed 003: "ImageCacheNotComplete Normal The production for specified image cache %s is not yet complete".
  EXPECT_EQ(early.error().reason, "ImageCacheNotComplete");
  EXPECT_EQ(early.error().code, ErrorCode::kConflict);  // transient: retried until Ready
  EXPECT_NE(early.error().message.find("The production for specified image cache " + r.image_cache_id +
                                       " is not yet complete"),
            std::string::npos);
  EXPECT_EQ(cloud->usage().container_groups, 0);

  clock.advance(seconds(60));
  auto ok = cloud->create_container_group(owner, r);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_NE(find(events(ok->container_group_id), "SuccessfulHitImageCache"), nullptr);
  EXPECT_EQ(time_to_running(ok->container_group_id), seconds(3));
}

TEST_F(Caches, ExplicitIdMissingAnImageStillPullsIt) {
  auto r = group("partial", {"nginx:1.7.9", "redis:7"});
  r.image_cache_id = create_cache("web", {"nginx:1.7.9"});
  clock.advance(seconds(60));
  auto g = cloud->create_container_group(owner, r);
  ASSERT_TRUE(g.ok());
  EXPECT_NE(find(events(g->container_group_id), "SuccessfulHitImageCache"), nullptr);
  EXPECT_EQ(time_to_running(g->container_group_id), seconds(10));
}

TEST_F(Caches, DeletedCacheEliminatedFromWaitingGroups) {
  const auto id = create_cache("web", {"nginx:1.7.9"});
  clock.advance(seconds(60));
  auto r = group("waiting", {"nginx:1.7.9"});
  r.auto_match_image_cache = true;
  auto g = cloud->create_container_group(owner, r);
  ASSERT_TRUE(g.ok());
  clock.advance(seconds(1));
  ASSERT_TRUE(cloud->delete_image_cache(owner, {id}).ok());
  auto ev = events(g->container_group_id);
  // Seed 003: "ImageCacheEliminated Warning Current imageCache is eliminated".
  const Event* gone = find(ev, "ImageCacheEliminated");
  ASSERT_NE(gone, nullptr);
  EXPECT_EQ(gone->message, "Current imageCache is eliminated");
  // It pulls instead: 2 s create + 8 s pull from its pull time.
  EXPECT_EQ(time_to_running(g->container_group_id), seconds(9));
}

TEST_F(Caches, RetentionExpiresTheCache) {
  auto r = cloud->create_image_cache(owner, {.image_cache_name = "short", .images = {"nginx"}, .retention_days = 1});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(cache(r->image_cache_id).expire_date_time.empty());
  clock.advance(std::chrono::hours(24));
  EXPECT_EQ(cache(r->image_cache_id).status, "Expired");
  auto pinned = group("late", {"nginx"});
  pinned.image_cache_id = r->image_cache_id;
  auto g = cloud->create_container_group(owner, pinned);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().reason, "ImageCacheEliminated");
  pinned.image_cache_id.clear();
  pinned.auto_match_image_cache = true;
  auto m = cloud->create_container_group(owner, pinned);
  ASSERT_TRUE(m.ok());
  EXPECT_NE(find(events(m->container_group_id), "ImageCacheMissed"), nullptr);
}

TEST_F(Caches, ConfiguredCachesExistAtTheStart) {
  make(R"(
latency: {start: 60s, imageCacheStart: 2s, imageCacheCreate: 5m}
imageCaches:
  - {name: nginx-cache, id: imc-2ze5tm5gehgtiiga, images: [nginx:1.7.9]}
  - {name: later, images: [redis], readyAfter: 30s, retentionDays: 7, sizeGb: 40}
)");
  auto d = cloud->describe_image_caches(owner, {});
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->image_caches.size(), 2u);
  EXPECT_EQ(d->image_caches[0].image_cache_id, "imc-2ze5tm5gehgtiiga");
  EXPECT_EQ(d->image_caches[0].status, "Ready");
  EXPECT_EQ(d->image_caches[1].status, "Creating");
  EXPECT_EQ(d->image_caches[1].image_cache_size_gb, 40);
  EXPECT_FALSE(d->image_caches[1].expire_date_time.empty());
  auto r = group("cached", {"nginx:1.7.9"});
  r.image_cache_id = "imc-2ze5tm5gehgtiiga";
  auto g = cloud->create_container_group(owner, r);
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_EQ(time_to_running(g->container_group_id), seconds(4));
  auto made = cloud->create_image_cache(owner, {.image_cache_name = "x", .images = {"busybox"}});
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(*cloud->next_event_time(), clock.now() + seconds(26));  // "later" becomes Ready first
}

TEST_F(Caches, ChaosPassesImageCacheCallsThrough) {
  ChaosKciApi chaos(*cloud, clock, FaultConfig{}, 1);
  auto made = chaos.create_image_cache(owner, {.image_cache_name = "web", .images = {"nginx"}});
  ASSERT_TRUE(made.ok());
  auto d = chaos.describe_image_caches(owner, {.image_cache_ids = {made->image_cache_id}});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->image_caches.size(), 1u);
  EXPECT_TRUE(chaos.delete_image_cache(owner, {made->image_cache_id}).ok());
}

TEST(ImageCacheConfig, RefusesBadEntriesNamingThem) {
  auto msg = [](const std::string& yaml) {
    auto c = parse_cloud_config(yaml);
    return c.ok() ? std::string("ok") : c.error().message;
  };
  EXPECT_NE(msg("imageCaches: {a: b}").find("kci.imageCaches is not a list"), std::string::npos);
  EXPECT_NE(msg("imageCaches: [{name: x}]").find("kci.imageCaches[0] is incomplete"), std::string::npos);
  EXPECT_NE(msg("imageCaches: [{name: x, images: []}]").find("kci.imageCaches[0].images"), std::string::npos);
  EXPECT_NE(msg("imageCaches: [{name: x, images: [a], id: cache-1}]").find("kci.imageCaches[0].id is \"cache-1\""),
            std::string::npos);
  EXPECT_NE(msg("imageCaches: [{name: x, images: [a], colour: red}]").find("unknown key \"colour\""), std::string::npos);
  EXPECT_NE(msg("imageCaches: [{name: x, images: [a], sizeGb: 5}]").find("kci.imageCaches[0].sizeGb is 5"),
            std::string::npos);
  EXPECT_NE(msg("imageCaches: [{name: x, images: [a]}, {name: x, images: [b]}]").find("twice"), std::string::npos);
  EXPECT_NE(msg("latency: {imageCacheStart: soon}").find("kci.latency.imageCacheStart"), std::string::npos);
  EXPECT_EQ(msg("imageCaches: [{name: x, images: [a], id: imc-abc123, readyAfter: 10s}]"), "ok");
}

}  // namespace
}  // namespace kci::fake_kci
