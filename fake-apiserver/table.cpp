#include "fake-apiserver/table.h"

#include <algorithm>
#include <set>

#include "core/k8s/object.h"

namespace kci::apiserver {
namespace {

// Descriptions shared by many columns (kubectl shows them in `kubectl explain`-like places
// only; the wording is ours).
constexpr const char* kNameDoc = "Name must be unique within a namespace.";
constexpr const char* kAgeDoc = "CreationTimestamp: when the object was created.";
constexpr const char* kContainersDoc = "Names of each container in the template.";
constexpr const char* kImagesDoc = "Images referenced by each container in the template.";

PrinterColumn col(std::string name, std::string type, std::string doc, int priority = 0,
                  std::string format = {}) {
  return PrinterColumn{std::move(name), std::move(type), std::move(format), std::move(doc),
                       priority, {}};
}
PrinterColumn name_col() { return col("Name", "string", kNameDoc, 0, "name"); }
PrinterColumn age_col() { return col("Age", "string", kAgeDoc); }

const Json* at(const Json& o, std::initializer_list<const char*> keys) {
  const Json* cur = &o;
  for (const char* k : keys) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(k);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}
std::string str_at(const Json& o, std::initializer_list<const char*> keys) {
  const Json* v = at(o, keys);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}
std::int64_t int_at(const Json& o, std::initializer_list<const char*> keys) {
  const Json* v = at(o, keys);
  return v && v->is_number_integer() ? v->get<std::int64_t>() : 0;
}
const Json& arr_at(const Json& o, std::initializer_list<const char*> keys) {
  static const Json empty = Json::array();
  const Json* v = at(o, keys);
  return v && v->is_array() ? *v : empty;
}
std::optional<TimePoint> time_at(const Json* v) {
  if (!v || !v->is_string()) return std::nullopt;
  auto t = k8s::Time::parse(v->get<std::string>());
  if (!t.ok()) return std::nullopt;
  return t->at;
}

std::string or_none(std::string s) { return s.empty() ? "<none>" : s; }

//! printService: Type, Cluster-IP (the first of clusterIPs), External-IP (getServiceExternalIP),
//! Port(s) (makePortString: "port[:nodePort]/protocol" joined by commas), Age, and the
//! selector (wide).
Json service_cells(const Json& svc, const std::string& age) {
  // Appends `item` to a comma-separated list.
  auto add = [](std::string& list, const std::string& item) { list += (list.empty() ? "" : ",") + item; };
  const std::string type = str_at(svc, {"spec", "type"});
  const Json& cluster_ips = arr_at(svc, {"spec", "clusterIPs"});
  std::string internal = "<none>";
  if (!cluster_ips.empty() && cluster_ips[0].is_string()) internal = cluster_ips[0].get<std::string>();
  std::string external_ips;
  for (const auto& v : arr_at(svc, {"spec", "externalIPs"}))
    if (v.is_string()) add(external_ips, v.get<std::string>());
  std::string external;
  if (type == "ExternalName") {
    external = str_at(svc, {"spec", "externalName"});
  } else if (type == "LoadBalancer") {
    for (const auto& ing : arr_at(svc, {"status", "loadBalancer", "ingress"})) {
      std::string a = str_at(ing, {"ip"});
      if (a.empty()) a = str_at(ing, {"hostname"});
      if (!a.empty()) add(external, a);
    }
    if (!external_ips.empty()) add(external, external_ips);
    if (external.empty()) external = "<pending>";
  } else {
    external = or_none(external_ips);
  }
  std::string ports;
  for (const auto& p : arr_at(svc, {"spec", "ports"})) {
    std::string one = std::to_string(int_at(p, {"port"}));
    if (const std::int64_t node_port = int_at(p, {"nodePort"}); node_port != 0) one += ":" + std::to_string(node_port);
    add(ports, one + "/" + str_at(p, {"protocol"}));
  }
  // labels.FormatLabels is a selector's matchLabels printed alone.
  const Json* sel = at(svc, {"spec", "selector"});
  const std::string selector =
      sel && sel->is_object() ? format_label_selector(Json{{"matchLabels", *sel}}) : std::string("<none>");
  return Json::array({str_at(svc, {"metadata", "name"}), type, internal, external, or_none(ports), age, selector});
}

//! layoutContainerCells: names and images joined by commas.
std::pair<std::string, std::string> container_cells(const Json& containers) {
  std::string names, images;
  bool first = true;
  for (const auto& c : containers) {
    if (!first) {
      names += ",";
      images += ",";
    }
    first = false;
    names += c.value("name", "");
    images += c.value("image", "");
  }
  return {names, images};
}

// ---- pods ------------------------------------------------------------------------------

bool restartable_init(const Json& spec, const std::string& name) {
  for (const auto& c : arr_at(spec, {"initContainers"}))
    if (c.value("name", "") == name) return c.value("restartPolicy", "") == "Always";
  return false;
}

bool condition_true(const Json& status, std::string_view type) {
  for (const auto& c : arr_at(status, {"conditions"}))
    if (c.value("type", "") == type) return c.value("status", "") == "True";
  return false;
}

Json pod_cells(const Json& pod, TimePoint now) {
  static const Json empty = Json::object();
  const Json& spec = pod.contains("spec") ? pod["spec"] : empty;
  const Json& status = pod.contains("status") ? pod["status"] : empty;
  std::int64_t restarts = 0, restartable_restarts = 0;
  std::int64_t total = static_cast<std::int64_t>(arr_at(spec, {"containers"}).size());
  std::int64_t ready = 0;
  std::optional<TimePoint> last_restart, last_restartable_restart;
  const std::string phase = str_at(status, {"phase"});
  std::string reason = phase;
  if (!str_at(status, {"reason"}).empty()) reason = str_at(status, {"reason"});
  for (const auto& c : arr_at(status, {"conditions"}))
    if (c.value("type", "") == "PodScheduled" && c.value("reason", "") == "SchedulingGated")
      reason = "SchedulingGated";
  for (const auto& c : arr_at(spec, {"initContainers"}))
    if (c.value("restartPolicy", "") == "Always") ++total;

  auto later = [](std::optional<TimePoint>& into, const Json& cs) {
    if (auto t = time_at(at(cs, {"lastState", "terminated", "finishedAt"})))
      if (!into || *into < *t) into = *t;
  };

  bool initializing = false;
  const Json& init_statuses = arr_at(status, {"initContainerStatuses"});
  const std::size_t init_count = arr_at(spec, {"initContainers"}).size();
  for (std::size_t i = 0; i < init_statuses.size(); ++i) {
    const Json& cs = init_statuses[i];
    const std::string name = cs.value("name", "");
    const bool restartable = restartable_init(spec, name);
    restarts += cs.value("restartCount", 0);
    later(last_restart, cs);
    if (restartable) {
      restartable_restarts += cs.value("restartCount", 0);
      later(last_restartable_restart, cs);
    }
    const Json* term = at(cs, {"state", "terminated"});
    const Json* wait = at(cs, {"state", "waiting"});
    if (term && term->value("exitCode", 0) == 0) continue;
    if (restartable && cs.value("started", false)) {
      if (cs.value("ready", false)) ++ready;
      continue;
    }
    if (term) {
      const std::string r = term->value("reason", "");
      if (r.empty()) {
        reason = term->value("signal", 0) != 0
                     ? "Init:Signal:" + std::to_string(term->value("signal", 0))
                     : "Init:ExitCode:" + std::to_string(term->value("exitCode", 0));
      } else {
        reason = "Init:" + r;
      }
    } else if (wait && !wait->value("reason", "").empty() &&
               wait->value("reason", "") != "PodInitializing") {
      reason = "Init:" + wait->value("reason", "");
    } else {
      reason = "Init:" + std::to_string(i) + "/" + std::to_string(init_count);
    }
    initializing = true;
    break;
  }

  if (!initializing || condition_true(status, "Initialized")) {
    restarts = restartable_restarts;
    last_restart = last_restartable_restart;
    bool has_running = false;
    const Json& statuses = arr_at(status, {"containerStatuses"});
    for (auto it = statuses.rbegin(); it != statuses.rend(); ++it) {
      const Json& cs = *it;
      restarts += cs.value("restartCount", 0);
      later(last_restart, cs);
      const Json* term = at(cs, {"state", "terminated"});
      const Json* wait = at(cs, {"state", "waiting"});
      if (wait && !wait->value("reason", "").empty()) {
        reason = wait->value("reason", "");
      } else if (term && !term->value("reason", "").empty()) {
        reason = term->value("reason", "");
      } else if (term) {
        reason = term->value("signal", 0) != 0
                     ? "Signal:" + std::to_string(term->value("signal", 0))
                     : "ExitCode:" + std::to_string(term->value("exitCode", 0));
      } else if (cs.value("ready", false) && at(cs, {"state", "running"})) {
        has_running = true;
        ++ready;
      }
    }
    if (reason == "Completed" && has_running)
      reason = condition_true(status, "Ready") ? "Running" : "NotReady";
  }

  const bool deleting = at(pod, {"metadata", "deletionTimestamp"}) != nullptr &&
                        !at(pod, {"metadata", "deletionTimestamp"})->is_null();
  if (deleting && str_at(status, {"reason"}) == "NodeLost") {
    reason = "Unknown";
  } else if (deleting && phase != "Succeeded" && phase != "Failed") {
    reason = "Terminating";
  }

  std::string restarts_text = std::to_string(restarts);
  if (restarts != 0 && last_restart)
    restarts_text += " (" + human_duration(now - *last_restart) + " ago)";

  std::string ip;
  const Json& ips = arr_at(status, {"podIPs"});
  if (!ips.empty()) ip = ips[0].value("ip", "");
  std::string gates = "<none>";
  const Json& rg = arr_at(spec, {"readinessGates"});
  if (!rg.empty()) {
    int true_count = 0;
    for (const auto& g : rg) {
      const std::string type = g.value("conditionType", "");
      for (const auto& c : arr_at(status, {"conditions"})) {
        if (c.value("type", "") == type) {
          if (c.value("status", "") == "True") ++true_count;
          break;
        }
      }
    }
    gates = std::to_string(true_count) + "/" + std::to_string(rg.size());
  }
  return Json::array({str_at(pod, {"metadata", "name"}),
                      std::to_string(ready) + "/" + std::to_string(total), reason, restarts_text,
                      age_of(at(pod, {"metadata", "creationTimestamp"}), now), or_none(ip),
                      or_none(str_at(spec, {"nodeName"})),
                      or_none(str_at(status, {"nominatedNodeName"})), gates});
}

// ---- nodes -----------------------------------------------------------------------------

Json node_cells(const Json& node, TimePoint now) {
  std::vector<std::string> status;
  for (const auto& c : arr_at(node, {"status", "conditions"})) {
    if (c.value("type", "") != "Ready") continue;
    status.push_back(c.value("status", "") == "True" ? "Ready" : "NotReady");
  }
  if (status.empty()) status.push_back("Unknown");
  const Json* unsched = at(node, {"spec", "unschedulable"});
  if (unsched && unsched->is_boolean() && unsched->get<bool>())
    status.push_back("SchedulingDisabled");
  std::string status_text;
  for (const auto& s : status) status_text += (status_text.empty() ? "" : ",") + s;

  // Roles: node-role.kubernetes.io/<role> keys and the kubernetes.io/role value, sorted.
  std::set<std::string> roles;
  if (const Json* labels = at(node, {"metadata", "labels"}); labels && labels->is_object()) {
    static constexpr std::string_view kRolePrefix = "node-role.kubernetes.io/";
    for (const auto& [k, v] : labels->items()) {
      if (k.starts_with(kRolePrefix) && k.size() > kRolePrefix.size()) {
        roles.insert(k.substr(kRolePrefix.size()));
      } else if (k == "kubernetes.io/role" && v.is_string() && !v.get<std::string>().empty()) {
        roles.insert(v.get<std::string>());
      }
    }
  }
  std::string roles_text;
  for (const auto& r : roles) roles_text += (roles_text.empty() ? "" : ",") + r;

  auto address = [&](std::string_view type) {
    for (const auto& a : arr_at(node, {"status", "addresses"}))
      if (a.value("type", "") == type) return a.value("address", "");
    return std::string("<none>");
  };
  auto unknown = [](std::string s) { return s.empty() ? std::string("<unknown>") : s; };
  return Json::array({str_at(node, {"metadata", "name"}), status_text, or_none(roles_text),
                      age_of(at(node, {"metadata", "creationTimestamp"}), now),
                      str_at(node, {"status", "nodeInfo", "kubeletVersion"}),
                      address("InternalIP"), address("ExternalIP"),
                      unknown(str_at(node, {"status", "nodeInfo", "osImage"})),
                      unknown(str_at(node, {"status", "nodeInfo", "kernelVersion"})),
                      unknown(str_at(node, {"status", "nodeInfo", "containerRuntimeVersion"}))});
}

// ---- workloads -------------------------------------------------------------------------

Json deployment_cells(const Json& d, TimePoint now) {
  const Json* replicas = at(d, {"spec", "replicas"});
  // spec.replicas defaults to 1 when absent (the apps/v1 default).
  const std::int64_t desired = replicas && replicas->is_number_integer() ? replicas->get<std::int64_t>() : 1;
  auto [names, images] = container_cells(arr_at(d, {"spec", "template", "spec", "containers"}));
  const Json* sel = at(d, {"spec", "selector"});
  std::string selector = sel ? format_label_selector(*sel) : "";
  if (selector == "<none>") selector = "";
  return Json::array({str_at(d, {"metadata", "name"}),
                      std::to_string(int_at(d, {"status", "readyReplicas"})) + "/" +
                          std::to_string(desired),
                      int_at(d, {"status", "updatedReplicas"}),
                      int_at(d, {"status", "availableReplicas"}),
                      age_of(at(d, {"metadata", "creationTimestamp"}), now), names, images,
                      selector});
}

Json replicaset_cells(const Json& rs, TimePoint now) {
  const Json* replicas = at(rs, {"spec", "replicas"});
  const std::int64_t desired =
      replicas && replicas->is_number_integer() ? replicas->get<std::int64_t>() : 1;
  auto [names, images] = container_cells(arr_at(rs, {"spec", "template", "spec", "containers"}));
  const Json* sel = at(rs, {"spec", "selector"});
  return Json::array({str_at(rs, {"metadata", "name"}), desired,
                      int_at(rs, {"status", "replicas"}), int_at(rs, {"status", "readyReplicas"}),
                      age_of(at(rs, {"metadata", "creationTimestamp"}), now), names, images,
                      sel ? format_label_selector(*sel) : "<none>"});
}

Json statefulset_cells(const Json& set, TimePoint now) {
  const Json* replicas = at(set, {"spec", "replicas"});
  const std::int64_t desired =
      replicas && replicas->is_number_integer() ? replicas->get<std::int64_t>() : 1;
  auto [names, images] = container_cells(arr_at(set, {"spec", "template", "spec", "containers"}));
  return Json::array({str_at(set, {"metadata", "name"}),
                      std::to_string(int_at(set, {"status", "readyReplicas"})) + "/" +
                          std::to_string(desired),
                      age_of(at(set, {"metadata", "creationTimestamp"}), now), names, images});
}

//! kubectl's job status: the first condition of Failed, Complete, FailureTarget,
//! SuccessCriteriaMet, Suspended that holds, else Running
//! (Terminating while a deletion is under way).
std::string job_status(const Json& job) {
  if (at(job, {"metadata", "deletionTimestamp"})) return "Terminating";
  const Json status = job.value("status", Json::object());
  for (const char* type : {"Failed", "Complete", "FailureTarget", "SuccessCriteriaMet", "Suspended"})
    if (condition_true(status, type)) return type;
  return "Running";
}

Json job_cells(const Json& job, TimePoint now) {
  const std::int64_t succeeded = int_at(job, {"status", "succeeded"});
  const Json* completions = at(job, {"spec", "completions"});
  std::string done;
  if (completions && completions->is_number_integer()) {
    done = std::to_string(succeeded) + "/" + std::to_string(completions->get<std::int64_t>());
  } else {
    const std::int64_t parallelism = int_at(job, {"spec", "parallelism"});
    done = std::to_string(succeeded) + "/1" +
           (parallelism > 1 ? " of " + std::to_string(parallelism) : std::string());
  }
  std::string duration;
  if (auto start = time_at(at(job, {"status", "startTime"}))) {
    const auto end = time_at(at(job, {"status", "completionTime"}));
    duration = human_duration((end ? *end : now) - *start);
  }
  auto [names, images] = container_cells(arr_at(job, {"spec", "template", "spec", "containers"}));
  const Json* sel = at(job, {"spec", "selector"});
  return Json::array({str_at(job, {"metadata", "name"}), job_status(job), done, duration,
                      age_of(at(job, {"metadata", "creationTimestamp"}), now), names, images,
                      sel ? format_label_selector(*sel) : "<none>"});
}

// ---- events ----------------------------------------------------------------------------

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

Json event_cells(const Json& e, TimePoint now) {
  const Json* first_ts = at(e, {"firstTimestamp"});
  std::string first = (first_ts && first_ts->is_string()) ? age_of(first_ts, now)
                                                          : age_of(at(e, {"eventTime"}), now);
  const Json* last_ts = at(e, {"lastTimestamp"});
  std::string last = (last_ts && last_ts->is_string()) ? age_of(last_ts, now) : first;
  std::int64_t count = int_at(e, {"count"});
  if (const Json* series = at(e, {"series"}); series && series->is_object()) {
    last = age_of(at(*series, {"lastObservedTime"}), now);
    count = int_at(*series, {"count"});
  } else if (count == 0) {
    count = 1;  // singleton events of the events.k8s.io API carry no count
  }
  const std::string kind = lower(str_at(e, {"involvedObject", "kind"}));
  const std::string name = str_at(e, {"involvedObject", "name"});
  const std::string target = name.empty() ? kind : kind + "/" + name;
  std::string component = str_at(e, {"source", "component"});
  if (component.empty()) component = str_at(e, {"reportingComponent"});
  std::string host = str_at(e, {"source", "host"});
  if (host.empty()) host = str_at(e, {"reportingInstance"});
  const std::string source = host.empty() ? component : component + ", " + host;
  std::string message = str_at(e, {"message"});
  const auto b = message.find_first_not_of(" \t\r\n");
  const auto en = message.find_last_not_of(" \t\r\n");
  message = b == std::string::npos ? "" : message.substr(b, en - b + 1);
  return Json::array({last, str_at(e, {"type"}), str_at(e, {"reason"}), target,
                      str_at(e, {"involvedObject", "fieldPath"}), source, message, first, count,
                      str_at(e, {"metadata", "name"})});
}

std::int64_t count_keys(const Json& o, const char* key) {
  const Json* v = at(o, {key});
  return v && v->is_object() ? static_cast<std::int64_t>(v->size()) : 0;
}

}  // namespace

// ---- public helpers ----------------------------------------------------------------------

bool parse_include_object(std::string_view text, IncludeObject* out) {
  if (text.empty() || text == "Metadata") {
    *out = IncludeObject::kMetadata;
  } else if (text == "None") {
    *out = IncludeObject::kNone;
  } else if (text == "Object") {
    *out = IncludeObject::kObject;
  } else {
    return false;
  }
  return true;
}

std::string human_duration(Duration d) {
  using std::to_string;
  const long long seconds = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  // Up to one second in the future counts as now (clock skew between machines).
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return to_string(seconds) + "s";
  const long long minutes = seconds / 60;
  if (minutes < 10) {
    const long long s = seconds % 60;
    return s == 0 ? to_string(minutes) + "m" : to_string(minutes) + "m" + to_string(s) + "s";
  }
  if (minutes < 60 * 3) return to_string(minutes) + "m";
  const long long hours = minutes / 60;
  if (hours < 8) {
    const long long m = minutes % 60;
    return m == 0 ? to_string(hours) + "h" : to_string(hours) + "h" + to_string(m) + "m";
  }
  if (hours < 48) return to_string(hours) + "h";
  if (hours < 24 * 8) {
    const long long h = hours % 24;
    return h == 0 ? to_string(hours / 24) + "d" : to_string(hours / 24) + "d" + to_string(h) + "h";
  }
  if (hours < 24 * 365 * 2) return to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    const long long dy = (hours / 24) % 365;
    return dy == 0 ? to_string(hours / 24 / 365) + "y"
                   : to_string(hours / 24 / 365) + "y" + to_string(dy) + "d";
  }
  return to_string(hours / 24 / 365) + "y";
}

