#include "core/translate/translate.h"

#include <algorithm>
#include <cstdint>

#include "core/k8s/yaml.h"
#include "core/kci/assumptions.h"
#include "core/translate/annotations.h"
#include "core/translate/dialects.h"
#include "core/translate/sizing.h"
#include "core/translate/values.h"

namespace kci::translate {

namespace kc = kcicloud;
using k8s::Json;

// ---- lookups ---------------------------------------------------------------------------

void MapLookup::add(k8s::ConfigMap cm) {
  auto key = std::pair{cm.metadata.namespace_, cm.metadata.name};
  cms_.insert_or_assign(std::move(key), std::move(cm));
}
void MapLookup::add(k8s::Secret s) {
  auto key = std::pair{s.metadata.namespace_, s.metadata.name};
  secrets_.insert_or_assign(std::move(key), std::move(s));
}
const k8s::ConfigMap* MapLookup::config_map(std::string_view ns, std::string_view name) const {
  auto it = cms_.find(std::pair{std::string(ns), std::string(name)});
  return it == cms_.end() ? nullptr : &it->second;
}
const k8s::Secret* MapLookup::secret(std::string_view ns, std::string_view name) const {
  auto it = secrets_.find(std::pair{std::string(ns), std::string(name)});
  return it == secrets_.end() ? nullptr : &it->second;
}

// ---- custom sidecar --------------------------------------------------------------------

Result<CustomSidecar> parse_custom_sidecar(const k8s::ConfigMap& cm) {
  auto it = cm.data.find(std::string(kSidecarConfigKey));
  if (it == cm.data.end()) {
    return invalid_argument("custom-sidecar ConfigMap " + cm.metadata.namespace_ + "/" +
                            cm.metadata.name + " has no key config.yaml (seed 000: 配置key必须为config.yaml)");
  }
  KCI_TRY(Json doc, k8s::yaml_document(it->second));
  const std::string where = "custom-sidecar ConfigMap " + cm.metadata.name + ", config.yaml: ";
  if (!doc.is_object() || !doc.contains("mutation") || !doc["mutation"].is_object() ||
      !doc["mutation"].contains("customMutation") || !doc["mutation"]["customMutation"].is_object()) {
    return invalid_argument(where + "expected mutation.customMutation with containers and volumes");
  }
  const Json& m = doc["mutation"]["customMutation"];
  CustomSidecar out;
  for (const char* key : {"containers", "volumes"}) {
    if (!m.contains(key)) continue;
    if (!m[key].is_array()) return invalid_argument(where + "mutation.customMutation." + key + " must be a list");
    for (std::size_t i = 0; i < m[key].size(); ++i) {
      const std::string at = where + "mutation.customMutation." + key + "[" + std::to_string(i) + "]: ";
      if (key[0] == 'c') {
        auto c = k8s::decode<k8s::Container>(m[key][i]);
        if (!c.ok()) return invalid_argument(at + c.error().message);
        out.containers.push_back(std::move(*c));
      } else {
        auto v = k8s::decode<k8s::Volume>(m[key][i]);
        if (!v.ok()) return invalid_argument(at + v.error().message);
        out.volumes.push_back(std::move(*v));
      }
    }
  }
  for (const auto& v : out.volumes) {
    if (v.hostPath) out.host_paths.insert(v.hostPath->path);
  }
  return out;
}

// ---- group name ------------------------------------------------------------------------

std::string container_group_name(std::string_view ns, std::string_view pod) {
  std::string name;
  name.reserve(ns.size() + pod.size() + 1);
  auto put = [&](std::string_view s) {
    for (char c : s) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
      name += ok ? c : '-';
    }
  };
  put(ns);
  name += '-';
  put(pod);
  if (name.size() <= kMaxGroupName) return name;
  // FNV-1a 32: stable across builds and platforms; 8 hex digits keep names distinct.
  std::uint32_t h = 2166136261u;
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string suffix = "-";
  for (int i = 7; i >= 0; --i) suffix += kHex[(h >> (i * 4)) & 0xf];
  name.resize(kMaxGroupName - suffix.size());
  return name + suffix;
}

