#include "provider/vk/kubelet_api.h"

#include <charconv>
#include <cstdio>
#include <deque>
#include <sstream>

#include "core/k8s/object.h"

namespace kci::vk {

namespace {

using provider::HttpRequest;
using provider::HttpResponse;
using k8s::Json;

//! DescribeContainerLog's Tail limit (kci-cloud.md: Tail <= 2000).
constexpr int kMaxKciTail = 2000;
//! How often a followed log is read again.
constexpr std::chrono::milliseconds kFollowPoll{1000};

HttpResponse text(int status, std::string body) {
  if (!body.empty() && body.back() != '\n') body += '\n';
  return HttpResponse{status, "text/plain; charset=utf-8", std::move(body), {}, {}};
}

HttpResponse json(const Json& j) { return HttpResponse{200, "application/json", j.dump(), {}, {}}; }

//! A non-negative integer query parameter; errors name it, its value and what is accepted.
Result<std::optional<std::int64_t>> int_param(const HttpRequest& r, const std::string& name, std::int64_t min) {
  auto it = r.query.find(name);
  if (it == r.query.end()) return std::optional<std::int64_t>{};
  std::int64_t v = 0;
  const auto& s = it->second;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < min)
    return invalid_argument(name + " is \"" + s + "\"; expected an integer >= " + std::to_string(min));
  return std::optional<std::int64_t>{v};
}

Result<bool> bool_param(const HttpRequest& r, const std::string& name) {
  auto it = r.query.find(name);
  if (it == r.query.end() || it->second == "false" || it->second == "0") return false;
  if (it->second.empty() || it->second == "true" || it->second == "1") return true;
  return invalid_argument(name + " is \"" + it->second + "\"; expected true or false");
}

std::vector<std::string> split_lines(const std::string& content) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < content.size()) {
    const auto nl = content.find('\n', start);
    if (nl == std::string::npos) {
      lines.push_back(content.substr(start));
      break;
    }
    lines.push_back(content.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

//! How many lines at the start of `now` repeat the end of `before` (the longest overlap):
//! what a re-read of the last lines has in common with the previous read.
std::size_t overlap(const std::vector<std::string>& before, const std::vector<std::string>& now) {
  for (std::size_t k = std::min(before.size(), now.size()); k > 0; --k) {
    if (std::equal(now.begin(), now.begin() + static_cast<std::ptrdiff_t>(k),
                   before.end() - static_cast<std::ptrdiff_t>(k)))
      return k;
  }
  return 0;
}

std::string prometheus_escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

Json pod_list(std::vector<Json> items) {
  return Json{{"kind", "PodList"}, {"apiVersion", "v1"}, {"metadata", Json::object()}, {"items", std::move(items)}};
}

}  // namespace

HttpResponse KubeletApi::handle(const HttpRequest& req) {
  if (req.method != "GET" && req.method != "HEAD")
    return text(405, "method " + req.method + " is not served; the kubelet API of a virtual node is read-only (GET)");
  const std::string& path = req.path;
  if (path == "/healthz" || path == "/healthz/ping" || path == "/readyz") {
    if (!vk_.credentials_problem().empty()) return text(503, "KCI credentials: " + vk_.credentials_problem());
    return text(200, "ok");
  }
  if (path == "/pods" || path == "/pods/") {
    std::vector<Json> items;
    for (const auto& p : vk_.pods()) items.push_back(*p);
    return json(pod_list(std::move(items)));
  }
  if (path == "/runningpods" || path == "/runningpods/") {
    std::vector<Json> items;
    for (const auto& p : vk_.pods()) {
      auto rec = vk_.groups().find(kube::key_of(*p));
      if (rec == vk_.groups().end() || rec->second.group_id.empty() ||
          rec->second.status != kcicloud::status::kRunning)
        continue;
      items.push_back(*p);
    }
    return json(pod_list(std::move(items)));
  }
  if (path.rfind("/containerLogs/", 0) == 0) return logs(req);
  if (path == "/stats/summary" || path == "/stats/summary/") return summary();
  if (path == "/metrics") return metrics();
  if (path == "/metrics/resource") return resource_metrics();
  if (path.rfind("/exec/", 0) == 0 || path.rfind("/attach/", 0) == 0 || path.rfind("/portForward/", 0) == 0 ||
      path.rfind("/run/", 0) == 0)
    return text(501, path.substr(0, path.find('/', 1)) +
                         " is not supported by the KCI virtual kubelet (ExecContainerCommand's WebSocket is not "
                         "bridged yet)");
  return text(404, "path " + path +
                       " is not served; served: /healthz, /pods, /runningpods/, "
                       "/containerLogs/{namespace}/{pod}/{container}, /stats/summary, /metrics, /metrics/resource");
}

HttpResponse KubeletApi::logs(const HttpRequest& req) {
  // /containerLogs/{ns}/{pod}/{container}
  std::vector<std::string> parts;
  {
    std::string rest = req.path.substr(std::string("/containerLogs/").size());
    std::size_t start = 0;
    while (start <= rest.size()) {
      const auto slash = std::min(rest.find('/', start), rest.size());
      parts.push_back(rest.substr(start, slash - start));
      start = slash + 1;
    }
  }
  if (parts.size() != 3 || parts[0].empty() || parts[1].empty() || parts[2].empty())
    return text(400, "path " + req.path + " is not /containerLogs/{namespace}/{pod}/{container}");
  const std::string& ns = parts[0];
  const std::string& name = parts[1];
  const std::string& container = parts[2];
  for (const char* unsupported : {"previous", "sinceSeconds", "sinceTime"}) {
    if (!req.query.count(unsupported)) continue;
    if (std::string(unsupported) == "previous" && (req.query.at("previous") == "false" || req.query.at("previous").empty()))
      continue;
    return text(400, std::string(unsupported) + " is not supported: KCI's DescribeContainerLog returns the last lines "
                                                "of the current container only (tailLines, limitBytes, timestamps and "
                                                "follow are supported)");
  }
  auto tail = int_param(req, "tailLines", 0);
  if (!tail.ok()) return text(400, tail.error().message);
  auto limit = int_param(req, "limitBytes", 1);
  if (!limit.ok()) return text(400, limit.error().message);
  auto stamps = bool_param(req, "timestamps");
  if (!stamps.ok()) return text(400, stamps.error().message);
  auto follow = bool_param(req, "follow");
  if (!follow.ok()) return text(400, follow.error().message);

  const std::string key = ns + "/" + name;
  kube::Object pod;
  for (const auto& p : vk_.pods())
    if (kube::key_of(*p) == key) pod = p;
  if (!pod) return text(404, "pod " + key + " is not on node " + vk_.node_name());
  bool known = false;
  std::string names;
  for (const char* field : {"initContainers", "containers"})
    for (const auto& c : (*pod)["spec"].value(field, Json::array())) {
      known = known || c.value("name", "") == container;
      names += (names.empty() ? "" : ", ") + c.value("name", "");
    }
  if (!known) return text(400, "container " + container + " is not valid for pod " + name + "; its containers: " + names);
  auto rec = vk_.groups().find(key);
  if (rec == vk_.groups().end() || rec->second.group_id.empty())
    return text(400, "container \"" + container + "\" in pod \"" + name +
                         "\" is waiting to start: its KCI container group is not created yet");

  auto state = std::make_shared<LogFollow>();
  state->key = key;
  state->pod_uid = (*pod)["metadata"].value("uid", "");
  state->group_id = rec->second.group_id;
  state->container = container;
  state->timestamps = *stamps;
  if (*limit) state->bytes_left = **limit;
  const int kci_tail = tail->has_value() ? static_cast<int>(std::min<std::int64_t>(**tail, kMaxKciTail)) : kMaxKciTail;
  std::string first;
  if (kci_tail > 0 || *follow) {
    auto r = read_log(*state, kci_tail > 0 ? kci_tail : 1);
    if (!r.ok()) return text(r.error().code == ErrorCode::kNotFound ? 404 : 500, r.error().message);
    first = kci_tail > 0 ? std::move(*r) : std::string();
  }
  first = state->clip(std::move(first));
  HttpResponse resp = text(200, "");
  resp.body = std::move(first);
  if (*follow && !state->done()) {
    resp.poll_interval = kFollowPoll;
    resp.stream = [this, state]() -> std::optional<std::string> { return poll_log(*state); };
  }
  return resp;
}

Result<std::string> KubeletApi::read_log(LogFollow& st, int tail) {
  kcicloud::DescribeContainerLogRequest r{st.group_id, st.container, tail};
  auto got = vk_.kci().describe_container_log(vk_.kci_context(), r);
  if (!got.ok()) return got.take_error();
  auto lines = split_lines(got->content);
  const std::size_t skip = overlap(st.last, lines);
  const std::string stamp = k8s::Time{vk_.executor().clock().now(), true}.to_string();
  std::string out;
  for (std::size_t i = skip; i < lines.size(); ++i) out += (st.timestamps ? stamp + " " : "") + lines[i] + "\n";
  st.last = std::move(lines);
  return out;
}

std::optional<std::string> KubeletApi::poll_log(LogFollow& st) {
  if (st.done()) return std::nullopt;
  auto rec = vk_.groups().find(st.key);
  const bool gone = rec == vk_.groups().end() || rec->second.group_id != st.group_id || rec->second.pod_uid != st.pod_uid;
  const bool ended = !gone && (rec->second.status == kcicloud::status::kSucceeded ||
                               rec->second.status == kcicloud::status::kFailed);
  if (gone) return std::nullopt;
  auto r = read_log(st, kMaxKciTail);
  if (!r.ok()) return std::nullopt;  // the group went away between two polls
  std::string out = st.clip(std::move(*r));
  if (ended) st.finished = true;  // the last read after the end: the stream closes next
  return out;
}

std::string KubeletApi::LogFollow::clip(std::string s) {
  if (!bytes_left) return s;
  if (static_cast<std::int64_t>(s.size()) >= *bytes_left) {
    s.resize(static_cast<std::size_t>(*bytes_left));
    *bytes_left = 0;
    finished = true;
    return s;
  }
  *bytes_left -= static_cast<std::int64_t>(s.size());
  return s;
}

HttpResponse KubeletApi::summary() {
  const std::string node_start = k8s::Time{vk_.started_at(), false}.to_string();
  Json pods = Json::array();
  for (const auto& p : vk_.pods()) {
    const Json& md = (*p)["metadata"];
    const Json status = p->value("status", Json::object());
    Json containers = Json::array();
    for (const auto& cs : status.value("containerStatuses", Json::array())) {
      Json c = {{"name", cs.value("name", "")}};
      const Json state = cs.value("state", Json::object());
      if (state.contains("running")) c["startTime"] = state["running"].value("startedAt", "");
      containers.push_back(std::move(c));
    }
    Json pod = {{"podRef", {{"name", md.value("name", "")}, {"namespace", md.value("namespace", "")}, {"uid", md.value("uid", "")}}},
                {"containers", std::move(containers)}};
    if (status.contains("startTime")) pod["startTime"] = status["startTime"];
    pods.push_back(std::move(pod));
  }
  return json(Json{{"node", {{"nodeName", vk_.node_name()}, {"startTime", node_start}, {"systemContainers", Json::array()}}},
                   {"pods", std::move(pods)}});
}

HttpResponse KubeletApi::metrics() {
  std::ostringstream o;
  const auto& st = vk_.stats();
  std::map<std::string, int> phases{{"Pending", 0}, {"Running", 0}, {"Succeeded", 0}, {"Failed", 0}, {"Unknown", 0}};
  for (const auto& p : vk_.pods()) ++phases[(*p)["status"].value("phase", "Pending")];
  const std::string node = prometheus_escape(vk_.node_name());
  o << "# HELP kci_vk_pods Pods bound to the virtual node, by phase.\n# TYPE kci_vk_pods gauge\n";
  for (const auto& [phase, n] : phases) o << "kci_vk_pods{node=\"" << node << "\",phase=\"" << phase << "\"} " << n << "\n";
  o << "# HELP kci_vk_kci_calls_total KCI API calls by action and result (ok, or the KCI error code).\n"
       "# TYPE kci_vk_kci_calls_total counter\n";
  for (const auto& [k, n] : st.kci_calls) {
    const auto sp = k.find(' ');
    o << "kci_vk_kci_calls_total{action=\"" << prometheus_escape(k.substr(0, sp)) << "\",result=\""
      << prometheus_escape(k.substr(sp + 1)) << "\"} " << n << "\n";
  }
  o << "# HELP kci_vk_kci_call_duration_seconds KCI API call latency, by action.\n"
       "# TYPE kci_vk_kci_call_duration_seconds histogram\n";
  for (const auto& [action, h] : st.kci_latency) {
    const std::string a = prometheus_escape(action);
    std::int64_t cumulative = 0;
    for (std::size_t i = 0; i < LatencyHistogram::kBounds.size(); ++i) {
      cumulative += h.buckets[i];
      o << "kci_vk_kci_call_duration_seconds_bucket{action=\"" << a << "\",le=\"" << number(LatencyHistogram::kBounds[i])
        << "\"} " << cumulative << "\n";
    }
    o << "kci_vk_kci_call_duration_seconds_bucket{action=\"" << a << "\",le=\"+Inf\"} " << h.count << "\n";
    o << "kci_vk_kci_call_duration_seconds_sum{action=\"" << a << "\"} " << number(h.sum) << "\n";
    o << "kci_vk_kci_call_duration_seconds_count{action=\"" << a << "\"} " << h.count << "\n";
  }
  const std::pair<const char*, std::int64_t> counters[] = {
      {"groups_created", st.groups_created}, {"groups_deleted", st.groups_deleted},
      {"groups_adopted", st.groups_adopted}, {"orphans_deleted", st.orphans_deleted},
      {"pod_status_updates", st.status_updates}, {"refusals", st.refusals}};
  for (const auto& [name, v] : counters)
    o << "# TYPE kci_vk_" << name << "_total counter\nkci_vk_" << name << "_total " << v << "\n";
  return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", o.str(), {}, {}};
}

HttpResponse KubeletApi::resource_metrics() {
  std::ostringstream o;
  o << "# HELP container_start_time_seconds Start time of the container since unix epoch in seconds\n"
       "# TYPE container_start_time_seconds gauge\n";
  for (const auto& p : vk_.pods()) {
    const Json& md = (*p)["metadata"];
    const std::string ns = prometheus_escape(md.value("namespace", "")), pod = prometheus_escape(md.value("name", ""));
    for (const auto& cs : (*p)["status"].value("containerStatuses", Json::array())) {
      const Json state = cs.value("state", Json::object());
      if (!state.contains("running")) continue;
      auto t = k8s::Time::parse(state["running"].value("startedAt", ""));
      if (!t.ok()) continue;
      const double secs = std::chrono::duration<double>(t->at.time_since_epoch()).count();
      o << "container_start_time_seconds{container=\"" << prometheus_escape(cs.value("name", "")) << "\",namespace=\""
        << ns << "\",pod=\"" << pod << "\"} " << number(secs) << "\n";
    }
  }
  // KCI publishes no usage figures: say that the usage series are absent, not zero.
  o << "# HELP scrape_error 1 if there was an error while getting container metrics, 0 otherwise\n"
       "# TYPE scrape_error gauge\nscrape_error 0\n";
  return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", o.str(), {}, {}};
}

}  // namespace kci::vk
