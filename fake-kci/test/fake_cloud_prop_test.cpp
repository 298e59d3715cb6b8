// Accounting property: whatever happens, stock, quota, IPs and security-group room never
// go negative, and deleting everything gives back exactly what was taken.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "fake-kci/fake_cloud.h"

namespace kci::fake_kci {
namespace {

using namespace kcicloud;

constexpr const char* kConfig = R"(
stock: {cn-beijing-6a: {S6.2B: 3, S6.4B: 2}, cn-beijing-6b: {"*": 2}}
subnets: {subnet-a: {zone: cn-beijing-6a, freeIps: 4}, subnet-b: {zone: cn-beijing-6b, freeIps: 3}}
securityGroups: {sg-1: {maxInstances: 5}, sg-2: {maxInstances: 100}}
quotas: {cpu: 30, memoryGi: 60, containerGroups: 8}
spot: {reclaimAfter: 10m}
createErrorRate: 0.2
scripts: [{image: job, exitAfter: 30s, exitCode: 1}]
)";

void check_non_negative(const FakeKciCloud& c) {
  const Usage u = c.usage();
  RC_ASSERT(u.cpu_milli >= 0);
  RC_ASSERT(u.memory_mib >= 0);
  RC_ASSERT(u.container_groups >= 0);
  for (const auto& [k, v] : u.ips_used) RC_ASSERT(v > 0);
  for (const auto& [k, v] : u.security_group_use) RC_ASSERT(v > 0);
  for (const auto& [z, m] : u.stock_taken)
    for (const auto& [t, v] : m) RC_ASSERT(v > 0);
  for (const char* z : {"cn-beijing-6a", "cn-beijing-6b"})
    for (const char* t : {"S6.2B", "S6.4B", "S6.1A"}) RC_ASSERT(c.stock_left(z, t) >= 0);
  RC_ASSERT(c.free_ips("subnet-a") >= 0);
  RC_ASSERT(c.free_ips("subnet-b") >= 0);
  RC_ASSERT(u.cpu_milli <= 30 * kMilliPerCore);
  RC_ASSERT(u.container_groups <= 8);
}

RC_GTEST_PROP(FakeCloudAccounting, NeverNegativeAndExactlyRestored, (std::uint64_t seed)) {
  VirtualClock clock;
  auto cfg = parse_cloud_config(kConfig);
  RC_ASSERT(cfg.ok());
  FakeKciCloud cloud(*cfg, clock, seed);
  const CallContext owner{"AKowner", ""};
  const Usage empty = cloud.usage();
  std::map<std::string, std::int64_t> stock0;
  for (const char* z : {"cn-beijing-6a", "cn-beijing-6b"})
    for (const char* t : {"S6.2B", "S6.4B", "S6.1A"}) stock0[std::string(z) + t] = cloud.stock_left(z, t);

  std::vector<std::string> ids;
  const int steps = *rc::gen::inRange(1, 60);
  for (int i = 0; i < steps; ++i) {
    const int op = *rc::gen::inRange(0, 5);
    if (op <= 1) {
      CreateContainerGroupRequest r;
      r.container_group_name = "g" + std::to_string(i);
      r.multi_subnet_ids = *rc::gen::element(std::vector<std::string>{"subnet-a"}, std::vector<std::string>{"subnet-b"},
                                             std::vector<std::string>{"subnet-a", "subnet-b"});
      r.security_group_ids = {*rc::gen::element<std::string>("sg-1", "sg-2")};
      r.instance_type = *rc::gen::element<std::string>("S6.2B", "S6.4B", "S6.1A");
      if (*rc::gen::arbitrary<bool>()) {
        r.charge_type = "Spot";
        r.spot_strategy = "SpotAsPriceGo";
      }
      r.restart_policy = *rc::gen::element<std::string>("Always", "Never", "OnFailure");
      r.containers.push_back(ContainerSpec{.name = "c", .image = *rc::gen::element<std::string>("job:1", "web:1")});
      if (*rc::gen::arbitrary<bool>()) r.client_token = "t" + std::to_string(*rc::gen::inRange(0, 4));
      auto res = cloud.create_container_group(owner, r);
      if (res.ok() && std::find(ids.begin(), ids.end(), res->container_group_id) == ids.end()) {
        ids.push_back(res->container_group_id);
      }
    } else if (op == 2 && !ids.empty()) {
      const auto k = *rc::gen::inRange<std::size_t>(0, ids.size());
      RC_ASSERT(cloud.delete_container_group(owner, {ids[k]}).ok());
      ids.erase(ids.begin() + static_cast<std::ptrdiff_t>(k));
    } else if (op == 3 && !ids.empty()) {
      (void)cloud.reclaim_spot(ids[*rc::gen::inRange<std::size_t>(0, ids.size())]);
    } else {
      clock.advance(std::chrono::seconds(*rc::gen::inRange(0, 400)));
      cloud.advance();
    }
    check_non_negative(cloud);
  }
  for (const auto& id : ids) RC_ASSERT(cloud.delete_container_group(owner, {id}).ok());
  RC_ASSERT(cloud.usage() == empty);
  for (const char* z : {"cn-beijing-6a", "cn-beijing-6b"})
    for (const char* t : {"S6.2B", "S6.4B", "S6.1A"}) RC_ASSERT(cloud.stock_left(z, t) == stock0[std::string(z) + t]);
  RC_ASSERT(cloud.free_ips("subnet-a") == 4);
  RC_ASSERT(cloud.free_ips("subnet-b") == 3);
  RC_ASSERT(!cloud.next_event_time().has_value());
}

}  // namespace
}  // namespace kci::fake_kci
