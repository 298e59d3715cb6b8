// The virtual kubelet's own cost (issue 6's micro benchmark): N pods bound to one virtual
// node, reconciled by one provider against the in-process API server and fake cloud with no
// cloud latency, until every pod is Running. The simulated clock makes waiting free, so the
// time measured is the provider's work plus the stand-ins' (creates, batched describes,
// status writes), not sleeps. Items = pods, so items/s = pods reconciled per second.
#include <benchmark/benchmark.h>

#include "core/kci/catalogue.h"
#include "core/runtime/executor.h"
#include "fake-apiserver/api_server.h"
#include "fake-apiserver/inprocess_client.h"
#include "fake-kci/fake_cloud.h"
#include "provider/vk/virtual_kubelet.h"

namespace {

using kci::kube::Json;
constexpr const char* kNode = "vk-bench";

Json bound_pod(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{"app", "burst"}}}}},
          {"spec",
           {{"nodeName", kNode},
            {"containers",
             {{{"name", "app"},
               {"image", "nginx:1.25"},
               {"resources", {{"requests", {{"cpu", "1"}, {"memory", "2Gi"}}}}}}}}}}};
}

void BM_ProviderReconcile(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    kci::SimExecutor ex;
    kci::apiserver::ApiServer server(ex);
    kci::apiserver::InProcessClient client(server);
    auto cfg = kci::fake_kci::CloudConfig::defaults();
    cfg.latency.create = kci::Duration(0);
    cfg.latency.start = kci::Duration(0);
    cfg.quotas.container_groups = n + 10;
    kci::fake_kci::FakeKciCloud cloud(cfg, ex.clock(), 1);
    kci::vk::VirtualKubeletOptions o;
    o.settings.node_name = kNode;
    o.settings.cluster_id = "c1";
    o.settings.region = "cn-beijing-6";
    o.settings.access_key = "AKowner";
    o.settings.secret_key = "SKowner";
    o.settings.subnet_ids = {"subnet-cn-beijing-6a"};
    o.settings.security_group_ids = {"sg-default"};
    o.kci_qps = 1e9;  // the provider's own limit is not what is measured
    o.kci_burst = 1e9;
    kci::vk::VirtualKubelet vk(o, client, cloud, ex, kci::Rng(1), kci::kcicloud::default_catalogue());
    (void)vk.start();
    ex.run_for(std::chrono::seconds(1));
    for (int i = 0; i < n; ++i) (void)client.create(kci::kube::pods("default"), bound_pod("p" + std::to_string(i)));
    state.ResumeTiming();
    int running = 0;
    for (int step = 0; step < 600 && running < n; ++step) {
      ex.run_for(std::chrono::seconds(1));
      running = 0;
      for (const auto& [key, rec] : vk.groups()) running += rec.status == "Running";
    }
    state.PauseTiming();
    if (running < n) state.SkipWithError("not every pod reached Running within 600 simulated seconds");
    vk.stop();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_ProviderReconcile)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace
