// Selector parse and match rates, and effective pod requests per second: the fake API
// server filters every list and watch event with a selector, and its scheduler computes
// requests for every pod it places.
#include <benchmark/benchmark.h>

#include "core/k8s/resources.h"
#include "core/k8s/selector.h"

namespace kci::k8s {
namespace {

const char* kSelector = "app=web,tier in (frontend,cache),!canary,release notin (beta),k8s.ksyun.com/pool";

void BM_SelectorParse(benchmark::State& state) {
  for (auto _ : state) {
    auto s = Selector::parse(kSelector);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SelectorParse);

void BM_SelectorMatch(benchmark::State& state) {
  const Selector s = Selector::parse(kSelector).value_or(Selector::nothing());
  const StringMap labels{{"app", "web"},
                         {"tier", "cache"},
                         {"release", "stable"},
                         {"k8s.ksyun.com/pool", "burst"},
                         {"pod-template-hash", "6d4cf56db6"},
                         {"app.kubernetes.io/name", "web"}};
  for (auto _ : state) benchmark::DoNotOptimize(s.matches(labels));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SelectorMatch);

void BM_FieldSelectorMatch(benchmark::State& state) {
  const FieldSelector f = FieldSelector::parse("spec.nodeName=vk-1,status.phase!=Succeeded").value_or(FieldSelector());
  Pod pod;
  pod.metadata.name = "p";
  pod.spec.nodeName = "vk-1";
  pod.status.phase = "Running";
  for (auto _ : state) benchmark::DoNotOptimize(f.matches(selectable_fields(pod)));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FieldSelectorMatch);

Pod sample_pod() {
  Pod pod;
  auto container = [](const char* name, std::int64_t milli, std::int64_t mib) {
    Container c;
    c.name = name;
    c.resources.requests["cpu"] = Quantity::from_milli(milli);
    c.resources.requests["memory"] = Quantity::from_bytes(mib << 20);
    c.resources.limits["cpu"] = Quantity::from_milli(2 * milli);
    return c;
  };
  pod.spec.initContainers = {container("init", 1000, 256), container("sidecar", 100, 64)};
  pod.spec.initContainers[1].restartPolicy = "Always";
  pod.spec.containers = {container("app", 500, 512), container("log", 100, 128)};
  pod.spec.overhead["cpu"] = Quantity::from_milli(250);
  return pod;
}

void BM_PodRequests(benchmark::State& state) {
  const Pod pod = sample_pod();
  for (auto _ : state) benchmark::DoNotOptimize(pod_requests(pod));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PodRequests);

void BM_PodNonZeroRequests(benchmark::State& state) {
  const Pod pod = sample_pod();
  for (auto _ : state) benchmark::DoNotOptimize(pod_non_zero_requests(pod));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PodNonZeroRequests);

}  // namespace
}  // namespace kci::k8s
