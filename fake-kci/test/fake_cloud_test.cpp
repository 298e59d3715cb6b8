#include "fake-kci/fake_cloud.h"

#include <gtest/gtest.h>

#include "fake-kci/test/cloud_fixture.h"

namespace kci::fake_kci {
namespace {

using namespace kcicloud;
using std::chrono::seconds;

CreateContainerGroupRequest basic(const std::string& name = "web-1") { return testing::group_request(name); }

struct Cloud : testing::CloudTest {
  std::string reason_of(const CreateContainerGroupRequest& r, const CallContext& ctx) {
    auto res = cloud->create_container_group(ctx, r);
    return res.ok() ? "ok" : res.error().reason;
  }
  std::string reason_of(const CreateContainerGroupRequest& r) { return reason_of(r, owner); }
  ContainerGroup describe(const std::string& id) {
    auto d = cloud->describe_container_group(owner, {.container_group_ids = {id}});
    EXPECT_TRUE(d.ok());
    EXPECT_EQ(d->container_groups.size(), 1u);
    return d->container_groups.at(0);
  }
};

TEST_F(Cloud, LifecyclePendingPullingRunning) {
  auto r = cloud->create_container_group(owner, basic());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(describe(r->container_group_id).status, "Pending");
  ASSERT_TRUE(cloud->next_event_time().has_value());
  EXPECT_EQ(*cloud->next_event_time(), clock.now() + seconds(2));
  clock.advance(seconds(2));
  EXPECT_EQ(describe(r->container_group_id).status, "ImagePulling");
  clock.advance_to(*cloud->next_event_time());
  const auto g = describe(r->container_group_id);
  EXPECT_EQ(g.status, "Running");
  EXPECT_EQ(g.instance_type, "S6.4B");
  EXPECT_EQ(g.cpu, 4);
  EXPECT_EQ(g.memory, 8);
  EXPECT_EQ(g.containers.at(0).current_state.state, "Running");
  EXPECT_FALSE(g.network_interfaces.at(0).private_ip_address.empty());
  EXPECT_FALSE(cloud->next_event_time().has_value());
  auto ev = cloud->describe_container_group_events(owner, {r->container_group_id});
  ASSERT_TRUE(ev.ok());
  std::vector<std::string> reasons;
  for (const auto& e : ev->events) reasons.push_back(e.reason);
  EXPECT_EQ(reasons, (std::vector<std::string>{"Scheduled", "Pulling", "Pulled", "Started"}));
}

TEST_F(Cloud, ScriptedExitByRestartPolicy) {
  make("scripts: [{image: job, exitAfter: 30s, exitCode: 0, logs: [hello, world]}, "
       "{image: crash, exitAfter: 5s, exitCode: 3}]");
  auto job = basic("job");
  job.containers[0].image = "job:1";
  job.restart_policy = "Never";
  auto crash = basic("crash");
  crash.containers[0].image = "crash:1";
  crash.restart_policy = "Never";
  auto loop = basic("loop");
  loop.containers[0].image = "crash:1";
  loop.restart_policy = "Always";
  auto a = cloud->create_container_group(owner, job);
  auto b = cloud->create_container_group(owner, crash);
  auto c = cloud->create_container_group(owner, loop);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  clock.advance(seconds(60));
  EXPECT_EQ(describe(a->container_group_id).status, "Succeeded");
  EXPECT_EQ(describe(b->container_group_id).status, "Failed");
  EXPECT_EQ(describe(b->container_group_id).containers[0].current_state.exit_code, 3);
  const auto l = describe(c->container_group_id);
  EXPECT_EQ(l.status, "Running");
  EXPECT_GE(l.containers[0].restart_count, 1);
  auto log = cloud->describe_container_log(owner, {a->container_group_id, "nginx", 2});
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->content, "world\n" + std::string(log->content.substr(6)));
  EXPECT_NE(log->content.find("exited with code 0"), std::string::npos);
  // Terminal groups give their host back but keep quota and IP until deleted.
  EXPECT_EQ(cloud->usage().stock_taken["cn-beijing-6a"]["S6.4B"], 1);
  EXPECT_EQ(cloud->usage().container_groups, 3);
}

TEST_F(Cloud, CreateErrorReleasesStock) {
  make("scripts: [{image: broken, createError: true}]");
  auto r = basic();
  r.containers[0].image = "broken:1";
  auto res = cloud->create_container_group(owner, r);
  ASSERT_TRUE(res.ok());
  clock.advance(seconds(20));
  EXPECT_EQ(describe(res->container_group_id).status, "CreateError");
  EXPECT_TRUE(cloud->usage().stock_taken.empty());
}

TEST_F(Cloud, SpotReclaimAnnouncedThenFailed) {
  make("spot: {reclaimAfter: 1h}");
  auto r = basic();
  r.charge_type = "Spot";
  r.spot_strategy = "SpotAsPriceGo";
  auto res = cloud->create_container_group(owner, r);
  ASSERT_TRUE(res.ok()) << res.error().message;
  clock.advance(seconds(3600 - 100));
  auto ev = cloud->describe_container_group_events(owner, {res->container_group_id});
  EXPECT_EQ(ev->events.back().reason, "SpotToBeReleased");
  EXPECT_EQ(describe(res->container_group_id).status, "Running");
  clock.advance(seconds(100));
  EXPECT_EQ(describe(res->container_group_id).status, "Failed");
  EXPECT_TRUE(cloud->usage().stock_taken.empty());
}

TEST_F(Cloud, IdempotentClientToken) {
  auto r = basic();
  r.client_token = "tok-1";
  auto a = cloud->create_container_group(owner, r);
  auto b = cloud->create_container_group(owner, r);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->container_group_id, b->container_group_id);
  EXPECT_EQ(cloud->usage().container_groups, 1);
  r.container_group_name = "other";
  auto c = cloud->create_container_group(owner, r);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().reason, "InvalidParameter");
}