namespace {

// ---- small helpers ---------------------------------------------------------------------

Refusal refuse(const char* why, std::string message, std::string field) {
  return Refusal{why, std::move(message), std::move(field)};
}

std::string json_string(const Json& obj, const char* key) {
  if (!obj.is_object()) return {};
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<bool> json_bool(const Json& obj, const char* key) {
  if (!obj.is_object()) return std::nullopt;
  auto it = obj.find(key);
  if (it != obj.end() && it->is_boolean()) return it->get<bool>();
  return std::nullopt;
}

// Kubernetes accepts env names of printable ASCII without '=' (relaxed validation).
bool valid_env_name(std::string_view n) {
  if (n.empty()) return false;
  for (char c : n) {
    if (c < 0x20 || c > 0x7e || c == '=') return false;
  }
  return true;
}

double cores(std::int64_t milli) { return static_cast<double>(milli) / kc::kMilliPerCore; }
double gib(std::int64_t mib) { return static_cast<double>(mib) / kc::kMibPerGib; }

// Everything one translation carries around.
struct Ctx {
  const TranslateInput& in;
  const k8s::Pod& pod;
  const NodeSettings& node;
  std::string ns;
  TranslationResult out;
  kc::Size size;  // the instance size, once known
  std::vector<const k8s::Container*> all_containers;  // pod's then sidecar's
  std::size_t pod_container_count = 0;

  const k8s::ConfigMap* cm(const std::string& name) const {
    return in.lookup ? in.lookup->config_map(ns, name) : nullptr;
  }
  const k8s::Secret* secret(const std::string& name) const {
    return in.lookup ? in.lookup->secret(ns, name) : nullptr;
  }
  void warn(std::string reason, std::string message) {
    out.events.push_back(PodEvent{"Warning", std::move(reason), std::move(message)});
  }
  void normal(std::string reason, std::string message) {
    out.events.push_back(PodEvent{"Normal", std::move(reason), std::move(message)});
  }
};

// ---- downward API ----------------------------------------------------------------------

// The value of a fieldRef KCI can carry (known before the group exists), or a refusal.
std::optional<Refusal> field_value(Ctx& cx, const std::string& path, const std::string& field,
                                   std::string& value) {
  const auto& md = cx.pod.metadata;
  auto indexed = [&](std::string_view prefix, const k8s::StringMap& m) -> std::optional<std::string> {
    // metadata.labels['key']
    if (path.size() > prefix.size() + 4 && path.compare(0, prefix.size(), prefix) == 0 &&
        path[prefix.size()] == '[' && path.back() == ']') {
      std::string key = path.substr(prefix.size() + 1, path.size() - prefix.size() - 2);
      if (key.size() >= 2 && (key.front() == '\'' || key.front() == '"') && key.back() == key.front()) {
        key = key.substr(1, key.size() - 2);
      }
      auto it = m.find(key);
      return it == m.end() ? std::string() : it->second;
    }
    return std::nullopt;
  };
  auto all = [](const k8s::StringMap& m) {
    std::string s;
    for (const auto& [k, v] : m) s += k + "=\"" + v + "\"\n";
    return s;
  };
  if (path == "metadata.name") {
    value = md.name;
  } else if (path == "metadata.namespace") {
    value = cx.ns;
  } else if (path == "metadata.uid") {
    value = md.uid;
  } else if (path == "metadata.labels") {
    value = all(md.labels);
  } else if (path == "metadata.annotations") {
    value = all(md.annotations);
  } else if (auto l = indexed("metadata.labels", md.labels)) {
    value = *l;
  } else if (auto a = indexed("metadata.annotations", md.annotations)) {
    value = *a;
  } else if (path == "spec.nodeName") {
    value = cx.pod.spec.nodeName.empty() ? cx.node.node_name : cx.pod.spec.nodeName;
  } else if (path == "spec.serviceAccountName") {
    value = cx.pod.spec.serviceAccountName;
  } else if ((path == "status.hostIP" || path == "status.hostIPs") && !cx.node.pod_ip.empty()) {
    value = cx.node.pod_ip;
  } else {
    return refuse(reason::kUnsupportedFeature,
                  field + ": fieldRef " + path +
                      " cannot be carried to KCI (the value exists only once the instance runs, "
                      "or is unknown); accepted: metadata.name, metadata.namespace, metadata.uid, "
                      "metadata.labels['k'], metadata.annotations['k'], spec.nodeName, "
                      "spec.serviceAccountName, status.hostIP (with VKUBELET_POD_IP)",
                  field);
  }
  return std::nullopt;
}

// resourceFieldRef: limits/requests of a container, divided by the divisor, rounded up.
std::optional<Refusal> resource_value(Ctx& cx, const k8s::ResourceFieldSelector& sel,
                                      const k8s::Container& self, const std::string& field,
                                      std::string& value) {
  const k8s::Container* c = &self;
  if (!sel.containerName.empty()) {
    c = nullptr;
    for (const auto* x : cx.all_containers) {
      if (x->name == sel.containerName) c = x;
    }
    if (c == nullptr) {
      return refuse(reason::kInvalidPod,
                    field + ": resourceFieldRef names container \"" + sel.containerName +
                        "\", which the pod does not have",
                    field);
    }
  }
  const bool is_cpu = sel.resource == "limits.cpu" || sel.resource == "requests.cpu";
  const bool is_mem = sel.resource == "limits.memory" || sel.resource == "requests.memory";
  if (!is_cpu && !is_mem) {
    return refuse(reason::kUnsupportedFeature,
                  field + ": resourceFieldRef " + sel.resource +
                      " is not carried; accepted: limits.cpu, limits.memory, requests.cpu, requests.memory",
                  field);
  }
  const std::string res = is_cpu ? "cpu" : "memory";
  const bool limits = sel.resource.rfind("limits.", 0) == 0;
  __int128 nano = 0;
  auto lim = c->resources.limits.find(res);
  auto req = c->resources.requests.find(res);
  if (limits) {
    if (lim != c->resources.limits.end()) {
      nano = lim->second.nano();
    } else {
      // As the kubelet uses node allocatable for an unset limit, the instance size.
      nano = is_cpu ? static_cast<__int128>(cx.size.cpu_milli) * 1000000
                    : static_cast<__int128>(cx.size.memory_mib) * (1 << 20) * 1000000000;
    }
  } else if (req != c->resources.requests.end()) {
    nano = req->second.nano();
  } else if (lim != c->resources.limits.end()) {
    nano = lim->second.nano();  // an unset request defaults to the limit
  }
  __int128 div = sel.divisor ? sel.divisor->nano() : static_cast<__int128>(1000000000);
  if (div <= 0) {
    return refuse(reason::kInvalidPod, field + ": resourceFieldRef divisor must be > 0", field);
  }
  __int128 v = nano <= 0 ? 0 : (nano + div - 1) / div;
  std::string s;
  if (v == 0) s = "0";
  while (v > 0) {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  value = s;
  return std::nullopt;
}

// ---- env ---------------------------------------------------------------------------------

void put_env(std::vector<kc::KeyValue>& env, std::string key, std::string value) {
  for (auto& kv : env) {
    if (kv.key == key) {
      kv.value = std::move(value);
      return;
    }
  }
  env.push_back(kc::KeyValue{std::move(key), std::move(value)});
}

std::optional<Refusal> build_env(Ctx& cx, const k8s::Container& c, const std::string& base,
                                 std::vector<kc::KeyValue>& env) {
  // envFrom first; env after it wins on the same name (as the kubelet builds it).
  for (std::size_t i = 0; i < c.envFrom.size(); ++i) {
    const auto& ef = c.envFrom[i];
    const std::string field = base + ".envFrom[" + std::to_string(i) + "]";
    std::vector<std::pair<std::string, std::string>> pairs;
    if (ef.configMapRef) {
      const auto* m = cx.cm(ef.configMapRef->name);
      const bool optional = ef.configMapRef->optional.value_or(false);
      if (m == nullptr) {
        if (!optional) {
          return refuse(reason::kMandatoryConfigMapNotFound,
                        field + ": ConfigMap " + cx.ns + "/" + ef.configMapRef->name +
                            " does not exist; create it or mark the reference optional",
                        field + ".configMapRef");
        }
        cx.warn("OptionalConfigMapNotFound", "configmap \"" + ef.configMapRef->name + "\" not found");
        continue;
      }
      for (const auto& [k, v] : m->data) pairs.emplace_back(k, v);
    } else if (ef.secretRef) {
      const auto* s = cx.secret(ef.secretRef->name);
      const bool optional = ef.secretRef->optional.value_or(false);
      if (s == nullptr) {
        if (!optional) {
          return refuse(reason::kMandatorySecretNotFound,
                        field + ": Secret " + cx.ns + "/" + ef.secretRef->name +
                            " does not exist; create it or mark the reference optional",
                        field + ".secretRef");
        }
        cx.warn("OptionalSecretNotFound", "secret \"" + ef.secretRef->name + "\" not found");
        continue;
      }
      std::set<std::string> keys;
      for (const auto& [k, v] : s->data) keys.insert(k);
      for (const auto& [k, v] : s->stringData) keys.insert(k);
      for (const auto& k : keys) pairs.emplace_back(k, k8s::secret_value(*s, k).value_or(""));
    } else {
      continue;
    }
    std::string invalid;
    for (auto& [k, v] : pairs) {
      std::string name = ef.prefix + k;
      if (!valid_env_name(name)) {
        invalid += (invalid.empty() ? "" : ", ") + name;
        continue;
      }
      put_env(env, std::move(name), std::move(v));
    }
    if (!invalid.empty()) {
      cx.warn("InvalidEnvironmentVariableNames",
              "keys [" + invalid + "] from the envFrom of " + field + " were skipped since they are "
              "invalid environment variable names");
    }
  }
  for (std::size_t i = 0; i < c.env.size(); ++i) {
    const auto& e = c.env[i];
    const std::string field = base + ".env[" + std::to_string(i) + "]";
    if (!e.valueFrom) {
      put_env(env, e.name, e.value);
      continue;
    }
    const auto& vf = *e.valueFrom;
    std::string value;
    if (vf.fieldRef) {
      if (auto r = field_value(cx, vf.fieldRef->fieldPath, field + ".valueFrom.fieldRef", value)) return r;
    } else if (vf.resourceFieldRef) {
      if (auto r = resource_value(cx, *vf.resourceFieldRef, c, field + ".valueFrom.resourceFieldRef", value)) {
        return r;
      }
    } else if (vf.configMapKeyRef) {
      const auto& ref = *vf.configMapKeyRef;
      const bool optional = ref.optional.value_or(false);
      const auto* m = cx.cm(ref.name);
      if (m == nullptr) {
        if (!optional) {
          return refuse(reason::kMandatoryConfigMapNotFound,
                        field + " (" + e.name + "): ConfigMap " + cx.ns + "/" + ref.name +
                            " does not exist; create it or mark the reference optional",
                        field + ".valueFrom.configMapKeyRef");
        }
        cx.warn("OptionalConfigMapNotFound", "configmap \"" + ref.name + "\" not found");
        continue;
      }
      auto it = m->data.find(ref.key);
      if (it == m->data.end()) {
        if (!optional) {
          return refuse(reason::kMandatoryConfigMapKeyNotFound,
                        field + " (" + e.name + "): ConfigMap " + cx.ns + "/" + ref.name +
                            " has no key \"" + ref.key + "\"; add it or mark the reference optional",
                        field + ".valueFrom.configMapKeyRef");
        }
        cx.warn("OptionalConfigMapKeyNotFound",
                "key \"" + ref.key + "\" not found in configmap \"" + ref.name + "\"");
        continue;
      }
      value = it->second;
    } else if (vf.secretKeyRef) {
      const auto& ref = *vf.secretKeyRef;
      const bool optional = ref.optional.value_or(false);
      const auto* s = cx.secret(ref.name);
      if (s == nullptr) {
        if (!optional) {
          return refuse(reason::kMandatorySecretNotFound,
                        field + " (" + e.name + "): Secret " + cx.ns + "/" + ref.name +
                            " does not exist; create it or mark the reference optional",
                        field + ".valueFrom.secretKeyRef");
        }
        cx.warn("OptionalSecretNotFound", "secret \"" + ref.name + "\" not found");
        continue;
      }
      auto v = k8s::secret_value(*s, ref.key);
      if (!v) {
        if (!optional) {
          return refuse(reason::kMandatorySecretKeyNotFound,
                        field + " (" + e.name + "): Secret " + cx.ns + "/" + ref.name +
                            " has no key \"" + ref.key + "\"; add it or mark the reference optional",
                        field + ".valueFrom.secretKeyRef");
        }
        cx.warn("OptionalSecretKeyNotFound",
                "key \"" + ref.key + "\" not found in secret \"" + ref.name + "\"");
        continue;
      }
      value = std::move(*v);
    } else {
      return refuse(reason::kUnsupportedFeature,
                    field + " (" + e.name + "): valueFrom has no source KCI can carry; accepted: "
                    "fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef",
                    field + ".valueFrom");
    }
    put_env(env, e.name, std::move(value));
  }
  return std::nullopt;
}

// ---- probes and lifecycle ----------------------------------------------------------------

std::optional<Refusal> port_of(const k8s::Container& c, const std::optional<k8s::IntOrString>& p,
                               const std::string& field, int& out) {
  if (!p) return refuse(reason::kInvalidPod, field + ".port is missing", field);
  if (p->is_int) {
    // TCP ports are 1..65535.
    if (p->int_value < 1 || p->int_value > 65535) {
      return refuse(reason::kInvalidPod,
                    field + ".port is " + std::to_string(p->int_value) + ": accepted 1..65535", field);
    }
    out = static_cast<int>(p->int_value);
    return std::nullopt;
  }
  for (const auto& cp : c.ports) {
    if (cp.name == p->str_value) {
      out = cp.containerPort;
      return std::nullopt;
    }
  }
  return refuse(reason::kInvalidPod,
                field + ".port is \"" + p->str_value + "\", which names no port of container " + c.name,
                field);
}

std::optional<Refusal> handler(const k8s::Container& c, const std::optional<k8s::ExecAction>& exec,
                               const std::optional<k8s::HTTPGetAction>& http,
                               const std::optional<k8s::TCPSocketAction>& tcp, const Json& grpc,
                               const Json& sleep, const std::string& field, kc::ProbeHandler& out) {
  if (!grpc.is_null()) {
    return refuse(reason::kUnsupportedFeature,
                  field + ": a grpc action cannot be carried to KCI; accepted: exec, httpGet, tcpSocket",
                  field + ".grpc");
  }
  if (!sleep.is_null()) {
    return refuse(reason::kUnsupportedFeature,
                  field + ": a sleep action cannot be carried to KCI; use exec with a sleep command",
                  field + ".sleep");
  }
  if (exec) {
    out.exec_command = exec->command;
  } else if (http) {
    out.http_get_path = http->path.empty() ? "/" : http->path;
    out.http_get_scheme = http->scheme.empty() ? "HTTP" : http->scheme;
    if (auto r = port_of(c, http->port, field + ".httpGet", out.http_get_port)) return r;
    if (http->httpHeaders.is_array()) {
      for (const auto& h : http->httpHeaders) {
        out.http_get_headers.push_back(kc::KeyValue{json_string(h, "name"), json_string(h, "value")});
      }
    }
  } else if (tcp) {
    if (auto r = port_of(c, tcp->port, field + ".tcpSocket", out.tcp_socket_port)) return r;
  } else {
    return refuse(reason::kInvalidPod, field + " has no action; accepted: exec, httpGet, tcpSocket", field);
  }
  return std::nullopt;
}

std::optional<Refusal> probe(const k8s::Container& c, const std::optional<k8s::Probe>& p,
                             const std::string& field, std::optional<kc::ProbeSpec>& out) {
  if (!p) return std::nullopt;
  kc::ProbeSpec s;
  if (auto r = handler(c, p->exec, p->httpGet, p->tcpSocket, p->grpc, Json(), field, s.handler)) return r;
  s.initial_delay_seconds = p->initialDelaySeconds;
  s.timeout_seconds = p->timeoutSeconds;
  s.period_seconds = p->periodSeconds;
  s.success_threshold = p->successThreshold;
  s.failure_threshold = p->failureThreshold;
  out = std::move(s);
  return std::nullopt;
}

// ---- containers --------------------------------------------------------------------------

std::optional<Refusal> build_container(Ctx& cx, const k8s::Container& c, const std::string& base,
                                       const std::set<std::string>& volume_names,
                                       std::optional<kc::Size> size, kc::ContainerSpec& out) {
  if (c.name.empty()) return refuse(reason::kInvalidPod, base + ".name is empty", base + ".name");
  if (c.image.empty()) {
    return refuse(reason::kInvalidPod, base + " (" + c.name + "): image is empty", base + ".image");
  }
  if (c.securityContext && c.securityContext->privileged.value_or(false)) {
    // Seed 001: "不支持容器开启privileged权限".
    return refuse(reason::kUnsupportedFeature,
                  base + " (" + c.name + "): securityContext.privileged is true; KCI does not run "
                  "privileged containers: remove it or set it to false",
                  base + ".securityContext.privileged");
  }
  out.name = c.name;
  out.image = c.image;
  out.image_pull_policy = c.imagePullPolicy;
  out.command = c.command;
  out.args = c.args;
  out.working_dir = c.workingDir;
  if (size && (size->cpu_milli > 0 || size->memory_mib > 0)) {
    if (size->cpu_milli > 0) out.cpu = cores(size->cpu_milli);
    if (size->memory_mib > 0) out.memory = gib(size->memory_mib);
  }
  if (auto g = c.resources.limits.find("nvidia.com/gpu"); g != c.resources.limits.end()) {
    // A GPU count; 64 bounds any instance.
    out.gpu = static_cast<int>(std::clamp<std::int64_t>(g->second.value(), 0, 64));
  }
  for (std::size_t i = 0; i < c.ports.size(); ++i) {
    const auto p = c.ports[i].containerPort;
    if (p < 1 || p > 65535) {
      return refuse(reason::kInvalidPod,
                    base + ".ports[" + std::to_string(i) + "].containerPort is " + std::to_string(p) +
                        ": accepted 1..65535",
                    base + ".ports[" + std::to_string(i) + "]");
    }
    out.ports.push_back(p);
  }
  for (std::size_t i = 0; i < c.volumeMounts.size(); ++i) {
    const auto& m = c.volumeMounts[i];
    const std::string field = base + ".volumeMounts[" + std::to_string(i) + "]";
    if (!volume_names.count(m.name)) {
      return refuse(reason::kInvalidPod,
                    field + " mounts volume \"" + m.name + "\", which the pod does not declare", field);
    }
    if (!m.subPath.empty()) {
      return refuse(reason::kUnsupportedFeature,
                    field + " uses subPath \"" + m.subPath + "\"; KCI mounts whole volumes only: "
                    "mount the volume at a directory instead",
                    field + ".subPath");
    }
    out.volume_mounts.push_back(kc::VolumeMount{m.name, m.mountPath, m.readOnly});
  }
  if (auto r = build_env(cx, c, base, out.env)) return r;
  if (auto r = probe(c, c.livenessProbe, base + ".livenessProbe", out.liveness_probe)) return r;
  if (auto r = probe(c, c.readinessProbe, base + ".readinessProbe", out.readiness_probe)) return r;
  if (auto r = probe(c, c.startupProbe, base + ".startupProbe", out.startup_probe)) return r;
  if (c.lifecycle) {
    if (c.lifecycle->postStart) {
      return refuse(reason::kUnsupportedFeature,
                    base + " (" + c.name + "): lifecycle.postStart cannot be carried to KCI "
                    "(only preStop, seed 000); run it at the start of the command instead",
                    base + ".lifecycle.postStart");
    }
    if (const auto& ps = c.lifecycle->preStop) {
      kc::ProbeHandler h;
      if (auto r = handler(c, ps->exec, ps->httpGet, ps->tcpSocket, Json(), ps->sleep,
                           base + ".lifecycle.preStop", h)) {
        return r;
      }
      out.pre_stop = std::move(h);
    }
  }
  return std::nullopt;
}

// ---- volumes -----------------------------------------------------------------------------

// Adds the files of a ConfigMap (data + binaryData), all keys or the listed items.
std::optional<Refusal> configmap_files(Ctx& cx, const std::string& name, const Json& items_json,
                                       const std::vector<k8s::KeyToPath>* items, bool optional,
                                       const std::string& prefix, const std::string& field,
                                       std::vector<kc::ConfigFile>& files) {
  const auto* m = cx.cm(name);
  if (m == nullptr) {
    if (!optional) {
      return refuse(reason::kMandatoryConfigMapNotFound,
                    field + ": ConfigMap " + cx.ns + "/" + name +
                        " does not exist; create it or mark the volume optional",
                    field);
    }
    cx.warn("OptionalConfigMapNotFound", "configmap \"" + name + "\" not found");
    return std::nullopt;
  }
  auto content = [&](const std::string& key) -> std::optional<std::string> {
    if (auto it = m->data.find(key); it != m->data.end()) return k8s::base64_encode(it->second);
    if (auto it = m->binaryData.find(key); it != m->binaryData.end()) return it->second;
    return std::nullopt;
  };
  std::vector<std::pair<std::string, std::string>> wanted;  // key, path
  if (items != nullptr && !items->empty()) {
    for (const auto& it : *items) wanted.emplace_back(it.key, it.path);
  } else if (items_json.is_array() && !items_json.empty()) {
    for (const auto& it : items_json) wanted.emplace_back(json_string(it, "key"), json_string(it, "path"));
  } else {
    for (const auto& [k, v] : m->data) wanted.emplace_back(k, k);
    for (const auto& [k, v] : m->binaryData) wanted.emplace_back(k, k);
  }
  for (const auto& [key, path] : wanted) {
    auto c = content(key);
    if (!c) {
      if (!optional) {
        return refuse(reason::kMandatoryConfigMapKeyNotFound,
                      field + ": ConfigMap " + cx.ns + "/" + name + " has no key \"" + key + "\"", field);
      }
      cx.warn("OptionalConfigMapKeyNotFound", "key \"" + key + "\" not found in configmap \"" + name + "\"");
      continue;
    }
    files.push_back(kc::ConfigFile{prefix + path, std::move(*c)});
  }
  return std::nullopt;
}

std::optional<Refusal> secret_files(Ctx& cx, const std::string& name, const Json& items_json,
                                    const std::vector<k8s::KeyToPath>* items, bool optional,
                                    const std::string& prefix, const std::string& field,
                                    std::vector<kc::ConfigFile>& files) {
  const auto* s = cx.secret(name);
  if (s == nullptr) {
    if (!optional) {
      return refuse(reason::kMandatorySecretNotFound,
                    field + ": Secret " + cx.ns + "/" + name +
                        " does not exist; create it or mark the volume optional",
                    field);
    }
    cx.warn("OptionalSecretNotFound", "secret \"" + name + "\" not found");
    return std::nullopt;
  }
  std::vector<std::pair<std::string, std::string>> wanted;
  if (items != nullptr && !items->empty()) {
    for (const auto& it : *items) wanted.emplace_back(it.key, it.path);
  } else if (items_json.is_array() && !items_json.empty()) {
    for (const auto& it : items_json) wanted.emplace_back(json_string(it, "key"), json_string(it, "path"));
  } else {
    std::set<std::string> keys;
    for (const auto& [k, v] : s->data) keys.insert(k);
    for (const auto& [k, v] : s->stringData) keys.insert(k);
    for (const auto& k : keys) wanted.emplace_back(k, k);
  }
  for (const auto& [key, path] : wanted) {
    auto v = k8s::secret_value(*s, key);
    if (!v) {
      if (!optional) {
        return refuse(reason::kMandatorySecretKeyNotFound,
                      field + ": Secret " + cx.ns + "/" + name + " has no key \"" + key + "\"", field);
      }
      cx.warn("OptionalSecretKeyNotFound", "key \"" + key + "\" not found in secret \"" + name + "\"");
      continue;
    }
    files.push_back(kc::ConfigFile{prefix + path, k8s::base64_encode(*v)});
  }
  return std::nullopt;
}

std::optional<Refusal> downward_files(Ctx& cx, const Json& items, const std::string& prefix,
                                      const std::string& field, std::vector<kc::ConfigFile>& files) {
  if (!items.is_array()) return std::nullopt;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Json& it = items[i];
    const std::string f = field + ".items[" + std::to_string(i) + "]";
    std::string value;
    if (it.is_object() && it.contains("fieldRef")) {
      if (auto r = field_value(cx, json_string(it["fieldRef"], "fieldPath"), f + ".fieldRef", value)) return r;
    } else {
      return refuse(reason::kUnsupportedFeature,
                    f + ": only fieldRef items of the downward API are carried to KCI", f);
    }
    files.push_back(kc::ConfigFile{prefix + json_string(it, "path"), k8s::base64_encode(value)});
  }
  return std::nullopt;
}

std::optional<Refusal> build_volume(Ctx& cx, const k8s::Volume& v, const std::string& field,
                                    bool from_sidecar, kc::Volume& out) {
  out.name = v.name;
  if (v.name.empty()) return refuse(reason::kInvalidPod, field + ".name is empty", field + ".name");
  if (v.emptyDir) {
    out.type = "EmptyDirVolume";
    out.medium = v.emptyDir->medium;
    if (v.emptyDir->sizeLimit) out.size_limit = v.emptyDir->sizeLimit->to_string();
  } else if (v.configMap) {
    out.type = "ConfigFileVolume";
    return configmap_files(cx, v.configMap->name, Json(), &v.configMap->items,
                           v.configMap->optional.value_or(false), "", field + ".configMap",
                           out.config_files);
  } else if (v.secret) {
    out.type = "ConfigFileVolume";
    return secret_files(cx, v.secret->secretName, Json(), &v.secret->items,
                        v.secret->optional.value_or(false), "", field + ".secret", out.config_files);
  } else if (v.nfs) {
    out.type = "NFSVolume";
    out.server = v.nfs->server;
    out.path = v.nfs->path;
    out.read_only = v.nfs->readOnly;
  } else if (v.hostPath) {
    const auto* sc = cx.in.sidecar;
    const bool declared = from_sidecar || (sc != nullptr && sc->host_paths.count(v.hostPath->path));
    if (!declared) {
      // Seed 001: "不支持hostPath存储"; seed 000's log collection declares its own paths.
      std::string allowed;
      if (sc != nullptr) {
        for (const auto& p : sc->host_paths) allowed += (allowed.empty() ? "" : ", ") + p;
      }
      return refuse(reason::kUnsupportedFeature,
                    field + " (" + v.name + "): hostPath " + v.hostPath->path +
                        " cannot be carried: a KCI instance has no host. Accepted: emptyDir, "
                        "configMap, secret, nfs, projected" +
                        (allowed.empty() ? std::string(", or a hostPath the node's custom-sidecar "
                                                       "configuration declares (it declares none)")
                                         : ", or a hostPath the node's custom-sidecar configuration "
                                           "declares (" + allowed + ")"),
                    field + ".hostPath");
    }
    out.type = "HostPathVolume";
    out.path = v.hostPath->path;
  } else if (v.projected.is_object()) {
    out.type = "ConfigFileVolume";
    const Json& sources = v.projected.contains("sources") ? v.projected["sources"] : Json();
    if (!sources.is_array()) return std::nullopt;
    for (std::size_t i = 0; i < sources.size(); ++i) {
      const Json& s = sources[i];
      const std::string f = field + ".projected.sources[" + std::to_string(i) + "]";
      if (!s.is_object()) return refuse(reason::kInvalidPod, f + " is not an object", f);
      if (s.contains("configMap")) {
        const Json& c = s["configMap"];
        if (auto r = configmap_files(cx, json_string(c, "name"), c.is_object() && c.contains("items") ? c["items"] : Json(),
                                     nullptr, json_bool(c, "optional").value_or(false), "",
                                     f + ".configMap", out.config_files)) {
          return r;
        }
      } else if (s.contains("secret")) {
        const Json& c = s["secret"];
        if (auto r = secret_files(cx, json_string(c, "name"), c.is_object() && c.contains("items") ? c["items"] : Json(),
                                  nullptr, json_bool(c, "optional").value_or(false), "",
                                  f + ".secret", out.config_files)) {
          return r;
        }
      } else if (s.contains("downwardAPI")) {
        const Json& d = s["downwardAPI"];
        if (auto r = downward_files(cx, d.is_object() && d.contains("items") ? d["items"] : Json(), "",
                                    f + ".downwardAPI", out.config_files)) {
          return r;
        }
      } else if (s.contains("serviceAccountToken")) {
        const Json& t = s["serviceAccountToken"];
        const std::string sa = cx.pod.spec.serviceAccountName.empty() ? "default" : cx.pod.spec.serviceAccountName;
        std::optional<std::string> token;
        if (cx.in.lookup) token = cx.in.lookup->service_account_token(cx.ns, sa, json_string(t, "audience"));
        if (!token) {
          cx.warn("ServiceAccountTokenUnavailable",
                  field + " (" + v.name + "): no token for service account " + sa +
                      "; the file " + json_string(t, "path") + " is left out");
          continue;
        }
        out.config_files.push_back(kc::ConfigFile{json_string(t, "path"), k8s::base64_encode(*token)});
      } else {
        return refuse(reason::kUnsupportedFeature,
                      f + ": a projected source KCI cannot carry; accepted: configMap, secret, "
                      "downwardAPI, serviceAccountToken",
                      f);
      }
    }
  } else if (v.downwardAPI.is_object()) {
    out.type = "ConfigFileVolume";
    return downward_files(cx, v.downwardAPI.contains("items") ? v.downwardAPI["items"] : Json(), "",
                          field + ".downwardAPI", out.config_files);
  } else {
    std::string kind = v.persistentVolumeClaim ? "persistentVolumeClaim"
                       : !v.csi.is_null()      ? "csi"
                                               : "";
    if (kind.empty() && v.extra.is_object() && !v.extra.empty()) kind = v.extra.begin().key();
    if (kind.empty()) {
      return refuse(reason::kInvalidPod, field + " (" + v.name + ") has no volume source", field);
    }
    return refuse(reason::kUnsupportedFeature,
                  field + " (" + v.name + "): a " + kind + " volume cannot be carried to KCI; "
                  "accepted: emptyDir, configMap, secret, nfs, projected, downwardAPI",
                  field + "." + kind);
  }
  return std::nullopt;
}

// ---- DNS ---------------------------------------------------------------------------------

void add_unique(std::vector<std::string>& to, const std::string& v) {
  if (std::find(to.begin(), to.end(), v) == to.end()) to.push_back(v);
}

std::optional<Refusal> build_dns(Ctx& cx) {
  const auto& spec = cx.pod.spec;
  const std::string policy = spec.dnsPolicy.empty() ? "ClusterFirst" : spec.dnsPolicy;
  kc::DnsConfig dns;
  std::vector<std::pair<std::string, std::optional<std::string>>> options;
  if (policy == "ClusterFirst" || policy == "ClusterFirstWithHostNet") {
    if (cx.node.cluster_dns.empty()) {
      // The kubelet falls back to the node's resolver when it has no cluster DNS.
      cx.warn("MissingClusterDNS",
              "pod: \"" + cx.pod.metadata.name + "\". kubelet does not have ClusterDNS IP configured "
              "(--cluster-dns) and cannot create Pod using \"ClusterFirst\" policy. Falling back to "
              "\"Default\" policy.");
      dns.name_servers = cx.node.virtual_node_dns;
    } else {
      // Seed 001: "对于dnsPolicy=ClusterFirst的实例:用于指定集群的DNS配置".
      dns.name_servers = cx.node.cluster_dns;
      const auto& d = cx.node.cluster_domain;
      dns.searches = {cx.ns + ".svc." + d, "svc." + d, d};
      options.emplace_back("ndots", std::string("5"));
    }
  } else if (policy == "Default") {
    // Seed 001: "对于dnsPolicy=Default的实例:用于指定虚拟节点的DNS配置".
    dns.name_servers = cx.node.virtual_node_dns;
  } else if (policy == "None") {
    if (!spec.dnsConfig) {
      return refuse(reason::kInvalidPod, "spec.dnsPolicy is None but spec.dnsConfig is not set",
                    "spec.dnsConfig");
    }
  } else {
    return refuse(reason::kInvalidPod,
                  "spec.dnsPolicy is \"" + spec.dnsPolicy +
                      "\": accepted ClusterFirst, ClusterFirstWithHostNet, Default, None",
                  "spec.dnsPolicy");
  }
  if (spec.dnsConfig) {
    // Merged as the kubelet merges: servers and searches appended without duplicates,
    // options by name with the pod's value winning.
    for (const auto& s : spec.dnsConfig->nameservers) add_unique(dns.name_servers, s);
    for (const auto& s : spec.dnsConfig->searches) add_unique(dns.searches, s);
    for (const auto& o : spec.dnsConfig->options) {
      auto it = std::find_if(options.begin(), options.end(), [&](const auto& x) { return x.first == o.name; });
      if (it != options.end()) {
        it->second = o.value;
      } else {
        options.emplace_back(o.name, o.value);
      }
    }
  }
  if (dns.name_servers.size() > kMaxNameservers) {
    cx.warn("DNSConfigForming",
            "Nameserver limits were exceeded, some nameservers have been omitted, the applied "
            "nameserver line is: " + [&] {
              std::string s;
              for (std::size_t i = 0; i < kMaxNameservers; ++i) s += (i ? " " : "") + dns.name_servers[i];
              return s;
            }());
    dns.name_servers.resize(kMaxNameservers);
  }
  if (dns.searches.size() > kMaxSearches) {
    return refuse(reason::kInvalidPod,
                  "the pod's DNS search list has " + std::to_string(dns.searches.size()) +
                      " domains: at most 32 are accepted",
                  "spec.dnsConfig.searches");
  }
  for (const auto& [name, value] : options) dns.options.push_back(value ? name + ":" + *value : name);
  if (!dns.name_servers.empty() || !dns.searches.empty() || !dns.options.empty()) {
    cx.out.request.dns_config = std::move(dns);
  }
  cx.out.request.cluster_domain = cx.node.cluster_domain;
  std::string servers;
  for (const auto& s : cx.node.cluster_dns) servers += (servers.empty() ? "" : ",") + s;
  cx.out.request.cluster_dns = servers;
  return std::nullopt;
}

// ---- image pull secrets ------------------------------------------------------------------

void build_registry_credentials(Ctx& cx) {
  for (const auto& ref : cx.pod.spec.imagePullSecrets) {
    const auto* s = cx.secret(ref.name);
    if (s == nullptr) {
      cx.warn("FailedToRetrieveImagePullSecret",
              "Unable to retrieve some image pull secrets (" + ref.name +
                  "); attempting to pull the image may not succeed.");
      continue;
    }
    auto text = k8s::secret_value(*s, ".dockerconfigjson");
    const bool legacy = !text;
    if (legacy) text = k8s::secret_value(*s, ".dockercfg");
    Json doc = text ? Json::parse(*text, nullptr, false) : Json();
    if (!legacy && doc.is_object()) doc = doc.contains("auths") ? doc["auths"] : Json();
    if (!doc.is_object()) {
      cx.warn("FailedToRetrieveImagePullSecret",
              "image pull secret " + ref.name + " has no readable .dockerconfigjson or .dockercfg");
      continue;
    }
    for (auto it = doc.begin(); it != doc.end(); ++it) {
      kc::RegistryCredential rc;
      rc.server = it.key();
      rc.user_name = json_string(it.value(), "username");
      rc.password = json_string(it.value(), "password");
      if (rc.user_name.empty()) {
        if (auto a = k8s::base64_decode(json_string(it.value(), "auth"))) {
          const auto colon = a->find(':');
          if (colon != std::string::npos) {
            rc.user_name = a->substr(0, colon);
            rc.password = a->substr(colon + 1);
          }
        }
      }
      cx.out.request.image_registry_credentials.push_back(std::move(rc));
    }
  }
}


}  // namespace

// ---- the translation -----------------------------------------------------------------------

Outcome<TranslationResult> translate_pod(const TranslateInput& in) {
  if (in.pod == nullptr || in.node == nullptr || in.catalogue == nullptr) {
    return refuse(reason::kInvalidPod, "translate_pod needs a pod, node settings and a catalogue", "");
  }
  Ctx cx{in, *in.pod, *in.node, {}, {}, {}, {}, 0};
  const auto& pod = cx.pod;
  const auto& spec = pod.spec;
  const auto& node = cx.node;
  cx.ns = pod.metadata.namespace_.empty() ? "default" : pod.metadata.namespace_;
  auto& req = cx.out.request;

  // ---- what KCI cannot carry at all ----
  for (const auto& o : pod.metadata.ownerReferences) {
    if (o.kind == "DaemonSet") {
      // Seed 001: "不支持在虚拟节点上运行DaemonSet Pod".
      return refuse(reason::kUnsupportedFeature,
                    "the pod belongs to DaemonSet " + o.name +
                        "; DaemonSet pods do not run on a virtual node: add a toleration-free "
                        "nodeAffinity that excludes type=virtual-kubelet",
                    "metadata.ownerReferences");
    }
  }
  if (spec.hostNetwork) {
    // Seed 001: "不支持Pod设置为 HostNetwork".
    return refuse(reason::kUnsupportedFeature,
                  "spec.hostNetwork is true; a KCI instance has no host network: set it to false",
                  "spec.hostNetwork");
  }
  if (spec.hostPID || spec.hostIPC) {
    return refuse(reason::kUnsupportedFeature,
                  std::string("spec.") + (spec.hostPID ? "hostPID" : "hostIPC") +
                      " is true; a KCI instance shares no namespace with a host: set it to false",
                  spec.hostPID ? "spec.hostPID" : "spec.hostIPC");
  }
  if (spec.containers.empty()) {
    return refuse(reason::kInvalidPod, "spec.containers is empty: a pod needs at least one", "spec.containers");
  }

  // ---- annotations of every dialect ----
  auto intent_or = read_annotations(pod.metadata.annotations);
  if (!intent_or.ok()) return intent_or.take_refusal();
  PodIntent& intent = intent_or.value();
  cx.out.events = std::move(intent.events);
  cx.out.fail_on_create_error = intent.fail_on_create_error;

  // ---- containers: the pod's, then the node's sidecar ----
  const CustomSidecar* sc = in.sidecar;
  for (const auto& c : spec.containers) cx.all_containers.push_back(&c);
  cx.pod_container_count = spec.containers.size();
  if (sc != nullptr) {
    for (const auto& c : sc->containers) {
      for (const auto* p : cx.all_containers) {
        if (p->name == c.name) {
          return refuse(reason::kInvalidPod,
                        "container \"" + c.name + "\" of the pod has the name of a sidecar of the "
                        "node's custom-sidecar ConfigMap " + node.node_name + ": rename it",
                        "spec.containers");
        }
      }
      cx.all_containers.push_back(&c);
    }
  }
  if (cx.all_containers.size() > kMaxContainers) {
    return refuse(reason::kTooManyContainers,
                  "the pod has " + std::to_string(spec.containers.size()) + " containers" +
                      (sc && !sc->containers.empty()
                           ? " and the node adds " + std::to_string(sc->containers.size()) + " sidecars"
                           : std::string()) +
                      ": KCI runs at most 5 containers per instance",
                  "spec.containers");
  }
  std::vector<const k8s::Container*> inits;
  for (const auto& c : spec.initContainers) {
    if (c.restartPolicy == "Always") {
      return refuse(reason::kUnsupportedFeature,
                    "init container " + c.name + " has restartPolicy Always (a native sidecar), which "
                    "KCI cannot carry: move it to spec.containers",
                    "spec.initContainers");
    }
    inits.push_back(&c);
  }

  // ---- sizing ----
  std::vector<std::optional<kc::Size>> per_container(cx.all_containers.size());
  std::vector<kc::Size> demands;
  for (const auto* c : cx.all_containers) {
    auto d = container_demand(*c);
    if (!d.ok()) return refusal_from(d.error(), reason::kInvalidPod, "spec.containers");
    demands.push_back(*d);
  }
  for (std::size_t i = 0; i < demands.size(); ++i) {
    if (demands[i].cpu_milli > 0 || demands[i].memory_mib > 0) per_container[i] = demands[i];
  }
  kc::Size asked;
  const char* size_field = "spec.containers[*].resources";
  if (intent.cpu_milli) {
    asked = kc::Size{*intent.cpu_milli, *intent.memory_mib};
    size_field = "metadata.annotations[k8s.ksyun.com/kci-instance-cpu]";
  } else if (!intent.specs.empty() && intent.specs.front().size) {
    asked = kc::Size{intent.specs.front().size->cpu_milli, intent.specs.front().size->memory_mib};
    size_field = "metadata.annotations[k8s.aliyun.com/eci-use-specs]";
  } else {
    auto d = pod_demand(cx.all_containers, inits);
    if (!d.ok()) return refusal_from(d.error(), reason::kInvalidPod, "spec.containers");
    asked = *d;
  }
  kc::Size size;
  if (node.sizing_policy == SizingPolicy::kCci && !intent.cpu_milli) {
    auto cci = normalise_cci(demands);
    if (!cci.ok()) return refusal_from(cci.error(), reason::kUnsupportedSize, size_field);
    per_container = cci->containers;
    // The containers keep CCI's amounts (seed 002), but KCI sells packages only: the
    // instance is the smallest standard size that holds the CCI pod (0.5C1G -> 1C1G).
    auto n = normalise_size(cci->pod, *in.catalogue);
    if (!n.ok()) return refusal_from(n.error(), reason::kUnsupportedSize, size_field);
    size = *n;
    if (size != cci->pod) {
      cx.normal("AutoInstanceTypeMatch", "the pod's CCI size " + kc::to_string(cci->pod) +
                                             " runs on the smallest KCI package that holds it, " +
                                             kc::to_string(size));
    }
  } else {
    auto n = normalise_size(asked, *in.catalogue);
    if (!n.ok()) return refusal_from(n.error(), reason::kUnsupportedSize, size_field);
    size = *n;
    if (size != asked) {
      cx.normal("AutoInstanceTypeMatch",
                "the pod asks for " + kc::to_string(asked) + "; normalised to " + kc::to_string(size));
    }
  }

  // ---- system disk ----
  const std::string disk_type =
      intent.system_disk_type.empty() ? std::string(kc::assumed::kDefaultSystemDiskType) : intent.system_disk_type;
  const kc::DiskType* disk = in.catalogue->disk_type(disk_type);
  if (disk == nullptr) {
    std::string names;
    for (const auto& d : in.catalogue->disk_types()) names += (names.empty() ? "" : ", ") + d.name;
    return refuse(reason::kInvalidAnnotation,
                  std::string(kKciSystemDiskType) + " is \"" + disk_type + "\": accepted " + names,
                  "metadata.annotations[" + std::string(kKciSystemDiskType) + "]");
  }
  int disk_gb = node.base_system_disk_gb;
  if (disk_gb < disk->min_gb) {
    cx.normal("SystemDiskResized", "--base-system-disk-size is " + std::to_string(disk_gb) + " GB, below " +
                                       disk_type + "'s minimum; the system disk is " +
                                       std::to_string(disk->min_gb) + " GB");
    disk_gb = disk->min_gb;
  } else if (disk_gb > disk->max_gb) {
    return refuse(reason::kInvalidSetting,
                  "--base-system-disk-size is " + std::to_string(disk_gb) + " GB but system disk " + disk_type +
                      " accepts " + std::to_string(disk->min_gb) + "-" + std::to_string(disk->max_gb) +
                      " GB: choose another disk type or a smaller size",
                  "--base-system-disk-size");
  }
  req.system_disk = kc::SystemDisk{disk_type, disk_gb};

  // ---- instance type ----
  std::string explicit_type = intent.instance_type;
  if (explicit_type.empty() && !intent.specs.empty()) explicit_type = intent.specs.front().instance_type;
  auto choice = match_instance_type(size, explicit_type, node.instance_families, disk_type, *in.catalogue);
  if (!choice.ok()) {
    if (node.sizing_policy == SizingPolicy::kCci && explicit_type.empty()) {
      // A CCI size need not be a package: the cloud chooses among the families.
      choice = InstanceChoice{"", size, node.instance_families};
    } else {
      const bool bad_annotation = !explicit_type.empty();
      return refusal_from(choice.error(),
                          bad_annotation ? reason::kInvalidAnnotation : reason::kNoMatchingInstanceType,
                          bad_annotation ? "metadata.annotations[" + std::string(kKciInstanceType) + "]"
                                         : "KCI_INSTANCE_FAMILY");
    }
  }
  req.instance_type = choice->instance_type;
  req.instance_families = choice->families;
  size = choice->size;
  cx.size = size;
  cx.out.size = size;
  req.cpu = cores(size.cpu_milli);
  req.memory = gib(size.memory_mib);
  for (std::size_t i = 1; i < intent.specs.size(); ++i) {
    const auto& sp = intent.specs[i];
    const std::string f = "metadata.annotations[" + std::string(kEciUseSpecs) + "]";
    kc::Size s = size;
    if (sp.size) {
      auto n = normalise_size(kc::Size{sp.size->cpu_milli, sp.size->memory_mib}, *in.catalogue);
      if (!n.ok()) return refusal_from(n.error(), reason::kUnsupportedSize, f);
      s = *n;
    }
    auto c = match_instance_type(s, sp.instance_type, node.instance_families, disk_type, *in.catalogue);
    if (!c.ok()) return refusal_from(c.error(), reason::kInvalidAnnotation, f);
    cx.out.fallbacks.push_back(std::move(*c));
  }

  // ---- volumes ----
  std::set<std::string> volume_names;
  for (std::size_t i = 0; i < spec.volumes.size(); ++i) {
    kc::Volume v;
    if (auto r = build_volume(cx, spec.volumes[i], "spec.volumes[" + std::to_string(i) + "]", false, v)) return *r;
    volume_names.insert(v.name);
    req.volumes.push_back(std::move(v));
  }
  if (sc != nullptr) {
    for (std::size_t i = 0; i < sc->volumes.size(); ++i) {
      if (volume_names.count(sc->volumes[i].name)) {
        return refuse(reason::kInvalidPod,
                      "volume \"" + sc->volumes[i].name + "\" of the pod has the name of a volume of the "
                      "node's custom-sidecar ConfigMap: rename it",
                      "spec.volumes");
      }
      kc::Volume v;
      // The sidecar's ConfigMaps and Secrets live beside its configuration in kube-system
      // (seed 000 creates filebeat-config and filebeat-inputs there); one that exists only
      // in the pod's namespace is taken from there.
      const auto& sv = sc->volumes[i];
      auto exists_in = [&](std::string_view ns) {
        if (in.lookup == nullptr) return false;
        if (sv.configMap) return in.lookup->config_map(ns, sv.configMap->name) != nullptr;
        if (sv.secret) return in.lookup->secret(ns, sv.secret->secretName) != nullptr;
        return false;
      };
      const bool pod_namespace_only = !exists_in(kSidecarNamespace) && exists_in(cx.ns);
      const std::string pod_ns =
          std::exchange(cx.ns, pod_namespace_only ? cx.ns : std::string(kSidecarNamespace));
      auto refused = build_volume(cx, sc->volumes[i], "custom-sidecar volumes[" + std::to_string(i) + "]", true, v);
      cx.ns = pod_ns;
      if (refused) return *refused;
      volume_names.insert(v.name);
      req.volumes.push_back(std::move(v));
    }
  }

  // ---- containers ----
  for (std::size_t i = 0; i < cx.all_containers.size(); ++i) {
    const bool own = i < cx.pod_container_count;
    const std::string base = own ? "spec.containers[" + std::to_string(i) + "]"
                                 : "custom-sidecar containers[" + std::to_string(i - cx.pod_container_count) + "]";
    kc::ContainerSpec c;
    if (auto r = build_container(cx, *cx.all_containers[i], base, volume_names, per_container[i], c)) return *r;
    req.gpu += c.gpu;
    req.containers.push_back(std::move(c));
  }
  for (std::size_t i = 0; i < inits.size(); ++i) {
    kc::ContainerSpec c;
    auto d = container_demand(*inits[i]);
    std::optional<kc::Size> s;
    if (d.ok() && (d->cpu_milli > 0 || d->memory_mib > 0)) s = *d;
    if (auto r = build_container(cx, *inits[i], "spec.initContainers[" + std::to_string(i) + "]", volume_names, s, c)) {
      return *r;
    }
    req.init_containers.push_back(std::move(c));
  }

  // ---- network ----
  if (intent.security_groups) {
    req.security_group_ids = *intent.security_groups;
  } else {
    req.security_group_ids = node.security_group_ids;
  }
  if (req.security_group_ids.empty()) {
    // Seed 001: "若此处没有配置安全组,则需要在创建容器实例资源时,指定安全组".
    return refuse(reason::kMissingNetwork,
                  "no security group: set k8s.ksyun.com/kci-security-group-id on the pod or "
                  "KCI_SECURITY_GROUP_IDS on the virtual node",
                  "metadata.annotations[" + std::string(kKciSecurityGroupId) + "]");
  }
  const auto& subnets = intent.subnets ? *intent.subnets : node.subnet_ids;
  if (subnets.empty()) {
    return refuse(reason::kMissingNetwork,
                  "no subnet: set k8s.ksyun.com/kci-subnet-id on the pod or KCI_SUBNET_ID on the "
                  "virtual node",
                  "metadata.annotations[" + std::string(kKciSubnetId) + "]");
  }
  if (subnets.size() == 1) {
    req.subnet_id = subnets.front();
  } else {
    req.multi_subnet_ids = subnets;
  }
  req.ingress_bandwidth = intent.ingress_bits;
  req.egress_bandwidth = intent.egress_bits;
  // Seed 000: "Pod annotation中配置优先级高于vk全局配置".
  req.kube_proxy_enabled = intent.kube_proxy.value_or(node.kube_proxy_default());
  req.project_id = intent.project_id.empty() ? node.project_id : intent.project_id;
  req.base_image = node.base_image;
  req.kci_type = std::string(kKciType);
  req.charge_type = intent.spot ? "Spot" : "HourlyInstantSettlement";
  if (intent.spot) req.spot_strategy = "SpotAsPriceGo";
  req.auto_match_image_cache = intent.auto_match_image_cache;
  req.image_cache_id = intent.image_cache_id;

  // ---- DNS, host aliases, pull secrets ----
  if (auto r = build_dns(cx)) return *r;
  for (const auto& h : spec.hostAliases) req.host_aliases.push_back(kc::HostAlias{h.ip, h.hostnames});
  build_registry_credentials(cx);

  // ---- restart, termination ----
  const std::string restart = spec.restartPolicy.empty() ? "Always" : spec.restartPolicy;
  if (restart != "Always" && restart != "OnFailure" && restart != "Never") {
    return refuse(reason::kInvalidPod,
                  "spec.restartPolicy is \"" + spec.restartPolicy + "\": accepted Always, OnFailure, Never",
                  "spec.restartPolicy");
  }
  req.restart_policy = restart;
  req.termination_grace_period_seconds = spec.terminationGracePeriodSeconds;

  // ---- identity ----
  req.container_group_name = container_group_name(cx.ns, pod.metadata.name);
  req.client_token = pod.metadata.uid;
  if (!node.cluster_id.empty()) req.labels.push_back({"cluster-id", node.cluster_id});
  req.labels.push_back({"namespace", cx.ns});
  req.labels.push_back({"pod-name", pod.metadata.name});
  req.labels.push_back({"node-name", spec.nodeName.empty() ? node.node_name : spec.nodeName});
  return std::move(cx.out);
}

}  // namespace kci::translate
