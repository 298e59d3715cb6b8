// Micro benchmarks of the fake API server's in-process path: a pod's life through the
// store (create, bind, status update) and one write fanned out to 10 watchers.
#include <benchmark/benchmark.h>

#include "core/runtime/executor.h"
#include "fake-apiserver/api_server.h"
#include "fake-apiserver/inprocess_client.h"

namespace {

using kci::kube::Json;

Json pod(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{"app", "burst"}}}}},
          {"spec",
           {{"containers",
             {{{"name", "app"},
               {"image", "nginx:1.25"},
               {"resources", {{"requests", {{"cpu", "500m"}, {"memory", "512Mi"}}}}}}}}}}};
}

//! Pods per second through create -> bind -> status update (Running), in process.
void BM_PodCreateBindStatus(benchmark::State& state) {
  kci::SimExecutor ex;
  kci::apiserver::ApiServer server(ex);
  kci::apiserver::InProcessClient client(server);
  std::int64_t i = 0;
  for (auto _ : state) {
    const std::string name = "p" + std::to_string(i++);
    auto created = client.create(kci::kube::pods("default"), pod(name));
    auto bound = client.bind(kci::kube::pods("default", name), "vk-1");
    Json s = **bound;
    s["status"]["phase"] = "Running";
    s["status"]["podIP"] = "10.0.0.1";
    auto updated = client.update_status(kci::kube::pods("default", name), std::move(s));
    benchmark::DoNotOptimize(updated);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PodCreateBindStatus);

//! One pod write delivered to 10 watchers (events per second = items x 10).
void BM_WatchFanOut10(benchmark::State& state) {
  kci::SimExecutor ex;
  kci::apiserver::ApiServer server(ex);
  kci::apiserver::InProcessClient client(server);
  std::int64_t delivered = 0;
  std::vector<std::unique_ptr<kci::kube::WatchHandle>> watches;
  kci::kube::WatchOptions o;
  o.resourceVersion = "1";
  for (int w = 0; w < 10; ++w)
    watches.push_back(std::move(client.watch(kci::kube::pods(), o, ex,
                                             [&](const kci::kube::WatchEvent&) { ++delivered; },
                                             [](const kci::Error&) {})
                                    .value()));
  std::int64_t i = 0;
  for (auto _ : state) {
    auto created = client.create(kci::kube::pods("default"), pod("w" + std::to_string(i++)));
    benchmark::DoNotOptimize(created);
    ex.run_until_idle();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["events"] = static_cast<double>(delivered);
}
BENCHMARK(BM_WatchFanOut10);

}  // namespace
