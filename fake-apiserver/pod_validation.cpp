#include "fake-apiserver/pod_validation.h"

#include <set>
#include <vector>

#include "core/k8s/object.h"
#include "core/k8s/quantity.h"
#include "core/k8s/resources.h"
#include "core/k8s/scheduling.h"

namespace kci::apiserver {

namespace {

bool alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// The five minutes DefaultTolerationSeconds gives pods on not-ready / unreachable nodes.
constexpr std::int64_t kDefaultTolerationSeconds = 300;
// Grace period the API defaults a pod to.
constexpr std::int64_t kDefaultGraceSeconds = 30;

void set_default(Json& o, const char* key, Json value) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) o[key] = std::move(value);
}

void default_container(Json& c) {
  set_default(c, "terminationMessagePath", "/dev/termination-log");
  set_default(c, "terminationMessagePolicy", "File");
  if (!c.contains("imagePullPolicy")) {
    const std::string image = c.value("image", "");
    const auto slash = image.rfind('/');
    const std::string last = slash == std::string::npos ? image : image.substr(slash + 1);
    const bool tagged = last.find(':') != std::string::npos || image.find('@') != std::string::npos;
    const bool latest = !tagged || last.ends_with(":latest");
    c["imagePullPolicy"] = latest ? "Always" : "IfNotPresent";
  }
  set_default(c, "resources", Json::object());
  if (auto ports = c.find("ports"); ports != c.end() && ports->is_array())
    for (auto& p : *ports)
      if (p.is_object()) set_default(p, "protocol", "TCP");
}

std::string field(const std::string& base, std::size_t i) {
  return base + "[" + std::to_string(i) + "]";
}

struct Errors {
  std::vector<std::string> items;
  void add(std::string e) { items.push_back(std::move(e)); }
  Status status() const {
    if (items.empty()) return ok_status();
    std::string msg = "[";
    for (std::size_t i = 0; i < items.size(); ++i) msg += (i ? ", " : "") + items[i];
    msg += "]";
    if (items.size() == 1) msg = items[0];
    return make_error(ErrorCode::kInvalidArgument, msg, "Invalid");
  }
};

void validate_resources(const Json& res, const std::string& path, Errors& e) {
  if (!res.is_object()) return;
  std::map<std::string, k8s::Quantity> limits;
  for (const char* which : {"limits", "requests"}) {
    auto it = res.find(which);
    if (it == res.end() || it->is_null()) continue;
    if (!it->is_object()) {
      e.add(path + "." + which + ": Invalid value: must be a map of quantities");
      continue;
    }
    for (const auto& [name, v] : it->items()) {
      const std::string text = v.is_string() ? v.get<std::string>() : v.is_number() ? v.dump() : "";
      auto q = k8s::Quantity::parse(text);
      if (!q.ok()) {
        e.add(path + "." + which + "[" + name + "]: Invalid value: \"" + text +
              "\": quantities must match the regular expression "
              "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
        continue;
      }
      if (*q < k8s::Quantity()) e.add(path + "." + which + "[" + name + "]: Invalid value: \"" +
                                      text + "\": must be greater than or equal to 0");
      if (std::string(which) == "limits") limits.emplace(name, *q);
      else if (auto l = limits.find(name); l != limits.end() && *q > l->second)
        e.add(path + ".requests: Invalid value: \"" + text + "\": must be less than or equal to " +
              name + " limit of " + l->second.to_string());
    }
  }
}

void validate_containers(const Json& spec, const char* key, bool required, Errors& e,
                         std::set<std::string>& names) {
  const std::string base = std::string("spec.") + key;
  auto it = spec.find(key);
  if (it == spec.end() || it->is_null() || (it->is_array() && it->empty())) {
    if (required) e.add(base + ": Required value");
    return;
  }
  if (!it->is_array()) {
    e.add(base + ": Invalid value: must be a list");
    return;
  }
  for (std::size_t i = 0; i < it->size(); ++i) {
    const Json& c = (*it)[i];
    const std::string p = field(base, i);
    if (!c.is_object()) {
      e.add(p + ": Invalid value: must be an object");
      continue;
    }
    const std::string name = c.value("name", "");
    if (name.empty()) e.add(p + ".name: Required value");
    else if (!is_dns1123_label(name))
      e.add(p + ".name: Invalid value: \"" + name + "\": a lowercase RFC 1123 label must consist "
            "of lower case alphanumeric characters or '-', and must start and end with an "
            "alphanumeric character");
    else if (!names.insert(name).second) e.add(p + ".name: Duplicate value: \"" + name + "\"");
    if (c.value("image", "").empty()) e.add(p + ".image: Required value");
    if (auto ports = c.find("ports"); ports != c.end() && ports->is_array())
      for (std::size_t j = 0; j < ports->size(); ++j) {
        const Json& port = (*ports)[j];
        const Json cp = port.is_object() ? port.value("containerPort", Json()) : Json();
        if (!cp.is_number_integer() || cp.get<std::int64_t>() < 1 || cp.get<std::int64_t>() > 65535)
          e.add(field(p + ".ports", j) + ".containerPort: Invalid value: " + cp.dump() +
                ": must be between 1 and 65535, inclusive");
        const std::string proto = port.is_object() ? port.value("protocol", "TCP") : "TCP";
        if (proto != "TCP" && proto != "UDP" && proto != "SCTP")
          e.add(field(p + ".ports", j) + ".protocol: Unsupported value: \"" + proto +
                "\": supported values: \"SCTP\", \"TCP\", \"UDP\"");
      }
    if (auto r = c.find("resources"); r != c.end()) validate_resources(*r, p + ".resources", e);
  }
}

}  // namespace

