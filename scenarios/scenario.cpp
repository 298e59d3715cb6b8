#include "scenarios/scenario.h"

#include <set>

#include "core/duration.h"
#include "core/k8s/quantity.h"
#include "core/k8s/yaml.h"

namespace kci::scenario {
namespace {

//! Reads the keys of one map of the file, remembering which were read so the leftovers can
//! be reported as unknown.
class Fields {
 public:
  Fields(const Json& j, std::string where) : j_(j), where_(std::move(where)) {}

  Status must_be_map() const {
    if (!j_.is_object()) return fail_at(where_, "expected a map, found " + brief(j_));
    return {};
  }
  const Json* get(const std::string& key) {
    seen_.insert(key);
    auto it = j_.find(key);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }
  std::string at(const std::string& key) const { return where_.empty() ? key : where_ + "." + key; }

  Result<std::optional<std::string>> string(const std::string& key) {
    const Json* v = get(key);
    if (!v) return std::optional<std::string>{};
    if (v->is_string()) return std::optional<std::string>(v->get<std::string>());
    if (v->is_number()) return std::optional<std::string>(v->dump());  // `projectId: 106123`
    return fail_at(at(key), "expected a string, found " + brief(*v));
  }
  Result<std::string> required_string(const std::string& key) {
    KCI_TRY(auto v, string(key));
    if (!v || v->empty()) return fail_at(at(key), "is required");
    return *v;
  }
  Result<std::optional<std::int64_t>> integer(const std::string& key) {
    const Json* v = get(key);
    if (!v) return std::optional<std::int64_t>{};
    if (!v->is_number_integer()) return fail_at(at(key), "expected an integer, found " + brief(*v));
    return std::optional<std::int64_t>(v->get<std::int64_t>());
  }
  Result<std::optional<bool>> boolean(const std::string& key) {
    const Json* v = get(key);
    if (!v) return std::optional<bool>{};
    if (!v->is_boolean()) return fail_at(at(key), "expected true or false, found " + brief(*v));
    return std::optional<bool>(v->get<bool>());
  }
  Result<std::optional<Duration>> duration(const std::string& key) {
    const Json* v = get(key);
    if (!v) return std::optional<Duration>{};
    if (!v->is_string() && !(v->is_number_integer() && v->get<std::int64_t>() == 0))
      return fail_at(at(key), "expected a duration such as 30s, found " + brief(*v));
    auto d = parse_duration(v->is_string() ? v->get<std::string>() : "0");
    if (!d.ok()) return fail_at(at(key), d.error().message);
    return std::optional<Duration>(*d);
  }
  //! Fails on the first key that was never read.
  Status no_unknown_keys() const {
    for (const auto& [k, v] : j_.items())
      if (!seen_.count(k)) {
        std::string known;
        for (const auto& s : seen_) known += (known.empty() ? "" : ", ") + s;
        return fail_at(at(k), "unknown key (accepted here: " + known + ")");
      }
    return {};
  }

  static Error fail_at(const std::string& where, const std::string& what) {
    return invalid_argument(where + ": " + what);
  }
  static std::string brief(const Json& j) {
    std::string s = j.dump();
    constexpr std::size_t kMaxShown = 60;  // keep messages on one line
    if (s.size() > kMaxShown) s = s.substr(0, kMaxShown) + "...";
    return s;
  }