TEST_F(Cloud, RefusalsInvalidParameter) {
  auto r = basic();
  r.security_group_ids = {"sg-default", "sg-a", "sg-b", "sg-c"};
  auto res = cloud->create_container_group(owner, r);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().reason, "InvalidParameter");
  EXPECT_NE(res.error().message.find("SecurityGroupId"), std::string::npos);
  r = basic();
  for (int i = 0; i < 6; ++i) r.containers.push_back(ContainerSpec{.name = "c" + std::to_string(i), .image = "x"});
  res = cloud->create_container_group(owner, r);
  EXPECT_NE(res.error().message.find("at most 5"), std::string::npos);
  r = basic();
  r.instance_type.clear();
  r.cpu = 128;
  r.memory = 1024;
  EXPECT_EQ(reason_of(r), "InvalidParameter");
  r.memory = 512;
  r.cpu = 65;
  res = cloud->create_container_group(owner, r);
  EXPECT_NE(res.error().message.find("above the largest package"), std::string::npos);
  r = basic();
  r.system_disk = SystemDisk{"Local_SSD", 40};  // S6 has no Local_SSD
  res = cloud->create_container_group(owner, r);
  EXPECT_NE(res.error().message.find("SystemDisk.Type"), std::string::npos);
  r = basic();
  r.instance_type.clear();
  r.cpu = 4;
  r.memory = 8;
  r.system_disk = SystemDisk{"Local_SSD", 40};  // I3.4B has it
  auto ok = cloud->create_container_group(owner, r);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(describe(ok->container_group_id).instance_type, "I3.4B");
  r = basic("Bad_Name");
  EXPECT_EQ(reason_of(r), "InvalidParameter");
  r = basic();
  r.system_disk = SystemDisk{"ESSD_SYSTEM_PL2", 100};  // PL2 needs 461-500
  EXPECT_EQ(reason_of(r), "InvalidParameter");
  r = basic();
  r.restart_policy = "Sometimes";
  EXPECT_EQ(reason_of(r), "InvalidParameter");
  r = basic();
  r.containers[0].name = "";
  EXPECT_EQ(reason_of(r), "InvalidParameter");
}