std::string age_of(const Json* timestamp, TimePoint now) {
  auto t = time_at(timestamp);
  if (!t) return "<unknown>";
  return human_duration(now - *t);
}

std::string format_label_selector(const Json& selector) {
  if (!selector.is_object()) return "<none>";
  // Requirements sorted by key, as labels.Selector.String() prints them.
  std::vector<std::pair<std::string, std::string>> reqs;
  if (const auto it = selector.find("matchLabels"); it != selector.end() && it->is_object())
    for (const auto& [k, v] : it->items())
      reqs.emplace_back(k, k + "=" + (v.is_string() ? v.get<std::string>() : v.dump()));
  if (const auto it = selector.find("matchExpressions"); it != selector.end() && it->is_array()) {
    for (const auto& e : *it) {
      const std::string key = e.value("key", "");
      const std::string op = e.value("operator", "");
      std::vector<std::string> values;
      for (const auto& v : e.value("values", Json::array()))
        if (v.is_string()) values.push_back(v.get<std::string>());
      std::sort(values.begin(), values.end());
      std::string joined;
      for (const auto& v : values) joined += (joined.empty() ? "" : ",") + v;
      if (op == "In") reqs.emplace_back(key, key + " in (" + joined + ")");
      else if (op == "NotIn") reqs.emplace_back(key, key + " notin (" + joined + ")");
      else if (op == "Exists") reqs.emplace_back(key, key);
      else if (op == "DoesNotExist") reqs.emplace_back(key, "!" + key);
    }
  }
  if (reqs.empty()) return "<none>";
  std::stable_sort(reqs.begin(), reqs.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& r : reqs) out += (out.empty() ? "" : ",") + r.second;
  return out;
}