bool is_dns1123_label(std::string_view s) {
  // 63: the DNS label length limit (RFC 1123).
  if (s.empty() || s.size() > 63 || !alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s)
    if (!alnum(c) && c != '-') return false;
  return true;
}

bool is_dns1123_subdomain(std::string_view s) {
  // 253: the DNS name length limit (RFC 1123).
  if (s.empty() || s.size() > 253 || !alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s)
    if (!alnum(c) && c != '-' && c != '.') return false;
  return true;
}

void default_pod(Json& pod) {
  Json& spec = pod["spec"];
  if (!spec.is_object()) return;  // validation reports it
  set_default(spec, "restartPolicy", "Always");
  set_default(spec, "dnsPolicy", "ClusterFirst");
  set_default(spec, "schedulerName", "default-scheduler");
  set_default(spec, "terminationGracePeriodSeconds", kDefaultGraceSeconds);
  set_default(spec, "securityContext", Json::object());
  set_default(spec, "enableServiceLinks", true);
  set_default(spec, "priority", 0);
  set_default(spec, "serviceAccountName", "default");
  set_default(spec, "preemptionPolicy", "PreemptLowerPriority");
  for (const char* key : {"containers", "initContainers"})
    if (auto it = spec.find(key); it != spec.end() && it->is_array())
      for (auto& c : *it)
        if (c.is_object()) default_container(c);
  // DefaultTolerationSeconds admission: tolerate not-ready / unreachable for 5 minutes
  // unless the pod already says how long.
  Json& tols = spec["tolerations"];
  if (!tols.is_array()) tols = Json::array();
  for (const char* key : {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"}) {
    bool found = false;
    for (const auto& t : tols)
      if (t.is_object() && t.value("key", "") == key &&
          (t.value("effect", "") == "NoExecute" || t.value("effect", "").empty()))
        found = true;
    if (!found)
      tols.push_back({{"key", key},
                      {"operator", "Exists"},
                      {"effect", "NoExecute"},
                      {"tolerationSeconds", kDefaultTolerationSeconds}});
  }
}

void initialise_pod_status(Json& pod) {
  pod["status"] = {{"phase", "Pending"}};
  // QoS as the API server computes it; a pod that does not decode is refused by validation.
  if (auto typed = k8s::decode<k8s::Pod>(pod); typed.ok())
    pod["status"]["qosClass"] = std::string(k8s::qos_class_name(k8s::qos_class(*typed)));
}

Status validate_pod(const Json& pod) {
  Errors e;
  auto it = pod.find("spec");
  if (it == pod.end() || !it->is_object()) {
    e.add("spec: Required value");
    return e.status();
  }
  const Json& spec = *it;
  std::set<std::string> names;
  validate_containers(spec, "containers", true, e, names);
  validate_containers(spec, "initContainers", false, e, names);
  const std::string rp = spec.value("restartPolicy", "Always");
  if (rp != "Always" && rp != "OnFailure" && rp != "Never")
    e.add("spec.restartPolicy: Unsupported value: \"" + rp +
          "\": supported values: \"Always\", \"OnFailure\", \"Never\"");
  const std::string dp = spec.value("dnsPolicy", "ClusterFirst");
  if (dp != "ClusterFirst" && dp != "ClusterFirstWithHostNet" && dp != "Default" && dp != "None")
    e.add("spec.dnsPolicy: Unsupported value: \"" + dp + "\": supported values: "
          "\"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\"");
  if (auto g = spec.find("terminationGracePeriodSeconds");
      g != spec.end() && (!g->is_number_integer() || g->get<std::int64_t>() < 0))
    e.add("spec.terminationGracePeriodSeconds: Invalid value: must be greater than or equal to 0");
  if (auto a = spec.find("activeDeadlineSeconds");
      a != spec.end() && !a->is_null() && (!a->is_number_integer() || a->get<std::int64_t>() < 1))
    e.add("spec.activeDeadlineSeconds: Invalid value: must be between 1 and 2147483647, inclusive");
  std::set<std::string> volumes;
  if (auto vs = spec.find("volumes"); vs != spec.end() && vs->is_array())
    for (std::size_t i = 0; i < vs->size(); ++i) {
      const std::string name = (*vs)[i].is_object() ? (*vs)[i].value("name", "") : "";
      if (name.empty()) e.add(field("spec.volumes", i) + ".name: Required value");
      else if (!volumes.insert(name).second)
        e.add(field("spec.volumes", i) + ".name: Duplicate value: \"" + name + "\"");
    }
  if (auto typed = k8s::decode<k8s::Pod>(pod); !typed.ok()) {
    e.add(typed.error().message);
  } else {
    if (Status t = k8s::validate_tolerations(typed->spec.tolerations, "spec.tolerations"); !t.ok())
      e.add(t.error().message);
    if (typed->spec.affinity && typed->spec.affinity->nodeAffinity)
      if (Status a = k8s::validate_node_affinity(*typed->spec.affinity->nodeAffinity,
                                                 "spec.affinity.nodeAffinity");
          !a.ok())
        e.add(a.error().message);
  }
  return e.status();
}

Status validate_pod_update(const Json& old_pod, const Json& new_pod) {
  KCI_TRY_STATUS(validate_pod(new_pod));
  const Json& os = old_pod.at("spec");
  Json ns = new_pod.value("spec", Json::object());
  // Blank out what may change, then the rest must be equal.
  Json a = os, b = ns;
  for (const char* key : {"containers", "initContainers"}) {
    if (!a.contains(key) || !b.contains(key) || !a[key].is_array() || !b[key].is_array() ||
        a[key].size() != b[key].size())
      continue;
    for (std::size_t i = 0; i < a[key].size(); ++i) {
      if (a[key][i].is_object()) a[key][i].erase("image");
      if (b[key][i].is_object()) b[key][i].erase("image");
    }
  }
  a.erase("activeDeadlineSeconds");
  b.erase("activeDeadlineSeconds");
  if (old_pod.value("metadata", Json::object()).contains("deletionTimestamp")) {
    a.erase("terminationGracePeriodSeconds");
    b.erase("terminationGracePeriodSeconds");
  }
  // Tolerations may be added, not removed or changed.
  const Json ot = a.value("tolerations", Json::array());
  const Json nt = b.value("tolerations", Json::array());
  bool tol_ok = nt.is_array() && ot.is_array() && nt.size() >= ot.size();
  if (tol_ok)
    for (const auto& t : ot)
      if (std::find(nt.begin(), nt.end(), t) == nt.end()) tol_ok = false;
  if (!tol_ok)
    return make_error(ErrorCode::kInvalidArgument,
                      "spec.tolerations: Forbidden: existing toleration can not be modified "
                      "except its tolerationSeconds",
                      "Invalid");
  a.erase("tolerations");
  b.erase("tolerations");
  if (a != b)
    return make_error(ErrorCode::kInvalidArgument,
                      "spec: Forbidden: pod updates may not change fields other than "
                      "`spec.containers[*].image`, `spec.initContainers[*].image`, "
                      "`spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to "
                      "existing tolerations) or `spec.terminationGracePeriodSeconds` (allow it "
                      "to be set to 1 if it was previously negative)",
                      "Invalid");
  return ok_status();
}

}  // namespace kci::apiserver