 private:
  const Json& j_;
  std::string where_;
  std::set<std::string> seen_;
};

//! A map, or a list of maps (an expect key may name one item or several).
std::vector<std::pair<const Json*, std::string>> items_of(const Json& v, const std::string& where) {
  std::vector<std::pair<const Json*, std::string>> out;
  if (v.is_array()) {
    for (std::size_t i = 0; i < v.size(); ++i) out.emplace_back(&v[i], where + "[" + std::to_string(i) + "]");
  } else {
    out.emplace_back(&v, where);
  }
  return out;
}

Result<ObjectSource> parse_sources(const Json& j, const std::string& where) {
  Fields f(j, where);
  KCI_TRY_STATUS(f.must_be_map());
  ObjectSource s;
  if (const Json* files = f.get("files")) {
    if (!files->is_array()) return Fields::fail_at(f.at("files"), "expected a list of paths");
    for (const auto& p : *files) {
      if (!p.is_string()) return Fields::fail_at(f.at("files"), "expected a path, found " + Fields::brief(p));
      s.files.push_back(p.get<std::string>());
    }
  }
  if (const Json* objects = f.get("objects")) {
    if (!objects->is_array()) return Fields::fail_at(f.at("objects"), "expected a list of Kubernetes objects");
    for (std::size_t i = 0; i < objects->size(); ++i) {
      const auto& o = (*objects)[i];
      if (!o.is_object() || !o.contains("kind") || !o.contains("apiVersion"))
        return Fields::fail_at(f.at("objects") + "[" + std::to_string(i) + "]",
                               "expected a Kubernetes object with apiVersion and kind");
      s.objects.push_back(o);
    }
  }
  KCI_TRY_STATUS(f.no_unknown_keys());
  return s;
}

template <class T>
Status each(const Json& v, const std::string& where, std::vector<T>& out,
            const std::function<Result<T>(Fields&)>& parse_one) {
  for (const auto& [item, at] : items_of(v, where)) {
    Fields f(*item, at);
    KCI_TRY_STATUS(f.must_be_map());
    KCI_TRY(T t, parse_one(f));
    KCI_TRY_STATUS(f.no_unknown_keys());
    out.push_back(std::move(t));
  }
  return {};
}

}  // namespace

Result<Expectation> parse_expectation(const Json& j, const std::string& where) {
  Fields f(j, where);
  KCI_TRY_STATUS(f.must_be_map());
  Expectation e;
  if (const Json* v = f.get("pods")) {
    KCI_TRY_STATUS(each<ExpectPods>(*v, f.at("pods"), e.pods, [](Fields& p) -> Result<ExpectPods> {
      ExpectPods x;
      KCI_TRY(auto ns, p.string("namespace"));
      if (ns) x.namespace_ = *ns;
      KCI_TRY(auto sel, p.string("selector"));
      x.selector = sel.value_or("");
      KCI_TRY(x.count, p.integer("count"));
      KCI_TRY(x.phase, p.string("phase"));
      if (x.phase && *x.phase != "Pending" && *x.phase != "Running" && *x.phase != "Succeeded" &&
          *x.phase != "Failed" && *x.phase != "Unknown")
        return Fields::fail_at(p.at("phase"), "\"" + *x.phase + "\" is not a pod phase (accepted: Pending, Running, Succeeded, Failed, Unknown)");
      KCI_TRY(x.node, p.string("node"));
      KCI_TRY(x.reason, p.string("reason"));
      return x;
    }));
  }
  if (const Json* v = f.get("distribution")) {
    KCI_TRY_STATUS(each<ExpectDistribution>(*v, f.at("distribution"), e.distribution,
                                            [](Fields& p) -> Result<ExpectDistribution> {
      ExpectDistribution x;
      KCI_TRY(auto ns, p.string("namespace"));
      if (ns) x.namespace_ = *ns;
      KCI_TRY(auto sel, p.string("selector"));
      x.selector = sel.value_or("");
      const Json* nodes = p.get("nodes");
      if (!nodes || !nodes->is_object()) return Fields::fail_at(p.at("nodes"), "expected a map of node name to pod count");
      for (const auto& [node, count] : nodes->items()) {
        if (!count.is_number_integer() || count.get<std::int64_t>() < 0)
          return Fields::fail_at(p.at("nodes") + "." + node, "expected a pod count >= 0, found " + Fields::brief(count));
        x.nodes[node] = count.get<std::int64_t>();
      }
      return x;
    }));
  }
  if (const Json* v = f.get("containerGroups")) {
    KCI_TRY_STATUS(each<ExpectContainerGroup>(*v, f.at("containerGroups"), e.containerGroups,
                                              [](Fields& p) -> Result<ExpectContainerGroup> {
      ExpectContainerGroup x;
      KCI_TRY(x.pod, p.required_string("pod"));
      if (x.pod.find('/') == std::string::npos)
        return Fields::fail_at(p.at("pod"), "\"" + x.pod + "\" is not namespace/name");
      for (const char* key : {"instanceType", "cpu", "memory", "gpu", "projectId", "status", "zone",
                              "subnetId", "securityGroupIds", "chargeType", "count", "labels"})
        if (const Json* val = p.get(key)) x.fields[key] = *val;
      if (const Json* req = p.get("request")) {
        if (!req->is_object())
          return Fields::fail_at(p.at("request"), "expected a map of CreateContainerGroup parameter to value, such as {KubeProxy.Enabled: \"true\"}");
        for (const auto& [k, val] : req->items())
          if (!val.is_null() && !val.is_string() && !val.is_number() && !val.is_boolean())
            return Fields::fail_at(p.at("request") + "." + k, "expected a string, number, boolean or null (absent), found " + Fields::brief(val));
        x.fields["request"] = *req;
      }
      return x;
    }));
  }
  if (const Json* v = f.get("events")) {
    KCI_TRY_STATUS(each<ExpectEvent>(*v, f.at("events"), e.events, [](Fields& p) -> Result<ExpectEvent> {
      ExpectEvent x;
      KCI_TRY(x.object, p.required_string("object"));
      KCI_TRY(x.reason, p.required_string("reason"));
      KCI_TRY(x.type, p.string("type"));
      if (x.type && *x.type != "Normal" && *x.type != "Warning")
        return Fields::fail_at(p.at("type"), "\"" + *x.type + "\" is not an event type (accepted: Normal, Warning)");
      KCI_TRY(x.message, p.string("message"));
      KCI_TRY(auto absent, p.boolean("absent"));
      x.absent = absent.value_or(false);
      return x;
    }));
  }
  if (const Json* v = f.get("nodes")) {
    KCI_TRY_STATUS(each<ExpectNode>(*v, f.at("nodes"), e.nodes, [](Fields& p) -> Result<ExpectNode> {
      ExpectNode x;
      KCI_TRY(x.name, p.required_string("name"));
      KCI_TRY(x.ready, p.boolean("ready"));
      if (const Json* t = p.get("taints")) {
        if (!t->is_array()) return Fields::fail_at(p.at("taints"), "expected a list such as [\"key=value:NoSchedule\"]");
        std::vector<std::string> taints;
        for (const auto& s : *t) {
          if (!s.is_string()) return Fields::fail_at(p.at("taints"), "expected strings, found " + Fields::brief(s));
          taints.push_back(s.get<std::string>());
        }
        x.taints = std::move(taints);
      }
      if (const Json* l = p.get("labels")) {
        if (!l->is_object()) return Fields::fail_at(p.at("labels"), "expected a map of label to value");
        for (const auto& [k, val] : l->items()) {
          if (!val.is_string()) return Fields::fail_at(p.at("labels") + "." + k, "expected a string value");
          x.labels[k] = val.get<std::string>();
        }
      }
      KCI_TRY(x.leaseRenewedWithin, p.duration("leaseRenewedWithin"));
      return x;
    }));
  }
  if (const Json* v = f.get("kubeletApi")) {
    KCI_TRY_STATUS(each<ExpectKubeletApi>(*v, f.at("kubeletApi"), e.kubeletApi, [](Fields& p) -> Result<ExpectKubeletApi> {
      ExpectKubeletApi x;
      KCI_TRY(x.node, p.required_string("node"));
      KCI_TRY(x.path, p.required_string("path"));
      if (x.path.empty() || x.path.front() != '/')
        return Fields::fail_at(p.at("path"), "\"" + x.path + "\" is not a path; expected one such as /pods");
      if (const Json* st = p.get("status")) {
        if (!st->is_number_integer() || st->get<int>() < 100 || st->get<int>() > 599)
          return Fields::fail_at(p.at("status"), "expected an HTTP status 100-599, found " + Fields::brief(*st));
        x.status = st->get<int>();
      }
      for (const char* key : {"contains", "absent"}) {
        const Json* list = p.get(key);
        if (!list) continue;
        if (!list->is_array()) return Fields::fail_at(p.at(key), "expected a list of strings");
        for (const auto& item : *list) {
          if (!item.is_string()) return Fields::fail_at(p.at(key), "expected strings, found " + Fields::brief(item));
          (std::string(key) == "contains" ? x.contains : x.absent).push_back(item.get<std::string>());
        }
      }
      if (const Json* j = p.get("json")) {
        if (!j->is_object()) return Fields::fail_at(p.at("json"), "expected a map of JSON pointer to value");
        for (const auto& [ptr, val] : j->items()) {
          if (ptr.empty() || ptr.front() != '/')
            return Fields::fail_at(p.at("json"), "\"" + ptr + "\" is not a JSON pointer; expected one such as /items");
          x.json[ptr] = val;
        }
      }
      return x;
    }));
  }
  KCI_TRY(e.noOrphans, f.boolean("noOrphans"));
  if (const Json* v = f.get("groupsLabelled")) {
    KCI_TRY_STATUS(each<ExpectLabelledGroups>(*v, f.at("groupsLabelled"), e.groupsLabelled,
                                              [](Fields& p) -> Result<ExpectLabelledGroups> {
      ExpectLabelledGroups x;
      const Json* l = p.get("labels");
      if (!l || !l->is_object() || l->empty())
        return Fields::fail_at(p.at("labels"), "expected a map of label to value, such as {cluster-id: c1}");
      for (const auto& [k, val] : l->items()) {
        if (!val.is_string()) return Fields::fail_at(p.at("labels") + "." + k, "expected a string value");
        x.labels[k] = val.get<std::string>();
      }
      KCI_TRY(auto c, p.integer("count"));
      if (!c || *c < 0) return Fields::fail_at(p.at("count"), "expected a group count >= 0");
      x.count = *c;
      return x;
    }));
  }
  if (const Json* v = f.get("billing")) {
    if (!v->is_object()) return Fields::fail_at(f.at("billing"), "expected a map such as {instanceSeconds: 120}");
    Fields b(*v, f.at("billing"));
    const Json* s = b.get("instanceSeconds");
    if (!s || !s->is_number() || s->get<double>() < 0)
      return Fields::fail_at(b.at("instanceSeconds"), "expected a number of instance-seconds >= 0");
    e.billing = ExpectBilling{s->get<double>()};
    KCI_TRY_STATUS(b.no_unknown_keys());
  }
  KCI_TRY_STATUS(f.no_unknown_keys());
  return e;
}

namespace {

Result<Step> parse_step(const Json& j, const std::string& where) {
  if (!j.is_object() || j.size() != 1)
    return Fields::fail_at(where, "a step is a map with exactly one key (apply, scale, delete, generate, wait, fault, restart, stop, start, cleanup, expect)");
  const std::string kind = j.begin().key();
  const Json& body = j.begin().value();
  const std::string at = where + "." + kind;
  if (kind == "apply") {
    KCI_TRY(auto s, parse_sources(body, at));
    return Step(ApplyStep{std::move(s)});
  }
  if (kind == "expect") {
    KCI_TRY(auto e, parse_expectation(body, at));
    return Step(ExpectStep{std::move(e)});
  }
  if (kind == "wait") {
    WaitStep w;
    if (body.is_string() || body.is_number()) {
      auto d = parse_duration(body.is_string() ? body.get<std::string>() : body.dump());
      if (!d.ok()) return Fields::fail_at(at, d.error().message);
      w.duration = *d;
      return Step(std::move(w));
    }
    Fields f(body, at);
    KCI_TRY_STATUS(f.must_be_map());
    const Json* until = f.get("until");
    if (!until) return Fields::fail_at(at, "expected a duration (wait: 30s) or {until: {...}, timeout: 2m}");
    KCI_TRY(auto e, parse_expectation(*until, f.at("until")));
    w.until = std::move(e);
    KCI_TRY(auto t, f.duration("timeout"));
    w.timeout = t.value_or(std::chrono::minutes(5));
    KCI_TRY_STATUS(f.no_unknown_keys());
    return Step(std::move(w));
  }
  Fields f(body, at);
  KCI_TRY_STATUS(f.must_be_map());
  Step out;
  if (kind == "scale") {
    ScaleStep s;
    KCI_TRY(s.kind, f.required_string("kind"));
    KCI_TRY(auto ns, f.string("namespace"));
    if (ns) s.namespace_ = *ns;
    KCI_TRY(s.name, f.required_string("name"));
    KCI_TRY(auto r, f.integer("replicas"));
    if (!r || *r < 0 || *r > INT32_MAX) return Fields::fail_at(f.at("replicas"), "expected a replica count >= 0");
    s.replicas = static_cast<std::int32_t>(*r);
    out = s;
  } else if (kind == "delete") {
    DeleteStep s;
    KCI_TRY(s.kind, f.required_string("kind"));
    KCI_TRY(auto ns, f.string("namespace"));
    if (ns) s.namespace_ = *ns;
    KCI_TRY(s.name, f.required_string("name"));
    KCI_TRY(s.gracePeriodSeconds, f.integer("gracePeriodSeconds"));
    out = s;
  } else if (kind == "generate") {
    GenerateStep s;
    KCI_TRY(auto c, f.integer("count"));
    // A million pods is far past the benchmark's 100k; more is a typo.
    constexpr std::int64_t kMaxGenerated = 1'000'000;
    if (!c || *c < 1 || *c > kMaxGenerated)
      return Fields::fail_at(f.at("count"), "expected a count from 1 to " + std::to_string(kMaxGenerated));
    s.count = *c;
    KCI_TRY(auto ns, f.string("namespace"));
    if (ns) s.namespace_ = *ns;
    const Json* t = f.get("template");
    if (!t || !t->is_object()) return Fields::fail_at(f.at("template"), "expected a Pod");
    s.template_ = *t;
    out = s;
  } else if (kind == "fault") {
    FaultStep s;
    KCI_TRY(s.kci, f.required_string("kci"));
    static const std::set<std::string> kKinds = {"NoStock", "Throttling", "ServerError", "Latency", "Timeout"};
    if (!kKinds.count(s.kci))
      return Fields::fail_at(f.at("kci"), "\"" + s.kci + "\" is not a KCI fault (accepted: NoStock, Throttling, ServerError, Latency, Timeout)");
    KCI_TRY(s.zone, f.string("zone"));
    KCI_TRY(s.instanceType, f.string("instanceType"));
    if (const Json* r = f.get("rate")) {
      if (!r->is_number() || r->get<double>() < 0 || r->get<double>() > 1)
        return Fields::fail_at(f.at("rate"), "expected a share from 0 to 1, found " + Fields::brief(*r));
      s.rate = r->get<double>();
    }
    KCI_TRY(s.latency, f.duration("latency"));
    KCI_TRY(auto d, f.duration("for"));
    if (!d) return Fields::fail_at(f.at("for"), "is required (how long the fault lasts, such as 1m)");
    s.for_ = *d;
    out = s;
  } else if (kind == "restart") {
    RestartStep s;
    KCI_TRY(s.virtualNode, f.required_string("virtualNode"));
    out = s;
  } else if (kind == "stop") {
    StopStep s;
    KCI_TRY(s.virtualNode, f.required_string("virtualNode"));
    out = s;
  } else if (kind == "start") {
    StartStep s;
    KCI_TRY(s.virtualNode, f.required_string("virtualNode"));
    out = s;
  } else if (kind == "cleanup") {
    CleanupStep s;
    KCI_TRY(s.clusterId, f.required_string("clusterId"));
    KCI_TRY(auto node, f.string("node"));
    s.node = node.value_or("");
    KCI_TRY(auto dry, f.boolean("dryRun"));
    s.dryRun = dry.value_or(false);
    KCI_TRY(s.deleted, f.integer("deleted"));
    out = s;
  } else {
    return Fields::fail_at(at, "unknown step (accepted: apply, scale, delete, generate, wait, fault, restart, stop, start, cleanup, expect)");
  }
  KCI_TRY_STATUS(f.no_unknown_keys());
  return out;
}

std::string path_stem(const std::string& path) {
  auto slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  auto dot = base.find_last_of('.');
  return dot == std::string::npos ? base : base.substr(0, dot);
}

}  // namespace

Result<Scenario> parse_scenario(std::string_view yaml_text, const std::string& path,
                                bool require_name_matches_file) {
  auto doc = k8s::yaml_document(yaml_text);
  if (!doc.ok()) return invalid_argument(path + ": " + doc.error().message);
  auto fail = [&](const Error& e) { return invalid_argument(path + ": " + e.message); };
  auto parse = [&]() -> Result<Scenario> {
    Fields f(*doc, "");
    KCI_TRY_STATUS(f.must_be_map());
    Scenario s;
    s.path = path;
    KCI_TRY(s.name, f.required_string("name"));
    if (require_name_matches_file && s.name != path_stem(path))
      return Fields::fail_at("name", "\"" + s.name + "\" must equal the file's name without extension (\"" +
                                         path_stem(path) + "\")");
    KCI_TRY(auto desc, f.string("description"));
    s.description = desc.value_or("");
    KCI_TRY(auto seed, f.integer("seed"));
    if (seed) {
      if (*seed < 0) return Fields::fail_at("seed", "expected a seed >= 0");
      s.seed = static_cast<std::uint64_t>(*seed);
    }
    KCI_TRY(auto clock, f.string("clock"));
    if (clock && *clock != "virtual" && *clock != "wall")
      return Fields::fail_at("clock", "\"" + *clock + "\" is not a clock (accepted: virtual, wall)");
    s.wall_clock = clock && *clock == "wall";
    KCI_TRY(auto timeout, f.duration("timeout"));
    if (timeout) s.timeout = *timeout;
    if (const Json* c = f.get("cluster")) {
      KCI_TRY(s.cluster, parse_sources(*c, "cluster"));
    }
    if (const Json* k = f.get("kci")) {
      if (!k->is_object()) return Fields::fail_at("kci", "expected a map describing the cloud");
      s.kci = *k;
    }
    if (const Json* v = f.get("virtualNodes")) {
      if (!v->is_array()) return Fields::fail_at("virtualNodes", "expected a list");
      for (std::size_t i = 0; i < v->size(); ++i) {
        const std::string at = "virtualNodes[" + std::to_string(i) + "]";
        Fields n((*v)[i], at);
        KCI_TRY_STATUS(n.must_be_map());
        VirtualNodeSpec spec;
        KCI_TRY(spec.name, n.required_string("name"));
        if (const Json* args = n.get("args")) {
          if (!args->is_array()) return Fields::fail_at(n.at("args"), "expected a list of flags");
          for (const auto& a : *args) {
            if (!a.is_string()) return Fields::fail_at(n.at("args"), "expected strings, found " + Fields::brief(a));
            spec.args.push_back(a.get<std::string>());
          }
        }
        if (const Json* env = n.get("env")) {
          if (!env->is_object()) return Fields::fail_at(n.at("env"), "expected a map of variable to value");
          for (const auto& [k, val] : env->items()) {
            if (val.is_string()) spec.env[k] = val.get<std::string>();
            else if (val.is_number() || val.is_boolean()) spec.env[k] = val.dump();
            else return Fields::fail_at(n.at("env") + "." + k, "expected a string value");
          }
        }
        KCI_TRY_STATUS(n.no_unknown_keys());
        for (const auto& other : s.virtualNodes)
          if (other.name == spec.name) return Fields::fail_at(at + ".name", "\"" + spec.name + "\" is used twice");
        s.virtualNodes.push_back(std::move(spec));
      }
    }
    if (const Json* r = f.get("realNodes")) {
      Fields rf(*r, "realNodes");
      KCI_TRY_STATUS(rf.must_be_map());
      RealNodesSpec spec;
      KCI_TRY(auto count, rf.integer("count"));
      if (!count || *count < 1 || *count > 100000)
        return Fields::fail_at("realNodes.count", "expected a number of nodes from 1 to 100000");
      spec.count = *count;
      KCI_TRY(auto prefix, rf.string("prefix"));
      if (prefix) spec.prefix = *prefix;
      for (auto [key, into] : {std::pair<const char*, std::string*>{"cpu", &spec.cpu}, {"memory", &spec.memory},
                               {"pods", &spec.pods}}) {
        KCI_TRY(auto v, rf.string(key));
        if (!v) continue;
        if (!k8s::Quantity::parse(*v).ok())
          return Fields::fail_at(rf.at(key), "\"" + *v + "\" is not a quantity (e.g. 4, 500m, 8Gi)");
        *into = *v;
      }
      if (const Json* labels = rf.get("labels")) {
        if (!labels->is_object()) return Fields::fail_at("realNodes.labels", "expected a map of label to value");
        for (const auto& [k, val] : labels->items()) {
          if (!val.is_string()) return Fields::fail_at("realNodes.labels." + k, "expected a string value");
          spec.labels[k] = val.get<std::string>();
        }
      }
      KCI_TRY(auto delay, rf.duration("startDelay"));
      if (delay) spec.startDelay = *delay;
      KCI_TRY_STATUS(rf.no_unknown_keys());
      s.realNodes = std::move(spec);
    }
    if (const Json* e = f.get("extender")) {
      if (e->is_boolean()) {
        if (e->get<bool>()) s.extenderWeight = 1;
      } else if (e->is_object()) {
        Fields ef(*e, "extender");
        KCI_TRY(auto w, ef.integer("weight"));
        if (w && (*w < 1 || *w > 100)) return Fields::fail_at("extender.weight", "expected a weight from 1 to 100");
        s.extenderWeight = static_cast<std::int32_t>(w.value_or(1));
        KCI_TRY_STATUS(ef.no_unknown_keys());
      } else {
        return Fields::fail_at("extender", "expected true, false or {weight: N}");
      }
    }
    KCI_TRY(auto webhook, f.boolean("webhook"));
    s.webhook = webhook.value_or(false);
    KCI_TRY(auto elastic_workload, f.boolean("elasticWorkload"));
    s.elasticWorkload = elastic_workload.value_or(false);
    if (const Json* steps = f.get("steps")) {
      if (!steps->is_array()) return Fields::fail_at("steps", "expected a list of steps");
      for (std::size_t i = 0; i < steps->size(); ++i) {
        KCI_TRY(auto step, parse_step((*steps)[i], "steps[" + std::to_string(i) + "]"));
        s.steps.push_back(std::move(step));
      }
    }
    KCI_TRY_STATUS(f.no_unknown_keys());
    return s;
  };
  auto r = parse();
  if (!r.ok()) return fail(r.error());
  return r;
}

std::string step_kind(const Step& step) {
  static const char* kNames[] = {"apply", "scale", "delete", "generate", "wait", "fault", "restart", "expect", "stop", "start", "cleanup"};
  return kNames[step.index()];
}

}  // namespace kci::scenario
