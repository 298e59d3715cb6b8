// Prioritize calls per second with 1,000 candidate nodes (issue 7), decoding the
// ExtenderArgs body each time as the HTTP server does.
#include <benchmark/benchmark.h>

#include <string>

#include "core/extender/protocol.h"

namespace {

using kci::extender::NodeDirectory;
using kci::k8s::Json;

class Directory : public NodeDirectory {
 public:
  std::optional<bool> is_virtual(const std::string& n) const override { return n.rfind("vk-", 0) == 0; }
};

std::string body(int nodes, bool by_name) {
  Json args = {{"Pod", {{"metadata", {{"name", "p"}, {"namespace", "default"}}},
                        {"spec", {{"containers", {{{"name", "c"}, {"image", "nginx"}}}}}}}}};
  Json items = Json::array(), names = Json::array();
  for (int i = 0; i < nodes; ++i) {
    const bool v = i % 100 == 0;  // 10 virtual nodes among 1,000
    const std::string name = (v ? "vk-" : "node-") + std::to_string(i);
    names.push_back(name);
    Json labels = {{"kubernetes.io/hostname", name}, {"kubernetes.io/role", v ? "agent" : "node"}};
    if (v) labels["type"] = "virtual-kubelet";
    items.push_back({{"metadata", {{"name", name}, {"labels", labels}}},
                     {"status", {{"allocatable", {{"cpu", "8"}, {"memory", "32Gi"}, {"pods", "110"}}}}}});
  }
  if (by_name) {
    args["Nodes"] = nullptr;
    args["NodeNames"] = names;
  } else {
    args["Nodes"] = {{"items", items}};
    args["NodeNames"] = nullptr;
  }
  return args.dump();
}

void run(benchmark::State& state, bool by_name) {
  const std::string b = body(static_cast<int>(state.range(0)), by_name);
  const auto config = *kci::extender::parse_config({{"cpulimit", "0.5"}, {"memlimit", "0.7"}});
  kci::extender::WatermarkSnapshot snapshot{.worker_cpu_requested_milli = 600'000,
                                            .worker_cpu_allocatable_milli = 1'000'000};
  Directory dir;
  for (auto _ : state) {
    auto args = kci::extender::parse_body(b);
    auto r = kci::extender::prioritize(*args, config, snapshot, dir);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(b.size()));
}

void BM_PrioritizeNodeList(benchmark::State& state) { run(state, false); }
void BM_PrioritizeNodeNames(benchmark::State& state) { run(state, true); }

}  // namespace

BENCHMARK(BM_PrioritizeNodeList)->Arg(1000);
BENCHMARK(BM_PrioritizeNodeNames)->Arg(1000);
