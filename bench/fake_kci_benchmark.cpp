// Create + describe + delete of one container group against the fake cloud in-process:
// the cost of the fake on the simulator's and the burst bench's fast path.
#include <benchmark/benchmark.h>

#include "core/clock.h"
#include "fake-kci/fake_cloud.h"

namespace {

using namespace kci;
using namespace kci::kcicloud;

void BM_CreateDescribeDelete(benchmark::State& state) {
  VirtualClock clock;
  fake_kci::FakeKciCloud cloud(fake_kci::CloudConfig::defaults(), clock);
  const CallContext owner{"AKowner", ""};
  CreateContainerGroupRequest req;
  req.container_group_name = "bench";
  req.subnet_id = "subnet-cn-beijing-6a";
  req.security_group_ids = {"sg-default"};
  req.instance_type = "S6.4B";
  req.containers.push_back(ContainerSpec{.name = "nginx", .image = "nginx:1.25"});
  // A standing population, so lookups are not against an empty cloud.
  for (int i = 0; i < 1000; ++i) {
    req.container_group_name = "standing-" + std::to_string(i);
    if (!cloud.create_container_group(owner, req).ok()) state.SkipWithError("setup create failed");
  }
  req.container_group_name = "bench";
  for (auto _ : state) {
    auto c = cloud.create_container_group(owner, req);
    if (!c.ok()) {
      state.SkipWithError(c.error().message.c_str());
      break;
    }
    auto d = cloud.describe_container_group(owner, {.container_group_ids = {c->container_group_id}});
    benchmark::DoNotOptimize(d);
    auto x = cloud.delete_container_group(owner, {c->container_group_id});
    benchmark::DoNotOptimize(x);
    clock.advance(std::chrono::milliseconds(1));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CreateDescribeDelete);

}  // namespace
