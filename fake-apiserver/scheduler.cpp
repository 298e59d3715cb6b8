#include "fake-apiserver/scheduler.h"

#include <algorithm>
#include <cmath>

#include "core/k8s/resources.h"
#include "core/k8s/scheduling.h"
#include "fake-apiserver/http_client.h"

namespace kci::apiserver {

namespace {

// Plugin weights of the default profile (kube-scheduler's getDefaultPlugins).
constexpr std::int64_t kTaintTolerationWeight = 3;
constexpr std::int64_t kNodeAffinityWeight = 2;
constexpr std::int64_t kFitWeight = 1;
constexpr std::int64_t kBalancedWeight = 1;
// framework.MaxNodeScore / extenderv1.MaxExtenderPriority: an extender's 0..10 becomes 0..100.
constexpr std::int64_t kMaxNodeScore = 100;
constexpr std::int64_t kExtenderScale = 10;

std::string key_of(const Json& o) {
  const Json& m = o.at("metadata");
  return m.value("namespace", "") + "/" + m.value("name", "");
}

std::int64_t amount(const k8s::ResourceList& l, const std::string& r) {
  auto it = l.find(r);
  if (it == l.end()) return 0;
  return r == "cpu" ? it->second.milli_value() : it->second.value();
}

void add(k8s::ResourceList& into, const k8s::ResourceList& what, bool subtract = false) {
  for (const auto& [k, v] : what) {
    auto [it, inserted] = into.try_emplace(k, k8s::Quantity());
    if (subtract) it->second -= v;
    else it->second += v;
  }
}

std::string now_text(const Executor& ex) {
  k8s::Time t;
  t.at = std::chrono::floor<std::chrono::seconds>(ex.clock().now());
  return t.to_string();
}

}  // namespace

Result<Json> HttpExtenderTransport::call(const ExtenderConfig& config, const std::string& verb, const Json& args) {
  std::string url = config.urlPrefix;
  if (!url.empty() && url.back() != '/') url += '/';
  url += verb;
  KCI_TRY(HttpAnswer answer, post_json(url, args.dump(), "", config.httpTimeout));
  if (answer.status != 200)
    return make_error(ErrorCode::kUnavailable, "extender " + url + " answered HTTP " + std::to_string(answer.status) +
                                                   ": " + answer.body.substr(0, 512));
  Json decoded = Json::parse(answer.body, nullptr, false);
  if (decoded.is_discarded()) return make_error(ErrorCode::kUnavailable, "extender " + url + " answered no JSON");
  return decoded;
}

Result<std::vector<ExtenderConfig>> parse_extenders(const Json& configuration) {
  std::vector<ExtenderConfig> out;
  if (!configuration.is_object()) return invalid_argument("scheduler configuration: expected an object");
  auto list = configuration.find("extenders");
  if (list == configuration.end() || list->is_null()) return out;
  if (!list->is_array()) return invalid_argument("extenders: expected a list");
  for (std::size_t i = 0; i < list->size(); ++i) {
    const Json& e = (*list)[i];
    const std::string at = "extenders[" + std::to_string(i) + "]";
    if (!e.is_object()) return invalid_argument(at + ": expected an object");
    ExtenderConfig c;
    c.urlPrefix = e.value("urlPrefix", "");
    if (c.urlPrefix.empty()) return invalid_argument(at + ".urlPrefix: Required value");
    c.filterVerb = e.value("filterVerb", "");
    c.prioritizeVerb = e.value("prioritizeVerb", "");
    c.preemptVerb = e.value("preemptVerb", "");
    c.bindVerb = e.value("bindVerb", "");
    c.weight = e.value("weight", std::int64_t{1});
    if (!c.prioritizeVerb.empty() && c.weight <= 0)
      return invalid_argument(at + ".weight: Invalid value: " + std::to_string(c.weight) +
                              ": must have a positive weight applied to it");
    // enableHTTPS (KubeSchedulerConfiguration) or enableHttps (the Policy file before 1.23).
    c.enableHTTPS = e.value("enableHTTPS", e.value("enableHttps", false));
    c.nodeCacheCapable = e.value("nodeCacheCapable", false);
    c.ignorable = e.value("ignorable", false);
    if (auto mr = e.find("managedResources"); mr != e.end() && mr->is_array())
      for (const auto& r : *mr)
        if (r.is_object() && r.contains("name")) c.managedResources.push_back(r.value("name", ""));
    if (auto t = e.find("httpTimeout"); t != e.end() && t->is_string()) {
      // Durations as Go prints them: "5s", "500ms", "1m".
      const std::string s = *t;
      char* end = nullptr;
      const double v = std::strtod(s.c_str(), &end);
      const std::string unit = end ? std::string(end) : "";
      double ms = unit == "ms" ? v : unit == "s" ? v * 1000 : unit == "m" ? v * 60000 : -1;
      if (ms < 0) return invalid_argument(at + ".httpTimeout: Invalid value: \"" + s +
                                          "\" (accepted: a duration such as \"5s\" or \"500ms\")");
      c.httpTimeout = std::chrono::milliseconds(static_cast<std::int64_t>(ms));
    }
    out.push_back(std::move(c));
  }
  return out;
}

Scheduler::Scheduler(kube::KubeClient& client, Executor& executor, Rng rng,
                     SchedulerOptions options)
    : client_(client), executor_(executor), rng_(rng), options_(std::move(options)),
      alive_(std::make_shared<bool>(true)) {}

Scheduler::~Scheduler() {
  *alive_ = false;
  stop();
}

Status Scheduler::start() {
  kube::WatchOptions o;
  auto on_error = [this, alive = std::weak_ptr<bool>(alive_)](const Error&) {
    // The in-process watch never expires a live watcher; a relist would go here.
    (void)this;
    (void)alive;
  };
  KCI_TRY(node_watch_, client_.watch(kube::nodes(), o, executor_,
                                     [this](const kube::WatchEvent& e) { on_node(e); }, on_error));
  KCI_TRY(pod_watch_, client_.watch(kube::pods(), o, executor_,
                                    [this](const kube::WatchEvent& e) { on_pod(e); }, on_error));
  return ok_status();
}

void Scheduler::stop() {
  pod_watch_.reset();
  node_watch_.reset();
  if (retry_timer_) executor_.cancel(retry_timer_);
  retry_timer_ = 0;
}

void Scheduler::account(const std::string& key, const std::string& node, const k8s::Pod& pod) {
  unaccount(key);
  PodEntry e{node, k8s::pod_requests(pod), k8s::pod_non_zero_requests(pod)};
  auto it = nodes_.find(node);
  if (it != nodes_.end()) {
    add(it->second.requested, e.requests);
    add(it->second.non_zero, e.non_zero);
    ++it->second.pods;
  }
  assigned_[key] = std::move(e);
}

void Scheduler::unaccount(const std::string& key) {
  auto a = assigned_.find(key);
  if (a == assigned_.end()) return;
  auto it = nodes_.find(a->second.node);
  if (it != nodes_.end()) {
    add(it->second.requested, a->second.requests, true);
    add(it->second.non_zero, a->second.non_zero, true);
    --it->second.pods;
  }
  assigned_.erase(a);
}

void Scheduler::on_node(const kube::WatchEvent& e) {
  if (e.type == kube::WatchEventType::kBookmark || e.type == kube::WatchEventType::kError) return;
  const std::string name = e.object->at("metadata").value("name", "");
  if (e.type == kube::WatchEventType::kDeleted) {
    nodes_.erase(name);
    return;
  }
  auto node = k8s::decode<k8s::Node>(*e.object);
  if (!node.ok()) return;
  auto [it, inserted] = nodes_.try_emplace(name);
  it->second.node = std::move(node).value();
  if (inserted)
    for (const auto& [key, entry] : assigned_)
      if (entry.node == name) {
        add(it->second.requested, entry.requests);
        add(it->second.non_zero, entry.non_zero);
        ++it->second.pods;
      }
  requeue_unschedulable();
}

void Scheduler::on_pod(const kube::WatchEvent& e) {
  if (e.type == kube::WatchEventType::kBookmark || e.type == kube::WatchEventType::kError) return;
  const std::string key = key_of(*e.object);
  if (e.type == kube::WatchEventType::kDeleted) {
    const bool freed = assigned_.count(key) > 0;
    unaccount(key);
    pending_.erase(key);
    unschedulable_.erase(key);
    if (freed) requeue_unschedulable();
    return;
  }
  const Json& spec = e.object->at("spec");
  const std::string node = spec.value("nodeName", "");
  const std::string phase = e.object->value("status", Json::object()).value("phase", "");
  if (!node.empty()) {
    pending_.erase(key);
    unschedulable_.erase(key);
    if (phase == "Succeeded" || phase == "Failed") {
      // Terminal pods hold no resources.
      if (assigned_.count(key)) {
        unaccount(key);
        requeue_unschedulable();
      }
      return;
    }
    auto a = assigned_.find(key);
    if (a == assigned_.end() || a->second.node != node) {
      auto pod = k8s::decode<k8s::Pod>(*e.object);
      if (pod.ok()) account(key, node, *pod);
    }
    return;
  }
  if (spec.value("schedulerName", "default-scheduler") != options_.schedulerName) return;
  if (e.object->at("metadata").contains("deletionTimestamp")) {
    pending_.erase(key);
    return;
  }
  pending_[key] = e.object;
  // A pod found unschedulable waits for a cluster change, not for its own status updates.
  if (!unschedulable_.count(key)) enqueue(key);
}

void Scheduler::enqueue(const std::string& key) {
  if (queued_.insert(key).second) queue_.push_back(key);
  kick();
}

void Scheduler::kick() {
  if (draining_ || queue_.empty()) return;
  draining_ = true;
  executor_.post([this, alive = std::weak_ptr<bool>(alive_)] {
    auto a = alive.lock();
    if (!a || !*a) return;
    drain();
  });
}

void Scheduler::drain() {
  // One pod per task, as kube-scheduler runs one scheduling cycle at a time: the watch
  // events of this binding are delivered before the next cycle, so whoever watches the
  // cluster (an extender's cache) sees each placement before the next decision.
  draining_ = false;
  if (queue_.empty()) return;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  queued_.erase(key);
  schedule_one(key);
  kick();
}

void Scheduler::requeue_unschedulable() {
  if (unschedulable_.empty()) return;
  std::set<std::string> keys;
  keys.swap(unschedulable_);
  for (const auto& k : keys) enqueue(k);
}

void Scheduler::schedule_one(const std::string& key) {
  auto it = pending_.find(key);
  if (it == pending_.end()) return;
  const kube::Object obj = it->second;
  auto decoded = k8s::decode<k8s::Pod>(*obj);
  if (!decoded.ok()) return;
  const k8s::Pod& pod = *decoded;
  const k8s::ResourceList req = k8s::pod_requests(pod);
  const k8s::ResourceList nz = k8s::pod_non_zero_requests(pod);

  std::map<std::string, int> reasons;  // reason -> node count
  std::vector<NodeInfo*> feasible;
  const k8s::Taint unschedulable_taint{"node.kubernetes.io/unschedulable", "", "NoSchedule", {}, {}};
  for (auto& [name, info] : nodes_) {
    const k8s::Node& node = info.node;
    if (node.spec.unschedulable && !k8s::tolerated_by_any(pod.spec.tolerations, unschedulable_taint)) {
      ++reasons["node(s) were unschedulable"];
      continue;
    }
    if (Status t = k8s::taint_toleration_filter(pod, node); !t.ok()) {
      ++reasons[t.error().message];
      continue;
    }
    auto aff = k8s::required_node_affinity_matches(pod, node);
    if (!aff.ok() || !*aff) {
      ++reasons["node(s) didn't match Pod's node affinity/selector"];
      continue;
    }
    bool fits = true;
    const std::int64_t max_pods = amount(node.status.allocatable, "pods");
    if (info.pods + 1 > max_pods) {
      ++reasons["Too many pods"];
      fits = false;
    }
    for (const auto& [r, q] : req) {
      if (q.is_zero()) continue;
      if (amount(info.requested, r) + amount(req, r) > amount(node.status.allocatable, r)) {
        ++reasons["Insufficient " + r];
        fits = false;
      }
    }
    if (fits) feasible.push_back(&info);
  }

  // Extenders that care about this pod filter, then prioritise.
  auto interested = [&](const ExtenderConfig& c) {
    if (c.managedResources.empty()) return true;
    const k8s::ResourceList lim = k8s::pod_limits(pod);
    for (const auto& r : c.managedResources)
      if (req.count(r) || lim.count(r)) return true;
    return false;
  };
  auto args_for = [&](const ExtenderConfig& c) {
    Json args = {{"Pod", *obj}, {"Nodes", nullptr}, {"NodeNames", nullptr}};
    if (c.nodeCacheCapable) {
      Json names = Json::array();
      for (auto* n : feasible) names.push_back(n->node.metadata.name);
      args["NodeNames"] = std::move(names);
    } else {
      Json items = Json::array();
      for (auto* n : feasible) items.push_back(k8s::encode(n->node));
      args["Nodes"] = {{"items", std::move(items)}};
    }
    return args;
  };
  for (const auto& ext : options_.extenders) {
    if (feasible.empty()) break;
    if (ext.config.filterVerb.empty() || !ext.transport || !interested(ext.config)) continue;
    auto r = ext.transport->call(ext.config, ext.config.filterVerb, args_for(ext.config));
    std::string error = r.ok() ? r->value("Error", "") : r.error().message;
    if (!error.empty()) {
      if (ext.config.ignorable) continue;
      fail(pod, "0/" + std::to_string(nodes_.size()) + " nodes are available: extender " +
                    ext.config.urlPrefix + " failed: " + error);
      return;
    }
    std::set<std::string> passed;
    const Json& res = *r;
    if (res.contains("NodeNames") && res["NodeNames"].is_array())
      for (const auto& n : res["NodeNames"]) passed.insert(n.get<std::string>());
    else if (res.contains("Nodes") && res["Nodes"].is_object())
      for (const auto& n : res["Nodes"].value("items", Json::array()))
        passed.insert(n.at("metadata").value("name", ""));
    for (const char* failed_key : {"FailedNodes", "FailedAndUnresolvableNodes"})
      if (res.contains(failed_key) && res[failed_key].is_object())
        for (const auto& [n, why] : res[failed_key].items())
          ++reasons[why.is_string() ? why.get<std::string>() : std::string("rejected by extender")];
    std::erase_if(feasible, [&](NodeInfo* n) { return !passed.count(n->node.metadata.name); });
  }

  if (feasible.empty()) {
    std::vector<std::string> parts;
    for (const auto& [why, n] : reasons) parts.push_back(std::to_string(n) + " " + why);
    std::sort(parts.begin(), parts.end());
    std::string msg = "0/" + std::to_string(nodes_.size()) + " nodes are available";
    for (std::size_t i = 0; i < parts.size(); ++i) msg += (i ? ", " : ": ") + parts[i];
    msg += ".";
    fail(pod, msg);
    return;
  }

  // Scores of the default plugins, each normalised to 0..100, times its weight.
  const std::size_t n = feasible.size();
  std::vector<std::int64_t> taint(n), affinity(n), total(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    taint[i] = k8s::count_intolerable_prefer_no_schedule(feasible[i]->node.spec.taints,
                                                         pod.spec.tolerations);
    auto a = k8s::preferred_node_affinity_score(pod, feasible[i]->node);
    affinity[i] = a.ok() ? *a : 0;
  }
  k8s::normalize_scores(taint, true);
  k8s::normalize_scores(affinity, false);
  for (std::size_t i = 0; i < n; ++i) {
    const NodeInfo& info = *feasible[i];
    double fractions[2];
    std::int64_t least = 0;
    int idx = 0;
    for (const char* r : {"cpu", "memory"}) {
      const std::int64_t alloc = amount(info.node.status.allocatable, r);
      const std::int64_t used = amount(info.non_zero, r) + amount(nz, r);
      least += (alloc == 0 || used > alloc) ? 0 : (alloc - used) * kMaxNodeScore / alloc;
      fractions[idx++] = alloc == 0 ? 1.0 : std::min(1.0, static_cast<double>(used) / alloc);
    }
    least /= 2;  // cpu and memory, weight 1 each
    // Two resources: the standard deviation is half the difference of the fractions.
    const double stddev = std::abs(fractions[0] - fractions[1]) / 2;
    const auto balanced = static_cast<std::int64_t>((1 - stddev) * kMaxNodeScore);
    total[i] = taint[i] * kTaintTolerationWeight + affinity[i] * kNodeAffinityWeight +
               least * kFitWeight + balanced * kBalancedWeight;
  }
  for (const auto& ext : options_.extenders) {
    if (ext.config.prioritizeVerb.empty() || !ext.transport || !interested(ext.config)) continue;
    auto r = ext.transport->call(ext.config, ext.config.prioritizeVerb, args_for(ext.config));
    if (!r.ok() || !r->is_array()) continue;  // prioritize errors are ignored by the scheduler
    for (const auto& hp : *r) {
      if (!hp.is_object()) continue;
      const std::string host = hp.value("Host", "");
      const std::int64_t score = std::clamp<std::int64_t>(hp.value("Score", std::int64_t{0}), 0, 10);
      for (std::size_t i = 0; i < n; ++i)
        if (feasible[i]->node.metadata.name == host)
          total[i] += score * kExtenderScale * ext.config.weight;
    }
  }
  // The highest total; ties broken by reservoir sampling on the seeded source.
  std::size_t best = 0;
  std::uint64_t ties = 1;
  for (std::size_t i = 1; i < n; ++i) {
    if (total[i] > total[best]) {
      best = i;
      ties = 1;
    } else if (total[i] == total[best] && rng_.below(++ties) == 0) {
      best = i;
    }
  }
  const std::string node = feasible[best]->node.metadata.name;
  auto bound = client_.bind(kube::pods(pod.metadata.namespace_, pod.metadata.name), node,
                            pod.metadata.uid);
  if (!bound.ok()) {
    if (bound.error().code == ErrorCode::kConflict || bound.error().code == ErrorCode::kNotFound) {
      pending_.erase(key);
      return;
    }
    unschedulable_.insert(key);
    return;
  }
  pending_.erase(key);
  account(key, node, pod);
  ++bound_;
}

void Scheduler::fail(const k8s::Pod& pod, const std::string& message) {
  ++failed_;
  const std::string key = pod.metadata.namespace_ + "/" + pod.metadata.name;
  unschedulable_.insert(key);
  const auto ref = kube::pods(pod.metadata.namespace_, pod.metadata.name);
  const std::string now = now_text(executor_);
  bool same = false;
  for (const auto& c : pod.status.conditions)
    if (c.type == "PodScheduled" && c.status == "False" && c.reason == "Unschedulable" &&
        c.message == message)
      same = true;
  if (!same) {
    Json patch = {{"status",
                   {{"conditions",
                     {{{"type", "PodScheduled"}, {"status", "False"}, {"reason", "Unschedulable"},
                       {"message", message}, {"lastProbeTime", nullptr},
                       {"lastTransitionTime", now}}}}}}};
    kube::WriteOptions o;
    o.subresource = "status";
    (void)client_.patch(ref, kube::PatchType::kStrategicMerge, patch, o);
  }
  Json event = {{"apiVersion", "v1"},
                {"kind", "Event"},
                {"metadata", {{"name", pod.metadata.name + "." + rng_.hex(16)},
                              {"namespace", pod.metadata.namespace_}}},
                {"involvedObject", {{"apiVersion", "v1"}, {"kind", "Pod"},
                                    {"namespace", pod.metadata.namespace_},
                                    {"name", pod.metadata.name}, {"uid", pod.metadata.uid}}},
                {"reason", "FailedScheduling"},
                {"message", message},
                {"type", "Warning"},
                {"source", {{"component", options_.schedulerName}}},
                {"reportingComponent", options_.schedulerName},
                {"firstTimestamp", now},
                {"lastTimestamp", now},
                {"count", 1}};
  (void)client_.create(kube::events(pod.metadata.namespace_), std::move(event));
  if (!retry_timer_ && options_.unschedulable_retry.count() > 0)
    retry_timer_ = executor_.post_after(options_.unschedulable_retry,
                                        [this, alive = std::weak_ptr<bool>(alive_)] {
                                          auto a = alive.lock();
                                          if (!a || !*a) return;
                                          retry_timer_ = 0;
                                          requeue_unschedulable();
                                        });
}

}  // namespace kci::apiserver
