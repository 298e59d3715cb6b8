// bench_burst: the N-pod burst end to end (issue 11), in-process. N pods are created at once,
// as a Deployment scaled from 0 and as N bare pods, through the whole simulated cluster of
// scenarios/world.h: admission (the profile webhook and a virtualNodeOnly Selector), the
// kube-scheduler with the extender, the virtual kubelets, fake KCI with zero latency, until
// every pod is Running. The simulator's virtual clock runs the timers (status sync every 2 s
// of virtual time); the figures are wall time, so they are the system's own cost.
//
// Reports wall time and pods/s from the first create to the last Running, p50/p99 per-pod
// create -> Running latency (wall), peak RSS and resident bytes per pod, allocations per pod.
// --smoke asserts only correctness (every pod Running, no orphan container groups, no pod
// rewritten once settled) and is what ctest runs; timing runs are separate and their
// figures go in the README.
// Must not: be a timed test (no assertion on time).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/k8s/object.h"
#include "core/kube/kube_client.h"
#include "scenarios/expect.h"
#include "scenarios/scenario.h"
#include "scenarios/world.h"

// ---- allocation counting: every operator new of the process --------------------------------

namespace {
std::atomic<std::uint64_t> g_allocations{0};
}  // namespace

// AddressSanitizer replaces the allocation functions itself (and pairs each new with its own
// delete): under it nothing is counted and allocations per pod print as 0.
#ifndef __SANITIZE_ADDRESS__
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace {

using kci::k8s::Json;
using Clock = std::chrono::steady_clock;

struct Options {
  std::int64_t pods = 10'000;
  int real_nodes = 10;
  int virtual_nodes = 2;
  std::string mode = "both";  //!< deployment | pods | both
  bool smoke = false;
  bool progress = true;
  bool verbose = false;  //!< also print the cluster's events by reason
  std::uint64_t seed = 1;
};

//! Resident set size now, in bytes (/proc/self/statm).
std::int64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::int64_t>(sysconf(_SC_PAGESIZE));
}

//! CPU time (user + system) of the process so far, in seconds: on a shared machine a steadier
//! figure than wall time.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

//! Peak resident set size of the process so far, in bytes.
std::int64_t peak_resident_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<std::int64_t>(u.ru_maxrss) * 1024;
}

//! The burst's cluster: the profile webhook with a Selector sending app=burst to virtual
//! nodes only, the extender, `real_nodes` workers and `virtual_nodes` virtual kubelets, and
//! a cloud with no latency and room for every pod.
std::string scenario_yaml(const Options& o) {
  const std::int64_t room = std::max<std::int64_t>(o.pods * 2, 10'000);
  std::string y =
      "name: burst\n"
      "description: the N-pod burst benchmark\n"
      "webhook: true\n"
      "extender: true\n"
      "kci:\n"
      "  latency: {create: 0s, start: 0s}\n"
      "  quotas: {cpu: " + std::to_string(room * 4) + ", memoryGi: " + std::to_string(room * 8) +
      ", containerGroups: " + std::to_string(room) + "}\n"
      "  subnets:\n"
      "    subnet-a: {zone: cn-beijing-6a, freeIps: " + std::to_string(room) + "}\n"
      "  securityGroups:\n"
      "    sg-a: {maxInstances: " + std::to_string(room) + "}\n"
      "virtualNodes:\n";
  for (int i = 0; i < o.virtual_nodes; ++i) y += "  - name: vk-" + std::to_string(i) + "\n";
  y += "steps: []\n";
  return y;
}

Json real_node(int i) {
  const std::string name = "worker-" + std::to_string(i);
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", {{"name", name}, {"labels", {{"kubernetes.io/hostname", name}, {"type", "node"}}}}},
          {"status",
           {{"capacity", {{"cpu", "4"}, {"memory", "8Gi"}, {"pods", "110"}}},
            {"allocatable", {{"cpu", "4"}, {"memory", "8Gi"}, {"pods", "110"}}},
            {"conditions", Json::array({{{"type", "Ready"}, {"status", "True"}, {"reason", "KubeletReady"}}})}}}};
}

Json selector_object() {
  return Json::parse(R"({"apiVersion": "eci.aliyun.com/v1beta1", "kind": "Selector",
    "metadata": {"name": "burst-virtual-node-only"},
    "spec": {"objectLabels": {"matchLabels": {"app": "burst"}}, "policy": {"virtualNodeOnly": {}}}})");
}