Json eval_printer_path(const Json& object, std::string_view path) {
  const Json* cur = &object;
  std::size_t i = 0;
  if (!path.empty() && path[0] == '{') {  // "{.spec.x}" form
    path.remove_prefix(1);
    if (!path.empty() && path.back() == '}') path.remove_suffix(1);
  }
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      std::size_t j = i;
      while (j < path.size() && path[j] != '.' && path[j] != '[') ++j;
      const std::string key(path.substr(i, j - i));
      i = j;
      if (key.empty()) continue;
      if (!cur->is_object()) return nullptr;
      auto it = cur->find(key);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (path[i] == '[') {
      const auto close = path.find(']', i);
      if (close == std::string_view::npos) return nullptr;
      const std::string_view inner = path.substr(i + 1, close - i - 1);
      i = close + 1;
      if (!cur->is_array()) return nullptr;
      if (inner.starts_with("?(@.")) {
        // ?(@.field=="value")
        const auto eq = inner.find("==");
        if (eq == std::string_view::npos || inner.back() != ')') return nullptr;
        const std::string field(inner.substr(4, eq - 4));
        std::string value(inner.substr(eq + 2, inner.size() - eq - 3));
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\''))
          value = value.substr(1, value.size() - 2);
        const Json* found = nullptr;
        for (const auto& el : *cur) {
          if (el.is_object() && el.contains(field) && el[field].is_string() &&
              el[field].get<std::string>() == value) {
            found = &el;
            break;
          }
        }
        if (!found) return nullptr;
        cur = found;
      } else {
        std::size_t n = 0;
        for (char c : inner) {
          if (c < '0' || c > '9') return nullptr;
          n = n * 10 + static_cast<std::size_t>(c - '0');
        }
        if (inner.empty() || n >= cur->size()) return nullptr;
        cur = &(*cur)[n];
      }
    } else {
      return nullptr;
    }
  }
  return *cur;
}

