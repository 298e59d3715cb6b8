// bench_burst: the N-pod burst end to end (issue 11). N pods are created at once, as a
// Deployment scaled from 0 and as N bare pods, through the whole cluster: admission (the
// profile webhook and a virtualNodeOnly Selector), the kube-scheduler with the extender, the
// virtual kubelets, fake KCI with zero latency, until every pod is Running. Two paths:
// in-process (scenarios/world.h: one simulator whose virtual clock runs the timers, status
// sync every 2 s of virtual time; the figures are wall time, so they are the system's own
// cost) and loopback (scenarios/loopback_cluster.h: every piece behind its HTTP face on
// 127.0.0.1, the product through its HTTP clients, in real time, pods created over HTTP).
//
// Reports wall time and pods/s from the first create to the last Running observed, CPU time,
// p50/p99 per-pod create -> Running latency, the stages each pod went through as the API
// server saw them, peak RSS and resident bytes per pod, allocations per pod, and the floor
// (the pods' JSON decoded and encoded once; a bare Boost.Beast loopback request rate).
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
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bench/beast_floor.h"
#include "core/k8s/object.h"
#include "core/kube/kube_client.h"
#include "provider/kube_http/http_kube_client.h"
#include "provider/kube_http/rest_config.h"
#include "provider/profile/profile_webhook.h"
#include "scenarios/expect.h"
#include "scenarios/loopback_cluster.h"
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
  std::string path = "both";  //!< in-process | loopback | both
  int creators = 4;           //!< loopback: threads creating the bare pods over HTTP
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