Json pod_template() {
  return {{"metadata", {{"labels", {{"app", "burst"}}}}},
          {"spec",
           {{"containers",
             Json::array({{{"name", "app"},
                           {"image", "nginx:1.25"},
                           {"resources", {{"requests", {{"cpu", "500m"}, {"memory", "512Mi"}}}}}}})}}}};
}

struct Figures {
  std::string mode;
  std::int64_t pods = 0, running = 0;
  double wall_s = 0, cpu_s = 0, p50_ms = 0, p99_ms = 0;
  double virtual_s = 0;
  std::int64_t peak_rss = 0, rss_growth = 0;
  double allocations_per_pod = 0;
  //! The floor: each final pod object once through text (dump, parse) and the typed model
  //! (decode, encode), in seconds for all of them.
  double floor_s = 0;
  //! CPU time of five status syncs once every pod is Running (the settled node's cost).
  double settled_cpu_s = 0;
  std::vector<std::string> failures;
};

class ProgressBar {
 public:
  explicit ProgressBar(bool on) : on_(on && isatty(STDERR_FILENO)) {}
  void show(std::int64_t done, std::int64_t total) {
    if (!on_) return;
    const auto now = Clock::now();
    if (done != total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    constexpr int kWidth = 40;
    const int filled = total ? static_cast<int>(done * kWidth / total) : kWidth;
    std::fprintf(stderr, "\r[%s%s] %lld/%lld Running", std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 std::string(static_cast<std::size_t>(kWidth - filled), ' ').c_str(), static_cast<long long>(done),
                 static_cast<long long>(total));
    if (done == total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }

 private:
  bool on_;
  Clock::time_point last_{};
};

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

Figures run_burst(const Options& o, const std::string& mode) {
  Figures f;
  f.mode = mode;
  f.pods = o.pods;
  auto parsed = kci::scenario::parse_scenario(scenario_yaml(o), "burst.yaml", false);
  if (!parsed.ok()) {
    f.failures.push_back("scenario: " + parsed.error().message);
    return f;
  }
  kci::scenario::Scenario s = std::move(*parsed);
  for (int i = 0; i < o.real_nodes; ++i) s.cluster.objects.push_back(real_node(i));
  s.cluster.objects.push_back(selector_object());
  kci::scenario::WorldTuning tuning;
  // Each virtual node advertises room for its share of the burst; the virtual kubelet's own
  // KCI rate (50/s by default) is lifted, so the limiter does not stretch virtual time.
  const std::int64_t share = o.pods / o.virtual_nodes + 1000;
  tuning.capacity_pods = std::to_string(share);
  tuning.capacity_cpu = std::to_string(share);  // a pod asks for 500m
  tuning.capacity_memory = std::to_string(share) + "Gi";  // ... and 512Mi
  tuning.kci_qps = 1e9;
  tuning.kci_burst = 1e9;
  auto created_world = kci::scenario::World::create(s, o.seed, tuning);
  if (!created_world.ok()) {
    f.failures.push_back("world: " + created_world.error().message);
    return f;
  }
  auto world = std::move(*created_world);
  if (auto st = world->start(); !st.ok()) {
    f.failures.push_back("start: " + st.error().message);
    return f;
  }
  auto& client = world->client();
  auto& ex = world->executor();

  // Per pod: when it was created and when it was first seen Running (wall clock).
  struct PodTimes {
    Clock::time_point created{}, running{};
    bool is_running = false;
  };
  std::unordered_map<std::string, PodTimes> times;
  times.reserve(static_cast<std::size_t>(o.pods));
  std::int64_t running = 0;
  std::int64_t writes_after_running = 0;  //!< updates of pods already Running
  Clock::time_point last_running{};
  kci::kube::WatchOptions wo;
  wo.labelSelector = "app=burst";
  auto watch = client.watch(
      kci::kube::pods("default"), wo, ex,
      [&](const kci::kube::WatchEvent& ev) {
        if (ev.type != kci::kube::WatchEventType::kAdded && ev.type != kci::kube::WatchEventType::kModified) return;
        const auto& meta = (*ev.object)["metadata"];
        auto& t = times[meta["name"].get_ref<const std::string&>()];
        if (t.created == Clock::time_point{}) t.created = Clock::now();
        if (t.is_running) {
          ++writes_after_running;
          return;
        }
        auto st = ev.object->find("status");
        if (st == ev.object->end()) return;
        auto phase = st->find("phase");
        if (phase == st->end() || *phase != "Running") return;
        t.is_running = true;
        t.running = last_running = Clock::now();
        ++running;
      },
      [&](const kci::Error& e) { f.failures.push_back("watch ended: " + e.message); });
  if (!watch.ok()) {
    f.failures.push_back("watch: " + watch.error().message);
    return f;
  }

  const auto virtual_start = ex.clock().now();
  const std::int64_t rss_before = resident_bytes();
  const std::uint64_t allocations_before = g_allocations.load(std::memory_order_relaxed);
  const auto start = Clock::now();
  const double cpu_before = cpu_seconds();
  if (mode == "deployment") {
    Json d = {{"apiVersion", "apps/v1"},
              {"kind", "Deployment"},
              {"metadata", {{"name", "burst"}, {"namespace", "default"}}},
              {"spec", {{"replicas", 0}, {"selector", {{"matchLabels", {{"app", "burst"}}}}}, {"template", pod_template()}}}};
    auto r = client.create(kci::kube::deployments("default"), d);
    if (!r.ok()) {
      f.failures.push_back("create deployment: " + r.error().message);
      return f;
    }
    ex.run_until_idle();
    auto sc = client.scale(kci::kube::deployments("default", "burst"), static_cast<std::int32_t>(o.pods));
    if (!sc.ok()) {
      f.failures.push_back("scale: " + sc.error().message);
      return f;
    }
  } else {
    const Json base = pod_template();
    for (std::int64_t i = 0; i < o.pods; ++i) {
      Json p = base;
      p["apiVersion"] = "v1";
      p["kind"] = "Pod";
      char name[32];
      std::snprintf(name, sizeof name, "burst-%06lld", static_cast<long long>(i));
      p["metadata"]["name"] = name;
      p["metadata"]["namespace"] = "default";
      times[name].created = Clock::now();
      auto r = client.create(kci::kube::pods("default"), std::move(p));
      if (!r.ok()) {
        f.failures.push_back(std::string("create ") + name + ": " + r.error().message);
        return f;
      }
    }
  }
  ProgressBar bar(o.progress);
  // A generous bound in virtual time: status sync runs every 2 s, each tick costs little.
  const auto deadline = virtual_start + std::chrono::minutes(30);
  while (running < o.pods && ex.clock().now() < deadline) {
    ex.run_for(std::chrono::milliseconds(500));
    bar.show(running, o.pods);
  }
  const auto end = last_running == Clock::time_point{} ? Clock::now() : last_running;
  f.cpu_s = cpu_seconds() - cpu_before;
  f.allocations_per_pod =
      static_cast<double>(g_allocations.load(std::memory_order_relaxed) - allocations_before) / static_cast<double>(o.pods);
  f.peak_rss = peak_resident_bytes();
  f.rss_growth = resident_bytes() - rss_before;
  f.running = running;
  f.wall_s = std::chrono::duration<double>(end - start).count();
  f.virtual_s = std::chrono::duration<double>(ex.clock().now() - virtual_start).count();
  std::vector<double> latencies;
  latencies.reserve(times.size());
  for (const auto& [name, t] : times)
    if (t.is_running) latencies.push_back(std::chrono::duration<double, std::milli>(t.running - t.created).count());
  f.p50_ms = percentile(latencies, 0.50);
  // Settled: ten seconds of virtual time (five status syncs) must write no Running pod.
  writes_after_running = 0;
  const double settle_cpu_before = cpu_seconds();
  ex.run_for(std::chrono::seconds(10));
  f.settled_cpu_s = cpu_seconds() - settle_cpu_before;
  if (writes_after_running > 0)
    f.failures.push_back(std::to_string(writes_after_running) +
                         " updates of Running pods in 10 s after the burst settled (expected none)");
  f.p99_ms = percentile(latencies, 0.99);
  watch->reset();
  if (o.verbose) {
    std::map<std::string, std::int64_t> reasons;
    if (auto evs = client.list(kci::kube::events()); evs.ok())
      for (const auto& ev : evs->items) ++reasons[ev->value("type", "") + " " + ev->value("reason", "")];
    for (const auto& [reason, n] : reasons) std::printf("  event %-40s %lld\n", reason.c_str(), static_cast<long long>(n));
  }

  // Correctness: every pod Running on a virtual node, one container group each, no orphans.
  if (running != o.pods)
    f.failures.push_back(std::to_string(running) + " of " + std::to_string(o.pods) + " pods Running after " +
                         std::to_string(static_cast<long long>(f.virtual_s)) + " s of virtual time");
  kci::scenario::Expectation e;
  kci::scenario::ExpectPods all;
  all.selector = "app=burst";
  all.count = o.pods;
  all.phase = "Running";
  e.pods.push_back(all);
  e.noOrphans = true;
  kci::scenario::CloudView view;
  view.kci = world->cloud();
  view.owner = world->owner();
  auto check = kci::scenario::check_expectation(e, client, view);

  // The floor: what a single pass over the pods' bytes and objects costs, with nothing else.
  if (auto listed = client.list(kci::kube::pods("default")); listed.ok()) {
    std::size_t sink = 0;
    const auto floor_start = Clock::now();
    for (const auto& obj : listed->items) {
      const std::string text = obj->dump();
      const Json parsed = Json::parse(text);
      auto pod = kci::k8s::decode<kci::k8s::Pod>(parsed);
      if (pod.ok()) sink += kci::k8s::encode(*pod).size();
      sink += text.size();
    }
    f.floor_s = std::chrono::duration<double>(Clock::now() - floor_start).count();
    if (o.verbose)
      std::printf("  floor: %zu pods, %zu bytes of JSON and model each on average\n", listed->items.size(),
                  listed->items.empty() ? std::size_t{0} : sink / listed->items.size());
    if (sink == 0) f.failures.push_back("floor: no pod to measure");
  }
  const std::size_t kShown = 5;
  for (std::size_t i = 0; i < check.failures.size() && i < kShown; ++i) f.failures.push_back(check.failures[i]);
  if (check.failures.size() > kShown)
    f.failures.push_back("... and " + std::to_string(check.failures.size() - kShown) + " more");
  return f;
}

void print(const Figures& f) {
  const double per_s = f.wall_s > 0 ? static_cast<double>(f.running) / f.wall_s : 0;
  std::printf(
      "%-10s pods %7lld  wall %8.3f s  %7.0f pods/s  cpu %8.3f s  %7.0f pods/cpu-s  p50 %8.1f ms  p99 %8.1f ms  "
      "virtual %4.0f s  "
      "peak RSS %7.1f MiB  RSS growth %6.0f B/pod  allocs %7.0f /pod  floor %.3f s (burst = %.0fx)  "
      "settled 10 s: %.3f s cpu\n",
      f.mode.c_str(), static_cast<long long>(f.pods), f.wall_s, per_s, f.cpu_s,
      f.cpu_s > 0 ? static_cast<double>(f.running) / f.cpu_s : 0.0, f.p50_ms, f.p99_ms, f.virtual_s,
      static_cast<double>(f.peak_rss) / (1024.0 * 1024.0),
      static_cast<double>(f.rss_growth) / static_cast<double>(f.pods), f.allocations_per_pod, f.floor_s,
      f.floor_s > 0 ? f.wall_s / f.floor_s : 0.0, f.settled_cpu_s);
  for (const auto& m : f.failures) std::printf("  FAIL %s\n", m.c_str());
  std::fflush(stdout);
}

int usage() {
  std::fprintf(stderr,
               "usage: bench_burst [--pods N] [--mode deployment|pods|both] [--nodes R] [--virtual-nodes V]\n"
               "                   [--seed S] [--smoke] [--no-progress] [--verbose]\n"
               "  --smoke: 1000 pods unless --pods is given; exits 1 unless every pod is Running with\n"
               "           exactly one container group and no group is orphaned (no timing check)\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  bool pods_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--pods" && (v = value())) {
      o.pods = std::atoll(v);
      pods_given = true;
    } else if (a == "--mode" && (v = value())) {
      o.mode = v;
    } else if (a == "--nodes" && (v = value())) {
      o.real_nodes = std::atoi(v);
    } else if (a == "--virtual-nodes" && (v = value())) {
      o.virtual_nodes = std::atoi(v);
    } else if (a == "--seed" && (v = value())) {
      o.seed = std::strtoull(v, nullptr, 10);
    } else if (a == "--smoke") {
      o.smoke = true;
    } else if (a == "--verbose") {
      o.verbose = true;
    } else if (a == "--no-progress") {
      o.progress = false;
    } else {
      return usage();
    }
  }
  if (o.smoke && !pods_given) o.pods = 1000;
  if (o.pods <= 0 || o.virtual_nodes <= 0 || o.real_nodes < 0) return usage();
  if (o.mode != "deployment" && o.mode != "pods" && o.mode != "both") return usage();
  std::printf("burst: %lld pods, %d real nodes, %d virtual nodes, in-process, seed %llu\n",
              static_cast<long long>(o.pods), o.real_nodes, o.virtual_nodes,
              static_cast<unsigned long long>(o.seed));
  bool ok = true;
  for (const std::string mode : {"deployment", "pods"}) {
    if (o.mode != "both" && o.mode != mode) continue;
    const Figures f = run_burst(o, mode);
    print(f);
    ok &= f.failures.empty();
  }
  return ok ? 0 : 1;
}