TEST_F(Cloud, RefusalsResources) {
  make(R"(
stock: {cn-beijing-6a: {S6.4B: 1}}
subnets: {subnet-a: {zone: cn-beijing-6a, freeIps: 1}, subnet-b: {zone: cn-beijing-6a, freeIps: 10}}
securityGroups: {sg-1: {maxInstances: 1}, sg-big: {}}
quotas: {cpu: 10, memoryGi: 100, containerGroups: 3}
users: {sub-a: {accessKey: AKsuba, secretKey: SKsuba, projects: ["106123"]}}
)");
  auto r = basic();
  r.subnet_id = "subnet-b";
  r.security_group_ids = {"sg-1"};
  ASSERT_EQ(reason_of(r), "ok");
  auto ev = cloud->describe_container_group_events(owner, {cloud->describe_container_group(owner, {})->container_groups[0].container_group_id});
  EXPECT_EQ(ev->events.back().reason, "StockExhaust");
  r.container_group_name = "second";
  EXPECT_EQ(reason_of(r), "SecurityGroupQuotaFull");
  r.security_group_ids = {"sg-big"};
  EXPECT_EQ(reason_of(r), "NoStock");
  r.instance_type = "S6.2B";
  r.subnet_id = "subnet-a";
  EXPECT_EQ(reason_of(r), "ok");
  r.container_group_name = "third";
  EXPECT_EQ(reason_of(r), "ResourceInsufficient");
  r.subnet_id.clear();
  r.multi_subnet_ids = {"subnet-a", "subnet-b"};  // falls through to the next subnet
  EXPECT_EQ(reason_of(r), "ok");
  r.container_group_name = "fourth";
  EXPECT_EQ(reason_of(r), "QuotaExceeded");  // 3 groups
  r.project_id = "999";
  EXPECT_EQ(reason_of(r, CallContext{"AKsuba", ""}), "Unauthorized");
  EXPECT_EQ(reason_of(r, CallContext{"AKnobody", ""}), "InvalidAccessKeyId");
}

TEST_F(Cloud, CpuQuotaAndNoStockWindow) {
  make("quotas: {cpu: 6}\nnoStock: [{zone: cn-beijing-6a, instanceType: S6.2B, at: 0s, for: 1m}]");
  auto r = basic();
  EXPECT_EQ(reason_of(r), "ok");
  r.container_group_name = "b";
  EXPECT_EQ(reason_of(r), "QuotaExceeded");
  r.instance_type = "S6.2B";
  EXPECT_EQ(reason_of(r), "NoStock");
  clock.advance(seconds(61));
  EXPECT_EQ(reason_of(r), "ok");
}

TEST_F(Cloud, ProjectsScopeVisibility) {
  make(R"(users: {sub-a: {accessKey: AKsuba, secretKey: SKsuba, projects: ["106123"]}})");
  const CallContext sub{"AKsuba", ""};
  auto r = basic();
  r.project_id = "106123";
  auto mine = cloud->create_container_group(sub, r);
  ASSERT_TRUE(mine.ok()) << mine.error().message;
  auto other = cloud->create_container_group(owner, basic("owners"));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(cloud->describe_container_group(sub, {})->container_groups.size(), 1u);
  EXPECT_EQ(cloud->describe_container_group(owner, {})->container_groups.size(), 2u);
  EXPECT_EQ(cloud->describe_container_group_count(owner, {{"106123"}})->count, 1);
  EXPECT_EQ(cloud->delete_container_group(sub, {other->container_group_id}).error().reason, "Unauthorized");
  EXPECT_EQ(cloud->describe_container_group(sub, {.project_ids = {"0"}}).error().reason, "Unauthorized");
  clock.advance(seconds(100));
  const Billing b = cloud->billing();
  EXPECT_DOUBLE_EQ(b.at("106123").at("S6.4B"), 100);
  EXPECT_DOUBLE_EQ(b.at("0").at("S6.4B"), 100);
}

