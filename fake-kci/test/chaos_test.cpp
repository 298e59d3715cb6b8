#include "fake-kci/chaos.h"

#include <gtest/gtest.h>

#include "fake-kci/fake_cloud.h"

namespace kci::fake_kci {
namespace {

using namespace kcicloud;

TEST(Chaos, TokenBucketThrottlesCreate) {
  VirtualClock clock;
  FakeKciCloud cloud(CloudConfig::defaults(), clock);
  FaultConfig f;
  f.create_bucket = {1, 2};  // 1/s, bursts of 2
  ChaosKciApi api(cloud, clock, f, 1);
  const CallContext owner{"AKowner", ""};
  CreateContainerGroupRequest r;
  r.subnet_id = "subnet-cn-beijing-6a";
  r.security_group_ids = {"sg-default"};
  r.instance_type = "S6.1A";
  r.containers.push_back(ContainerSpec{.name = "c", .image = "x"});
  int ok = 0, throttled = 0;
  for (int i = 0; i < 5; ++i) {
    r.container_group_name = "g" + std::to_string(i);
    auto res = api.create_container_group(owner, r);
    if (res.ok()) {
      ++ok;
    } else {
      EXPECT_EQ(res.error().reason, "Throttling");
      EXPECT_EQ(res.error().code, ErrorCode::kThrottled);
      ++throttled;
    }
  }
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(throttled, 3);
  clock.advance(std::chrono::seconds(1));
  r.container_group_name = "later";
  EXPECT_TRUE(api.create_container_group(owner, r).ok());
  EXPECT_TRUE(api.describe_regions(owner, {}).ok());  // describes are not limited
}

TEST(Chaos, ServerErrorShareFollowsSeed) {
  VirtualClock clock;
  FakeKciCloud cloud(CloudConfig::defaults(), clock);
  auto count = [&](std::uint64_t seed) {
    FaultConfig f;
    f.server_error_rate = 0.3;
    ChaosKciApi api(cloud, clock, f, seed);
    int errors = 0;
    for (int i = 0; i < 1000; ++i) {
      auto r = api.describe_regions({"AKowner", ""}, {});
      if (!r.ok()) {
        EXPECT_EQ(r.error().reason, "InternalError");
        EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
        ++errors;
      }
    }
    return errors;
  };
  const int a = count(5);
  EXPECT_EQ(a, count(5));
  EXPECT_GT(a, 230);  // 300 expected; wide bounds keep the test about the share, not luck
  EXPECT_LT(a, 370);
}

TEST(Chaos, TimeoutWindowMayApplyTheCall) {
  VirtualClock clock;
  FakeKciCloud cloud(CloudConfig::defaults(), clock);
  ChaosKciApi api(cloud, clock, {}, 3);
  api.add_window({FaultWindow::Kind::kTimeout, 1.0, clock.now(), clock.now() + std::chrono::minutes(1)});
  CreateContainerGroupRequest r;
  r.subnet_id = "subnet-cn-beijing-6a";
  r.security_group_ids = {"sg-default"};
  r.instance_type = "S6.1A";
  r.containers.push_back(ContainerSpec{.name = "c", .image = "x"});
  for (int i = 0; i < 20; ++i) {
    r.container_group_name = "g" + std::to_string(i);
    auto res = api.create_container_group({"AKowner", ""}, r);
    ASSERT_FALSE(res.ok());
    EXPECT_EQ(res.error().reason, "RequestTimeout");
  }
  const auto n = cloud.usage().container_groups;
  EXPECT_GT(n, 0);   // some took effect
  EXPECT_LT(n, 20);  // some did not
  clock.advance(std::chrono::minutes(2));
  EXPECT_TRUE(api.describe_regions({"AKowner", ""}, {}).ok());
}

}  // namespace
}  // namespace kci::fake_kci