//! The cloud: no latency and room for every pod (a scenario's `kci:` block).
std::string kci_yaml(const Options& o) {
  const std::int64_t room = std::max<std::int64_t>(o.pods * 2, 10'000);
  return "latency: {create: 0s, start: 0s}\n"
         "quotas: {cpu: " + std::to_string(room * 4) + ", memoryGi: " + std::to_string(room * 8) +
         ", containerGroups: " + std::to_string(room) + "}\n"
         "subnets:\n"
         "  subnet-a: {zone: cn-beijing-6a, freeIps: " + std::to_string(room) + "}\n"
         "securityGroups:\n"
         "  sg-a: {maxInstances: " + std::to_string(room) + "}\n";
}

//! The burst's in-process cluster: the profile webhook with a Selector sending app=burst to
//! virtual nodes only, the extender, `virtual_nodes` virtual kubelets and the cloud above.
std::string scenario_yaml(const Options& o) {
  std::string y =
      "name: burst\n"
      "description: the N-pod burst benchmark\n"
      "webhook: true\n"
      "extender: true\n"
      "kci:\n";
  const std::string cloud = kci_yaml(o);
  for (std::size_t at = 0; at < cloud.size();) {
    const auto nl = cloud.find('\n', at);
    y += "  " + cloud.substr(at, nl - at + 1);
    at = nl + 1;
  }
  y += "virtualNodes:\n";
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

//! One stage of a pod's way, as the API server's watchers saw it: p50 and p99 over the pods.
struct Stage {
  std::string name;
  double p50_ms = 0, p99_ms = 0;
  std::size_t pods = 0;
};

struct Figures {
  std::string path, mode;
  std::int64_t pods = 0, running = 0;
  double wall_s = 0, cpu_s = 0, p50_ms = 0, p99_ms = 0;
  double virtual_s = 0;  //!< in-process: virtual time the burst took
  std::int64_t peak_rss = 0, rss_growth = 0;
  double allocations_per_pod = 0;
  std::vector<Stage> stages;
  //! The floor: each final pod object once through text (dump, parse) and the typed model
  //! (decode, encode), in seconds for all of them; and bare Beast loopback requests per second.
  double floor_s = 0, beast_rps = 0;
  //! CPU time of the settled cluster over `settled_s` (no pod may be written then).
  double settled_cpu_s = 0, settled_s = 0;
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

//! Watches the burst's pods and events and stamps each pod's way through the cluster with the
//! wall clock: create sent, admitted (first seen), bound, container group created (the
//! virtual kubelet's ProviderCreateSuccess event), Running. Callbacks may come from another
//! thread than the bench's (the loopback API server's loop).
class PodObserver {
 public:
  struct Times {
    Clock::time_point sent{}, added{}, bound{}, group{}, running{};
  };

  explicit PodObserver(std::int64_t pods) { times_.reserve(static_cast<std::size_t>(pods)); }

  //! A create of pod `name` is about to be sent.
  void sent(const std::string& name) {
    std::lock_guard lock(mu_);
    times_[name].sent = Clock::now();
  }
  void on_pod(const kci::kube::WatchEvent& ev) {
    if (ev.type != kci::kube::WatchEventType::kAdded && ev.type != kci::kube::WatchEventType::kModified) return;
    const auto now = Clock::now();
    const Json& pod = *ev.object;
    std::lock_guard lock(mu_);
    auto& t = times_[pod["metadata"]["name"].get_ref<const std::string&>()];
    if (t.added == Clock::time_point{}) t.added = now;
    if (t.running != Clock::time_point{}) {
      writes_after_running_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (t.bound == Clock::time_point{}) {
      auto spec = pod.find("spec");
      auto node = spec == pod.end() ? spec : spec->find("nodeName");
      if (spec != pod.end() && node != spec->end() && node->is_string() && !node->get_ref<const std::string&>().empty())
        t.bound = now;
    }
    auto st = pod.find("status");
    if (st == pod.end()) return;
    auto phase = st->find("phase");
    if (phase == st->end() || *phase != "Running") return;
    t.running = last_running_ = now;
    running_.fetch_add(1, std::memory_order_relaxed);
  }
  void on_event(const kci::kube::WatchEvent& ev) {
    if (ev.type != kci::kube::WatchEventType::kAdded) return;
    const Json& e = *ev.object;
    if (e.value("reason", "") != "ProviderCreateSuccess") return;
    const auto now = Clock::now();
    auto inv = e.find("involvedObject");
    if (inv == e.end() || !inv->contains("name")) return;
    std::lock_guard lock(mu_);
    auto& t = times_[(*inv)["name"].get<std::string>()];
    if (t.group == Clock::time_point{}) t.group = now;
  }

  std::int64_t running() const { return running_.load(std::memory_order_relaxed); }
  std::int64_t writes_after_running() const { return writes_after_running_.load(std::memory_order_relaxed); }
  void reset_writes_after_running() { writes_after_running_.store(0, std::memory_order_relaxed); }
  Clock::time_point last_running() {
    std::lock_guard lock(mu_);
    return last_running_;
  }

  //! Fills the latencies (from `start`, or from the pod's own create when sent) and stages.
  void report(Clock::time_point start, Figures& f) {
    std::lock_guard lock(mu_);
    std::vector<double> total, admission, scheduling, create, sync;
    auto ms = [](Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    auto both = [](Clock::time_point a, Clock::time_point b) { return a != Clock::time_point{} && b != Clock::time_point{}; };
    for (const auto& [name, t] : times_) {
      const auto from = t.sent != Clock::time_point{} ? t.sent : start;
      if (t.running != Clock::time_point{}) total.push_back(ms(from, t.running));
      if (both(t.sent, t.added)) admission.push_back(ms(t.sent, t.added));
      if (both(t.added, t.bound)) scheduling.push_back(ms(t.added, t.bound));
      if (both(t.bound, t.group)) create.push_back(ms(t.bound, t.group));
      if (both(t.group, t.running)) sync.push_back(ms(t.group, t.running));
    }
    f.p50_ms = percentile(total, 0.50);
    f.p99_ms = percentile(total, 0.99);
    auto stage = [](std::string name, const std::vector<double>& v) {
      return Stage{std::move(name), percentile(v, 0.50), percentile(v, 0.99), v.size()};
    };
    f.stages = {stage("admission (create sent -> stored)", admission), stage("scheduling (stored -> bound)", scheduling),
                stage("translation + KCI create (bound -> group created)", create),
                stage("status sync (group created -> Running)", sync)};
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, Times> times_;
  Clock::time_point last_running_{};
  std::atomic<std::int64_t> running_{0}, writes_after_running_{0};
};

//! The objects every burst's cluster starts with: `real_nodes` workers and the Selector.
std::vector<Json> cluster_objects(const Options& o) {
  std::vector<Json> objects;
  for (int i = 0; i < o.real_nodes; ++i) objects.push_back(real_node(i));
  objects.push_back(selector_object());
  return objects;
}

Json deployment_object() {
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", "burst"}, {"namespace", "default"}}},
          {"spec", {{"replicas", 0}, {"selector", {{"matchLabels", {{"app", "burst"}}}}}, {"template", pod_template()}}}};
}

//! The i-th bare pod.
Json bare_pod(const Json& base, std::int64_t i) {
  Json p = base;
  p["apiVersion"] = "v1";
  p["kind"] = "Pod";
  char name[32];
  std::snprintf(name, sizeof name, "burst-%06lld", static_cast<long long>(i));
  p["metadata"]["name"] = name;
  p["metadata"]["namespace"] = "default";
  return p;
}

//! The correctness check every run ends with: every pod Running, one container group each,
//! no orphan group.
kci::scenario::Expectation burst_expectation(const Options& o) {
  kci::scenario::Expectation e;
  kci::scenario::ExpectPods all;
  all.selector = "app=burst";
  all.count = o.pods;
  all.phase = "Running";
  e.pods.push_back(all);
  e.noOrphans = true;
  return e;
}

//! The floor's first half: every listed pod once through dump, parse, decode and encode.
void measure_codec_floor(const std::vector<kci::kube::Object>& pods, const Options& o, Figures& f) {
  std::size_t sink = 0;
  const auto floor_start = Clock::now();
  for (const auto& obj : pods) {
    const std::string text = obj->dump();
    const Json parsed = Json::parse(text);
    auto pod = kci::k8s::decode<kci::k8s::Pod>(parsed);
    if (pod.ok()) sink += kci::k8s::encode(*pod).size();
    sink += text.size();
  }
  f.floor_s = std::chrono::duration<double>(Clock::now() - floor_start).count();
  if (o.verbose)
    std::printf("  floor: %zu pods, %zu bytes of JSON and model each on average\n", pods.size(),
                pods.empty() ? std::size_t{0} : sink / pods.size());
  if (sink == 0) f.failures.push_back("floor: no pod to measure");
}

void add_check_failures(const kci::scenario::CheckResult& check, Figures& f) {
  const std::size_t kShown = 5;
  for (std::size_t i = 0; i < check.failures.size() && i < kShown; ++i) f.failures.push_back(check.failures[i]);
  if (check.failures.size() > kShown)
    f.failures.push_back("... and " + std::to_string(check.failures.size() - kShown) + " more");
}

//! What is measured around the burst itself (first create to last Running).
struct Meter {
  std::int64_t rss_before = resident_bytes();
  std::uint64_t allocations_before = g_allocations.load(std::memory_order_relaxed);
  Clock::time_point start = Clock::now();
  double cpu_before = cpu_seconds();

  void finish(const Options& o, PodObserver& seen, Figures& f) {
    const auto last = seen.last_running();
    const auto end = last == Clock::time_point{} ? Clock::now() : last;
    f.cpu_s = cpu_seconds() - cpu_before;
    f.allocations_per_pod = static_cast<double>(g_allocations.load(std::memory_order_relaxed) - allocations_before) /
                            static_cast<double>(o.pods);
    f.peak_rss = peak_resident_bytes();
    f.rss_growth = resident_bytes() - rss_before;
    f.running = seen.running();
    f.wall_s = std::chrono::duration<double>(end - start).count();
    seen.report(start, f);
  }
};

Figures run_in_process(const Options& o, const std::string& mode) {
  Figures f;
  f.path = "in-process";
  f.mode = mode;
  f.pods = o.pods;
  auto parsed = kci::scenario::parse_scenario(scenario_yaml(o), "burst.yaml", false);
  if (!parsed.ok()) {
    f.failures.push_back("scenario: " + parsed.error().message);
    return f;
  }
  kci::scenario::Scenario s = std::move(*parsed);
  for (auto& obj : cluster_objects(o)) s.cluster.objects.push_back(std::move(obj));
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

  PodObserver seen(o.pods);
  kci::kube::WatchOptions wo;
  wo.labelSelector = "app=burst";
  auto ended = [&](const kci::Error& e) { f.failures.push_back("watch ended: " + e.message); };
  auto watch = client.watch(kci::kube::pods("default"), wo, ex, [&](const kci::kube::WatchEvent& ev) { seen.on_pod(ev); }, ended);
  auto events = client.watch(kci::kube::events("default"), {}, ex, [&](const kci::kube::WatchEvent& ev) { seen.on_event(ev); }, ended);
  if (!watch.ok() || !events.ok()) {
    f.failures.push_back("watch: " + (watch.ok() ? events.error().message : watch.error().message));
    return f;
  }

  const auto virtual_start = ex.clock().now();
  Meter meter;
  if (mode == "deployment") {
    auto r = client.create(kci::kube::deployments("default"), deployment_object());
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
      Json p = bare_pod(base, i);
      seen.sent(p["metadata"]["name"].get<std::string>());
      auto r = client.create(kci::kube::pods("default"), std::move(p));
      if (!r.ok()) {
        f.failures.push_back("create pod " + std::to_string(i) + ": " + r.error().message);
        return f;
      }
    }
  }
  ProgressBar bar(o.progress);
  // A generous bound in virtual time: status sync runs every 2 s, each tick costs little.
  const auto deadline = virtual_start + std::chrono::minutes(30);
  while (seen.running() < o.pods && ex.clock().now() < deadline) {
    ex.run_for(std::chrono::milliseconds(500));
    bar.show(seen.running(), o.pods);
  }
  meter.finish(o, seen, f);
  f.virtual_s = std::chrono::duration<double>(ex.clock().now() - virtual_start).count();
  // Settled: ten seconds of virtual time (five status syncs) must write no Running pod.
  seen.reset_writes_after_running();
  const double settle_cpu_before = cpu_seconds();
  f.settled_s = 10;
  ex.run_for(std::chrono::seconds(10));
  f.settled_cpu_s = cpu_seconds() - settle_cpu_before;
  if (seen.writes_after_running() > 0)
    f.failures.push_back(std::to_string(seen.writes_after_running()) +
                         " updates of Running pods in 10 s after the burst settled (expected none)");
  watch->reset();
  events->reset();
  if (o.verbose) {
    std::map<std::string, std::int64_t> reasons;
    if (auto evs = client.list(kci::kube::events()); evs.ok())
      for (const auto& ev : evs->items) ++reasons[ev->value("type", "") + " " + ev->value("reason", "")];
    for (const auto& [reason, n] : reasons) std::printf("  event %-40s %lld\n", reason.c_str(), static_cast<long long>(n));
  }
  if (seen.running() != o.pods)
    f.failures.push_back(std::to_string(seen.running()) + " of " + std::to_string(o.pods) + " pods Running after " +
                         std::to_string(static_cast<long long>(f.virtual_s)) + " s of virtual time");
  kci::scenario::CloudView view;
  view.kci = world->cloud();
  view.owner = world->owner();
  auto check = kci::scenario::check_expectation(burst_expectation(o), client, view);
  if (auto listed = client.list(kci::kube::pods("default")); listed.ok()) measure_codec_floor(listed->items, o, f);
  add_check_failures(check, f);
  return f;
}

//! The same burst with every piece behind its HTTP face on 127.0.0.1, in real time: pods are
//! created over HTTP by `o.creators` clients (as kubectl would), the API server's own watch
//! observes them (in-process, so observing costs no extra HTTP).
Figures run_loopback(const Options& o, const std::string& mode) {
  Figures f;
  f.path = "loopback";
  f.mode = mode;
  f.pods = o.pods;
  kci::scenario::LoopbackOptions lo;
  lo.kci_yaml = kci_yaml(o);
  lo.virtual_nodes.clear();
  for (int i = 0; i < o.virtual_nodes; ++i) lo.virtual_nodes.push_back("vk-" + std::to_string(i));
  const std::int64_t share = o.pods / o.virtual_nodes + 1000;
  lo.capacity_pods = std::to_string(share);
  lo.capacity_cpu = std::to_string(share);
  lo.capacity_memory = std::to_string(share) + "Gi";
  // The clients' own limits are lifted: the burst measures the system, not the limiters.
  lo.kube_qps = lo.kube_burst = lo.kci_qps = lo.kci_burst = 1e9;
  lo.seed = o.seed;
  auto started = kci::scenario::LoopbackCluster::start(lo);
  if (!started.ok()) {
    f.failures.push_back("loopback cluster: " + started.error().message);
    return f;
  }
  kci::scenario::LoopbackCluster& cluster = **started;
  auto& admin = cluster.client();
  for (const auto& obj : cluster_objects(o)) {
    // A Selector is a custom resource: its plural comes from the profile's CRD.
    auto ref = obj["kind"] == "Selector" ? kci::Result<kci::kube::ResourceRef>(kci::profile::eci_selectors())
                                         : kci::kube::ref_of(obj);
    if (!ref.ok()) {
      f.failures.push_back(ref.error().message);
      return f;
    }
    ref->name.clear();
    if (obj["kind"] == "Selector") {
      ref->version = "v1beta1";
      ref->namespace_ = "default";
    }
    auto r = cluster.run([&] { return admin.create(*ref, obj); });
    if (!r.ok()) {
      f.failures.push_back("apply " + obj["kind"].get<std::string>() + ": " + r.error().message);
      return f;
    }
  }
  // The webhook reads Selectors through its own watch: the burst starts once it has them.
  const auto ready_by = Clock::now() + std::chrono::seconds(30);
  while (cluster.webhook_selectors() == 0 && Clock::now() < ready_by)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (cluster.webhook_selectors() == 0) {
    f.failures.push_back("the profile webhook did not load the Selector within 30 s");
    return f;
  }

  PodObserver seen(o.pods);
  std::mutex failures_mu;
  auto fail = [&](const std::string& m) {
    std::lock_guard lock(failures_mu);
    f.failures.push_back(m);
  };
  auto watches = cluster.run([&] {
    kci::kube::WatchOptions wo;
    wo.labelSelector = "app=burst";
    auto ended = [&](const kci::Error& e) { fail("watch ended: " + e.message); };
    auto& ex = cluster.loop().executor();
    auto pods = admin.watch(kci::kube::pods("default"), wo, ex, [&](const kci::kube::WatchEvent& ev) { seen.on_pod(ev); }, ended);
    auto evs = admin.watch(kci::kube::events("default"), {}, ex, [&](const kci::kube::WatchEvent& ev) { seen.on_event(ev); }, ended);
    return std::make_pair(std::move(pods), std::move(evs));
  });
  if (!watches.first.ok() || !watches.second.ok()) {
    f.failures.push_back("watch: " + (watches.first.ok() ? watches.second.error().message : watches.first.error().message));
    return f;
  }
  auto rest = kci::provider::load_kubeconfig(cluster.kubeconfig_path());
  if (!rest.ok()) {
    f.failures.push_back("kubeconfig: " + rest.error().message);
    return f;
  }
  rest->qps = rest->burst = 1e9;
  auto new_client = [&](int i) {
    kci::provider::HttpKubeClientOptions co;
    co.user_agent = "bench-burst/" + std::to_string(i);
    return kci::provider::HttpKubeClient::create(*rest, co);
  };

  Meter meter;
  if (mode == "deployment") {
    auto c = new_client(0);
    auto r = c.ok() ? (*c)->create(kci::kube::deployments("default"), deployment_object())
                    : kci::Result<kci::kube::Object>(c.error());
    auto sc = r.ok() ? (*c)->scale(kci::kube::deployments("default", "burst"), static_cast<std::int32_t>(o.pods)) : r;
    if (!sc.ok()) fail("create and scale the deployment: " + sc.error().message);
  } else {
    const Json base = pod_template();
    std::vector<std::thread> creators;
    const int n = std::max(1, o.creators);
    for (int c = 0; c < n; ++c)
      creators.emplace_back([&, c] {
        auto client = new_client(c);
        if (!client.ok()) return fail("client: " + client.error().message);
        for (std::int64_t i = c; i < o.pods; i += n) {
          Json p = bare_pod(base, i);
          seen.sent(p["metadata"]["name"].get<std::string>());
          if (auto r = (*client)->create(kci::kube::pods("default"), std::move(p)); !r.ok())
            return fail("create pod " + std::to_string(i) + ": " + r.error().message);
        }
      });
    for (auto& t : creators) t.join();
  }
  ProgressBar bar(o.progress);
  // Real time: a generous bound of a minute plus 20 ms a pod.
  const auto deadline = meter.start + std::chrono::seconds(60) + std::chrono::milliseconds(20) * o.pods;
  auto next_report = Clock::now() + std::chrono::seconds(2);
  while (seen.running() < o.pods && Clock::now() < deadline && f.failures.empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    bar.show(seen.running(), o.pods);
    if (o.verbose && Clock::now() > next_report) {
      next_report += std::chrono::seconds(2);
      // Where the pods are, as the API server holds them.
      auto counts = cluster.run([&] {
        std::map<std::string, std::int64_t> n;
        kci::kube::ListOptions lo;
        lo.labelSelector = "app=burst";
        if (auto l = admin.list(kci::kube::pods("default"), lo); l.ok())
          for (const auto& p : l->items)
            ++n[p->value("status", Json::object()).value("phase", "-") +
                (p->value("spec", Json::object()).value("nodeName", "").empty() ? " unbound" : " bound")];
        return n;
      });
      for (const auto& [k, v] : counts) std::printf("  %s: %lld", k.c_str(), static_cast<long long>(v));
      std::printf("\n");
      std::fflush(stdout);
    }
  }
  meter.finish(o, seen, f);
  // Settled: two status syncs (4 s, real time) must write no Running pod.
  seen.reset_writes_after_running();
  const double settle_cpu_before = cpu_seconds();
  f.settled_s = 4;
  std::this_thread::sleep_for(std::chrono::seconds(4));
  f.settled_cpu_s = cpu_seconds() - settle_cpu_before;
  if (seen.writes_after_running() > 0)
    fail(std::to_string(seen.writes_after_running()) + " updates of Running pods in 4 s after the burst settled (expected none)");
  cluster.run([&] {
    if (watches.first.ok()) watches.first->reset();
    if (watches.second.ok()) watches.second->reset();
  });
  if (seen.running() != o.pods)
    fail(std::to_string(seen.running()) + " of " + std::to_string(o.pods) + " pods Running after " +
         std::to_string(static_cast<long long>(f.wall_s)) + " s");
  kci::scenario::CheckResult check;
  auto listed = cluster.run([&] {
    cluster.with_cloud([&](kci::kcicloud::KciApi& cloud, const kci::kcicloud::CallContext& owner) {
      kci::scenario::CloudView view;
      view.kci = &cloud;
      view.owner = owner;
      check = kci::scenario::check_expectation(burst_expectation(o), admin, view);
    });
    return admin.list(kci::kube::pods("default"));
  });
  cluster.stop();
  if (listed.ok()) measure_codec_floor(listed->items, o, f);
  add_check_failures(check, f);
  return f;
}

void print(const Figures& f) {
  const double per_s = f.wall_s > 0 ? static_cast<double>(f.running) / f.wall_s : 0;
  std::printf(
      "%-10s %-10s pods %7lld  wall %8.3f s  %7.0f pods/s  cpu %8.3f s  %7.0f pods/cpu-s  p50 %8.1f ms  p99 %8.1f ms  "
      "peak RSS %7.1f MiB  RSS growth %6.0f B/pod  allocs %7.0f /pod\n",
      f.path.c_str(), f.mode.c_str(), static_cast<long long>(f.pods), f.wall_s, per_s, f.cpu_s,
      f.cpu_s > 0 ? static_cast<double>(f.running) / f.cpu_s : 0.0, f.p50_ms, f.p99_ms,
      static_cast<double>(f.peak_rss) / (1024.0 * 1024.0),
      static_cast<double>(f.rss_growth) / static_cast<double>(f.pods), f.allocations_per_pod);
  for (const auto& s : f.stages)
    if (s.pods > 0)
      std::printf("  stage %-52s p50 %8.1f ms  p99 %8.1f ms  (%zu pods)\n", s.name.c_str(), s.p50_ms, s.p99_ms, s.pods);
  std::printf("  floor: pods decoded + encoded once %.3f s (burst = %.0fx)", f.floor_s,
              f.floor_s > 0 ? f.wall_s / f.floor_s : 0.0);
  if (f.beast_rps > 0)
    std::printf("; bare Beast loopback %.0f requests/s (burst = %.1f round trips per pod)", f.beast_rps,
                f.wall_s * f.beast_rps / static_cast<double>(f.pods));
  std::printf("\n  settled %.0f s: %.3f s cpu%s\n", f.settled_s, f.settled_cpu_s,
              f.virtual_s > 0 ? (" (burst took " + std::to_string(static_cast<long long>(f.virtual_s)) +
                                 " s of virtual time)").c_str()
                              : "");
  for (const auto& m : f.failures) std::printf("  FAIL %s\n", m.c_str());
  std::fflush(stdout);
}

int usage() {
  std::fprintf(stderr,
               "usage: bench_burst [--pods N] [--mode deployment|pods|both] [--path in-process|loopback|both]\n"
               "                   [--nodes R] [--virtual-nodes V] [--creators C] [--seed S] [--smoke]\n"
               "                   [--no-progress] [--verbose]\n"
               "  --path:     in-process (one simulator) or loopback (every piece over HTTP on 127.0.0.1)\n"
               "  --creators: loopback bare pods: how many HTTP clients create them (default 4)\n"
               "  --smoke:    1000 pods unless --pods is given; exits 1 unless every pod is Running with\n"
               "              exactly one container group and no group is orphaned (no timing check)\n");
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
    } else if (a == "--path" && (v = value())) {
      o.path = v;
    } else if (a == "--nodes" && (v = value())) {
      o.real_nodes = std::atoi(v);
    } else if (a == "--virtual-nodes" && (v = value())) {
      o.virtual_nodes = std::atoi(v);
    } else if (a == "--creators" && (v = value())) {
      o.creators = std::atoi(v);
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
  if (o.pods <= 0 || o.virtual_nodes <= 0 || o.real_nodes < 0 || o.creators <= 0) return usage();
  if (o.mode != "deployment" && o.mode != "pods" && o.mode != "both") return usage();
  if (o.path != "in-process" && o.path != "loopback" && o.path != "both") return usage();
  std::printf("burst: %lld pods, %d real nodes, %d virtual nodes, seed %llu\n", static_cast<long long>(o.pods),
              o.real_nodes, o.virtual_nodes, static_cast<unsigned long long>(o.seed));
  // The network floor, measured once in the same run: as many bare requests as pods (at
  // least 10,000, so the rate is not a start-up figure).
  const double beast_rps = kci::bench::beast_loopback_requests_per_second(std::max<std::int64_t>(o.pods, 10'000));
  if (beast_rps <= 0) std::printf("  FAIL the bare Beast loopback floor could not be measured\n");
  bool ok = beast_rps > 0;
  for (const std::string path : {"in-process", "loopback"}) {
    if (o.path != "both" && o.path != path) continue;
    for (const std::string mode : {"deployment", "pods"}) {
      if (o.mode != "both" && o.mode != mode) continue;
      Figures f = path == "loopback" ? run_loopback(o, mode) : run_in_process(o, mode);
      f.beast_rps = beast_rps;
      print(f);
      ok &= f.failures.empty();
    }
  }
  return ok ? 0 : 1;
}