TEST_F(Cloud, PaginationWithMarker) {
  for (int i = 0; i < 7; ++i) ASSERT_EQ(reason_of(basic("g" + std::to_string(i))), "ok");
  std::vector<std::string> names;
  std::int64_t marker = 0;
  int pages = 0;
  do {
    auto p = cloud->describe_container_group(owner, {.max_results = 3, .marker = marker});
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->total_count, 7);
    for (const auto& g : p->container_groups) names.push_back(g.container_group_name);
    marker = p->marker;
    ++pages;
  } while (marker != 0);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names, (std::vector<std::string>{"g0", "g1", "g2", "g3", "g4", "g5", "g6"}));
  EXPECT_EQ(cloud->describe_container_group(owner, {.max_results = 101}).error().reason, "InvalidParameter");
  auto f = cloud->describe_container_group(owner, {.filters = {{"status", {"Running"}}}});
  EXPECT_EQ(f->total_count, 0);
  EXPECT_EQ(cloud->describe_container_group(owner, {.filters = {{"colour", {"x"}}}}).error().reason, "InvalidParameter");
}

TEST_F(Cloud, DeleteReturnsEverything) {
  const Usage before = cloud->usage();
  const auto ips = cloud->free_ips("subnet-cn-beijing-6a");
  auto r = cloud->create_container_group(owner, basic());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(cloud->free_ips("subnet-cn-beijing-6a"), ips - 1);
  ASSERT_TRUE(cloud->delete_container_group(owner, {r->container_group_id}).ok());
  EXPECT_EQ(cloud->usage(), before);
  EXPECT_EQ(cloud->free_ips("subnet-cn-beijing-6a"), ips);
  EXPECT_EQ(cloud->delete_container_group(owner, {r->container_group_id}).error().reason, "ContainerGroupNotFound");
}

TEST_F(Cloud, CataloguesAndRegions) {
  auto p = cloud->describe_kci_packages(owner, {});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->packages.size(), 9u);
  EXPECT_EQ(p->packages[0].memories, (std::vector<double>{1, 2, 4}));
  EXPECT_EQ(cloud->describe_kci_packages(owner, {.availability_zone = "mars-1a"}).error().reason, "InvalidParameter");
  auto reg = cloud->describe_regions(owner, {});
  EXPECT_EQ(reg->regions.at(0).zones.size(), 2u);
}

TEST(CloudConfigTest, RefusesUnknownKeysAndBadValues) {
  EXPECT_FALSE(parse_cloud_config("colour: red").ok());
  EXPECT_FALSE(parse_cloud_config("quotas: {cpu: -1}").ok());
  EXPECT_FALSE(parse_cloud_config("latency: {create: soon}").ok());
  EXPECT_FALSE(parse_cloud_config("subnets: {s: {zone: nowhere}}").ok());
  auto ok = parse_cloud_config(R"(
region: cn-beijing-6
zones: [cn-beijing-6a, cn-beijing-6b]
catalogue: default
stock: {cn-beijing-6a: {S6.4B: 10, "*": 1000}}
quotas: {cpu: 1000, memoryGi: 4096, containerGroups: 1000}
subnets: {subnet-a: {zone: cn-beijing-6a, freeIps: 250}}
securityGroups: {sg-1: {maxInstances: 2000}}
owner: {accessKey: AKowner, secretKey: SKowner}
users:
  sub-a: {accessKey: AKsuba, secretKey: SKsuba, projects: ["106123"]}
latency: {create: 2s, start: 8s}
)");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->users.size(), 2u);
  EXPECT_EQ(ok->latency.create, std::chrono::seconds(2));
  EXPECT_EQ(ok->latency.start, std::chrono::seconds(8));
}

}  // namespace
}  // namespace kci::fake_kci
