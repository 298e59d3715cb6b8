// Quantity parse and print throughput for the values pods actually carry: CPU in
// milli-cores ("100m"), memory in binary SI ("1.5Gi") and plain units ("4").
#include <benchmark/benchmark.h>

#include <string>
#include <string_view>

#include "core/k8s/quantity.h"

namespace {

using kci::k8s::Quantity;

constexpr std::string_view kTypical[] = {"100m", "1.5Gi", "4"};

void BM_QuantityParse(benchmark::State& state) {
  const std::string_view text = kTypical[state.range(0)];
  for (auto _ : state) {
    auto q = Quantity::parse(text);
    benchmark::DoNotOptimize(q);
  }
  state.SetLabel(std::string(text));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_QuantityParse)->DenseRange(0, 2);

void BM_QuantityPrint(benchmark::State& state) {
  const std::string_view text = kTypical[state.range(0)];
  const Quantity q = *Quantity::parse(text);
  for (auto _ : state) {
    auto s = q.to_string();
    benchmark::DoNotOptimize(s);
  }
  state.SetLabel(std::string(text) + " -> " + q.to_string());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_QuantityPrint)->DenseRange(0, 2);

// The slow path: many digits and a fraction finer than a nano-unit, rounded up.
void BM_QuantityParseLongFraction(benchmark::State& state) {
  const std::string text = "123456789.123456789123456789123456789Ki";
  for (auto _ : state) {
    auto q = Quantity::parse(text);
    benchmark::DoNotOptimize(q);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_QuantityParseLongFraction);

}  // namespace