// ---- TablePrinter ------------------------------------------------------------------------

TablePrinter::TablePrinter(const kube::ResourceInfo& info, std::vector<PrinterColumn> custom) {
  const std::string key = info.group + "/" + info.resource;
  if (!custom.empty()) {
    printer_ = Printer::kCustom;
    columns_.push_back(name_col());
    for (auto& c : custom) columns_.push_back(std::move(c));
    return;
  }
  if (key == "/pods") {
    printer_ = Printer::kPod;
    columns_ = {name_col(),
                col("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
                col("Status", "string", "The aggregate status of the containers in this pod."),
                col("Restarts", "string",
                    "The number of times the containers in this pod have been restarted and when "
                    "the last container in this pod has restarted."),
                age_col(),
                col("IP", "string", "The pod's IP address.", 1),
                col("Node", "string", "The node the pod is bound to.", 1),
                col("Nominated Node", "string", "The node preemption nominated for the pod.", 1),
                col("Readiness Gates", "string", "Readiness gates met / declared.", 1)};
  } else if (key == "/nodes") {
    printer_ = Printer::kNode;
    columns_ = {name_col(),
                col("Status", "string", "The status of the node"),
                col("Roles", "string", "The roles of the node"),
                age_col(),
                col("Version", "string", "Kubelet version reported by the node."),
                col("Internal-IP", "string", "The node's internal address.", 1),
                col("External-IP", "string", "The node's external address.", 1),
                col("OS-Image", "string", "OS image reported by the node.", 1),
                col("Kernel-Version", "string", "Kernel version reported by the node.", 1),
                col("Container-Runtime", "string", "Container runtime reported by the node.", 1)};
  } else if (key == "apps/deployments") {
    printer_ = Printer::kDeployment;
    columns_ = {name_col(),
                col("Ready", "string", "Number of the pod with ready state"),
                col("Up-to-date", "string", "Total number of pods with the desired template."),
                col("Available", "string", "Total number of available pods."),
                age_col(),
                col("Containers", "string", kContainersDoc, 1),
                col("Images", "string", kImagesDoc, 1),
                col("Selector", "string", "Label selector for pods.", 1)};
  } else if (key == "apps/replicasets") {
    printer_ = Printer::kReplicaSet;
    columns_ = {name_col(),
                col("Desired", "integer", "Number of desired pods."),
                col("Current", "integer", "The most recently observed number of replicas."),
                col("Ready", "integer", "The number of pods with a Ready condition."),
                age_col(),
                col("Containers", "string", kContainersDoc, 1),
                col("Images", "string", kImagesDoc, 1),
                col("Selector", "string", "Label selector for pods.", 1)};
  } else if (key == "apps/statefulsets") {
    printer_ = Printer::kStatefulSet;
    columns_ = {name_col(),
                col("Ready", "string", "Number of the pod with ready state"),
                age_col(),
                col("Containers", "string", kContainersDoc, 1),
                col("Images", "string", kImagesDoc, 1)};
  } else if (key == "batch/jobs") {
    printer_ = Printer::kJob;
    columns_ = {name_col(),
                col("Status", "string", "Status of the job."),
                col("Completions", "string", "The completion status of the job"),
                col("Duration", "string", "Time required to complete the job."),
                age_col(),
                col("Containers", "string", kContainersDoc, 1),
                col("Images", "string", kImagesDoc, 1),
                col("Selector", "string", "Label selector for pods.", 1)};
  } else if (key == "/events") {
    printer_ = Printer::kEvent;
    columns_ = {col("Last Seen", "string", "The time at which the most recent occurrence was recorded."),
                col("Type", "string", "Type of this event (Normal, Warning)."),
                col("Reason", "string", "Short, machine understandable reason for the event."),
                col("Object", "string", "The object this event is about."),
                col("Subobject", "string", "The part of the object this event is about.", 1),
                col("Source", "string", "The component reporting this event.", 1),
                col("Message", "string", "A human-readable description of the event."),
                col("First Seen", "string", "The time at which the event was first recorded.", 1),
                col("Count", "string", "The number of times this event has occurred.", 1),
                col("Name", "string", kNameDoc, 1, "name")};
  } else if (key == "coordination.k8s.io/leases") {
    printer_ = Printer::kLease;
    columns_ = {name_col(), col("Holder", "string", "The identity of the holder of the lease."),
                age_col()};
  } else if (key == "/namespaces") {
    printer_ = Printer::kNamespace;
    columns_ = {name_col(), col("Status", "string", "The status of the namespace"), age_col()};
  } else if (key == "/configmaps") {
    printer_ = Printer::kConfigMap;
    columns_ = {name_col(), col("Data", "string", "Number of data keys."), age_col()};
  } else if (key == "/secrets") {
    printer_ = Printer::kSecret;
    columns_ = {name_col(), col("Type", "string", "Used to facilitate programmatic handling of secret data."),
                col("Data", "string", "Number of data keys."), age_col()};
  } else if (key == "/services") {
    printer_ = Printer::kService;
    columns_ = {name_col(),
                col("Type", "string", "type determines how the Service is exposed."),
                col("Cluster-IP", "string", "clusterIP is the IP address of the service."),
                col("External-IP", "string", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
                col("Port(s)", "string", "The list of ports that are exposed by this service."),
                age_col(),
                col("Selector", "string", "Route service traffic to pods with label keys and values matching this selector.", 1)};
  } else {
    columns_ = {name_col(), age_col()};
  }
}

Json TablePrinter::column_definitions() const {
  Json out = Json::array();
  for (const auto& c : columns_) {
    out.push_back({{"name", c.name},
                   {"type", c.type == "date" ? "date" : c.type},
                   {"format", c.format},
                   {"description", c.description},
                   {"priority", c.priority}});
  }
  return out;
}

Json TablePrinter::cells(const Json& o, TimePoint now) const {
  const Json* created = at(o, {"metadata", "creationTimestamp"});
  const std::string name = str_at(o, {"metadata", "name"});
  switch (printer_) {
    case Printer::kPod: return pod_cells(o, now);
    case Printer::kNode: return node_cells(o, now);
    case Printer::kDeployment: return deployment_cells(o, now);
    case Printer::kReplicaSet: return replicaset_cells(o, now);
    case Printer::kStatefulSet: return statefulset_cells(o, now);
    case Printer::kJob: return job_cells(o, now);
    case Printer::kEvent: return event_cells(o, now);
    case Printer::kLease:
      return Json::array({name, str_at(o, {"spec", "holderIdentity"}), age_of(created, now)});
    case Printer::kNamespace:
      return Json::array({name, str_at(o, {"status", "phase"}), age_of(created, now)});
    case Printer::kConfigMap:
      return Json::array({name, count_keys(o, "data") + count_keys(o, "binaryData"),
                          age_of(created, now)});
    case Printer::kSecret:
      return Json::array({name, str_at(o, {"type"}), count_keys(o, "data"), age_of(created, now)});
    case Printer::kService: return service_cells(o, age_of(created, now));
    case Printer::kCustom: {
      Json out = Json::array({name});
      for (std::size_t i = 1; i < columns_.size(); ++i) {
        const auto& c = columns_[i];
        Json v = eval_printer_path(o, c.json_path);
        if (c.type == "date") {
          out.push_back(v.is_null() ? Json(nullptr) : Json(age_of(&v, now)));
        } else if (v.is_object() || v.is_array()) {
          out.push_back(v.dump());
        } else {
          out.push_back(std::move(v));
        }
      }
      return out;
    }
    case Printer::kGeneric: break;
  }
  return Json::array({name, age_of(created, now)});
}

Json TablePrinter::row(const Json& object, TimePoint now, IncludeObject include) const {
  Json row = {{"cells", cells(object, now)}};
  switch (include) {
    case IncludeObject::kNone: break;
    case IncludeObject::kObject: row["object"] = object; break;
    case IncludeObject::kMetadata:
      row["object"] = {{"kind", "PartialObjectMetadata"},
                       {"apiVersion", "meta.k8s.io/v1"},
                       {"metadata", object.value("metadata", Json::object())}};
      break;
  }
  const std::string phase = str_at(object, {"status", "phase"});
  if (printer_ == Printer::kPod && (phase == "Succeeded" || phase == "Failed")) {
    row["conditions"] = Json::array(
        {{{"type", "Completed"},
          {"status", "True"},
          {"reason", phase},
          {"message", phase == "Succeeded" ? "The pod has completed successfully." : "The pod failed."}}});
  }
  return row;
}

Json TablePrinter::table(const std::vector<const Json*>& objects, TimePoint now,
                         IncludeObject include, const Json& list_metadata,
                         bool with_columns) const {
  Json rows = Json::array();
  for (const Json* o : objects) rows.push_back(row(*o, now, include));
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", list_metadata.is_object() ? list_metadata : Json::object()},
          {"columnDefinitions", with_columns ? column_definitions() : Json::array()},
          {"rows", std::move(rows)}};
}

}  // namespace kci::apiserver
