#include "scenarios/expect.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/duration.h"
#include "core/k8s/selector.h"
#include "core/kci/wire.h"

namespace kci::scenario {
namespace {

using k8s::Json;

std::string label_of(const kcicloud::ContainerGroup& g, const std::string& key) {
  for (const auto& kv : g.labels)
    if (kv.key == key) return kv.value;
  return {};
}

//! "pods(namespace=default, selector=app=nginx)"
std::string describe_scope(const std::string& what, const std::string& ns, const std::string& selector) {
  return what + "(namespace=" + ns + (selector.empty() ? "" : ", selector=" + selector) + ")";
}

//! A short line about a pod for failure messages.
std::string pod_line(const k8s::Pod& p) {
  std::string s = p.metadata.name + " " + (p.status.phase.empty() ? "<no phase>" : p.status.phase);
  if (!p.spec.nodeName.empty()) {
    s += " on " + p.spec.nodeName;
  } else {
    s += " unscheduled";
    // Why, as kube-scheduler wrote it ("0/2 nodes are available: 2 Insufficient cpu.").
    for (const auto& c : p.status.conditions)
      if (c.type == "PodScheduled" && c.status == "False" && !c.message.empty() && p.status.reason.empty())
        s += " (" + c.message + ")";
  }
  if (!p.status.reason.empty()) {
    // The message says why (the cloud's error, the refusal): cut so a line stays readable.
    constexpr std::size_t kMessageShown = 200;
    std::string m = p.status.message.substr(0, kMessageShown);
    if (p.status.message.size() > kMessageShown) m += "...";
    s += " (" + p.status.reason + (m.empty() ? "" : ": " + m) + ")";
  }
  return s;
}

Result<std::vector<k8s::Pod>> pods_matching(kube::KubeClient& kube, const std::string& ns, const std::string& selector) {
  kube::ListOptions lo;
  lo.labelSelector = selector;
  KCI_TRY(auto list, kube.list(kube::pods(ns), lo));
  std::vector<k8s::Pod> out;
  for (const auto& o : list.items) {
    auto p = k8s::decode<k8s::Pod>(*o);
    if (p.ok()) out.push_back(std::move(*p));
  }
  return out;
}

std::string pod_reason(const k8s::Pod& p) {
  if (!p.status.reason.empty()) return p.status.reason;
  for (const auto& cs : p.status.containerStatuses) {
    if (cs.state.waiting && !cs.state.waiting->reason.empty()) return cs.state.waiting->reason;
    if (cs.state.terminated && !cs.state.terminated->reason.empty()) return cs.state.terminated->reason;
  }
  for (const auto& c : p.status.conditions)
    if (c.type == "PodScheduled" && c.status == "False") return c.reason;
  return {};
}

void check_pods(const ExpectPods& e, kube::KubeClient& kube, CheckResult& r) {
  const std::string scope = describe_scope("pods", e.namespace_, e.selector);
  auto pods = pods_matching(kube, e.namespace_, e.selector);
  if (!pods.ok()) {
    r.failures.push_back(scope + ": cannot list pods: " + pods.error().message);
    return;
  }
  std::vector<const k8s::Pod*> matching, others;
  for (const auto& p : *pods) {
    bool ok = true;
    if (e.phase && p.status.phase != *e.phase) ok = false;
    if (e.node && p.spec.nodeName != *e.node) ok = false;
    if (e.reason && pod_reason(p) != *e.reason) ok = false;
    (ok ? matching : others).push_back(&p);
  }
  std::string want;
  if (e.phase) want += " phase " + *e.phase;
  if (e.node) want += " on node " + *e.node;
  if (e.reason) want += " with reason " + *e.reason;
  auto list_some = [](const std::vector<const k8s::Pod*>& v) {
    std::string s;
    constexpr std::size_t kShown = 5;  // enough to see the pattern, short enough to read
    for (std::size_t i = 0; i < v.size() && i < kShown; ++i) s += (i ? "; " : "") + pod_line(*v[i]);
    if (v.size() > kShown) s += "; ... " + std::to_string(v.size() - kShown) + " more";
    return s;
  };
  if (e.count) {
    if (static_cast<std::int64_t>(matching.size()) != *e.count) {
      std::string msg = scope + ": expected " + std::to_string(*e.count) + " pod(s)" + want + ", found " +
                        std::to_string(matching.size()) + " of " + std::to_string(pods->size());
      if (!others.empty()) msg += "; not matching: " + list_some(others);
      r.failures.push_back(msg);
    }
  } else if (!others.empty() || pods->empty()) {
    if (pods->empty()) {
      r.failures.push_back(scope + ": expected pods" + want + ", found none");
    } else {
      r.failures.push_back(scope + ": expected every pod" + want + ", " + std::to_string(others.size()) +
                           " of " + std::to_string(pods->size()) + " differ: " + list_some(others));
    }
  }
}

void check_distribution(const ExpectDistribution& e, kube::KubeClient& kube, CheckResult& r) {
  const std::string scope = describe_scope("distribution", e.namespace_, e.selector);
  auto pods = pods_matching(kube, e.namespace_, e.selector);
  if (!pods.ok()) {
    r.failures.push_back(scope + ": cannot list pods: " + pods.error().message);
    return;
  }
  std::map<std::string, std::int64_t> found;
  for (const auto& p : *pods)
    if (!p.metadata.deletionTimestamp) ++found[p.spec.nodeName.empty() ? "<unscheduled>" : p.spec.nodeName];
  std::string got;
  for (const auto& [n, c] : found) got += (got.empty() ? "" : ", ") + n + ": " + std::to_string(c);
  for (const auto& [node, want] : e.nodes) {
    const auto have = found.count(node) ? found[node] : 0;
    if (have != want)
      r.failures.push_back(scope + ": expected " + std::to_string(want) + " pod(s) on " + node + ", found " +
                           std::to_string(have) + " (all: {" + got + "})");
  }
}

std::string json_text(const Json& j) { return j.is_string() ? j.get<std::string>() : j.dump(); }

bool number_equal(const Json& want, double have) {
  if (want.is_number()) return std::abs(want.get<double>() - have) < 1e-9;
  if (want.is_string()) {
    try {
      return std::abs(std::stod(want.get<std::string>()) - have) < 1e-9;
    } catch (...) {
      return false;
    }
  }
  return false;
}

//! The `request:` item: each named wire parameter of the CreateContainerGroup the cloud
//! received has the given value (null: absent; false: absent or "false").
void check_request(const std::string& pod, const kcicloud::ContainerGroup& g, const Json& want,
                   const CloudView& cloud, CheckResult& r, std::vector<std::string>* skipped) {
  if (!cloud.received) {
    if (skipped) skipped->push_back("containerGroups[" + pod + "].request: the cloud does not show received requests");
    return;
  }
  auto req = cloud.received(g.container_group_id);
  if (!req) {
    r.failures.push_back("containerGroups[" + pod + "].request: the cloud has no request for group " + g.container_group_id);
    return;
  }
  std::map<std::string, std::string> params;
  for (auto& [k, v] : kcicloud::to_form(*req)) params.emplace(k, v);
  for (const auto& [name, value] : want.items()) {
    auto it = params.find(name);
    const std::string have = it == params.end() ? "<absent>" : "\"" + it->second + "\"";
    bool ok;
    std::string expected;
    if (value.is_null()) {
      ok = it == params.end();
      expected = "<absent>";
    } else if (value.is_boolean() && !value.get<bool>()) {
      ok = it == params.end() || it->second == "false";
      expected = "false or <absent>";
    } else {
      expected = value.is_string() ? value.get<std::string>() : value.is_boolean() ? "true" : value.dump();
      if (it != params.end() && value.is_number()) {
        try {
          ok = std::abs(std::stod(it->second) - value.get<double>()) < 1e-9;
        } catch (...) {
          ok = false;
        }
      } else {
        ok = it != params.end() && it->second == expected;
      }
      expected = "\"" + expected + "\"";
    }
    if (!ok)
      r.failures.push_back("containerGroups[" + pod + "].request: expected " + name + " " + expected + ", found " +
                           have + " (group " + g.container_group_id + ")");
  }
}

void check_groups(const std::vector<ExpectContainerGroup>& items, const CloudView& cloud, CheckResult& r,
                  std::vector<std::string>* skipped) {
  if (items.empty()) return;
  if (!cloud.kci) {
    if (skipped) skipped->push_back("containerGroups: no cloud view (real cluster)");
    return;
  }
  auto groups = all_groups(cloud);
  if (!groups.ok()) {
    r.failures.push_back("containerGroups: cannot describe groups: " + groups.error().message);
    return;
  }
  for (const auto& e : items) {
    const auto slash = e.pod.find('/');
    const std::string ns = e.pod.substr(0, slash), name = e.pod.substr(slash + 1);
    std::vector<const kcicloud::ContainerGroup*> mine;
    for (const auto& g : *groups)
      if (label_of(g, "namespace") == ns && label_of(g, "pod-name") == name) mine.push_back(&g);
    if (auto c = e.fields.find("count"); c != e.fields.end()) {
      if (!c->second.is_number_integer() || static_cast<std::int64_t>(mine.size()) != c->second.get<std::int64_t>())
        r.failures.push_back("containerGroups[" + e.pod + "]: expected " + json_text(c->second) + " group(s), found " +
                             std::to_string(mine.size()));
      if (mine.empty()) continue;
    }
    if (mine.empty()) {
      r.failures.push_back("containerGroups[" + e.pod + "]: expected a container group for the pod, found none");
      continue;
    }
    const auto& g = *mine.back();
    for (const auto& [key, want] : e.fields) {
      std::string have;
      bool ok = true;
      if (key == "count") continue;
      if (key == "instanceType") ok = json_text(want) == (have = g.instance_type);
      else if (key == "cpu") ok = number_equal(want, g.cpu), have = std::to_string(g.cpu);
      else if (key == "memory") ok = number_equal(want, g.memory), have = std::to_string(g.memory);
      else if (key == "gpu") ok = number_equal(want, g.gpu), have = std::to_string(g.gpu);
      else if (key == "projectId") ok = json_text(want) == (have = g.project_id);
      else if (key == "status") ok = json_text(want) == (have = g.status);
      else if (key == "zone") ok = json_text(want) == (have = g.availability_zone);
      else if (key == "chargeType") ok = json_text(want) == (have = g.charge_type);
      else if (key == "subnetId") {
        have = g.network_interfaces.empty() ? "" : g.network_interfaces.front().subnet_id;
        ok = json_text(want) == have;
      } else if (key == "securityGroupIds") {
        std::vector<std::string> sgs = g.network_interfaces.empty() ? std::vector<std::string>{}
                                                                    : g.network_interfaces.front().security_group_ids;
        Json have_j = sgs;
        have = have_j.dump();
        ok = want == have_j;
      } else if (key == "request") {
        check_request(e.pod, g, want, cloud, r, skipped);
        continue;
      } else if (key == "labels") {
        for (const auto& [lk, lv] : want.items())
          if (label_of(g, lk) != json_text(lv)) {
            ok = false;
            have += lk + "=" + label_of(g, lk) + " ";
          }
      }
      if (!ok)
        r.failures.push_back("containerGroups[" + e.pod + "]: expected " + key + " " + json_text(want) + ", found " +
                             (have.empty() ? "<none>" : have) + " (group " + g.container_group_id + ")");
    }
  }
}

void check_events(const std::vector<ExpectEvent>& items, kube::KubeClient& kube, CheckResult& r) {
  for (const auto& e : items) {
    // Object is Kind/namespace/name or Kind/name (cluster-scoped).
    std::vector<std::string> parts;
    std::string::size_type start = 0, slash;
    while ((slash = e.object.find('/', start)) != std::string::npos) {
      parts.push_back(e.object.substr(start, slash - start));
      start = slash + 1;
    }
    parts.push_back(e.object.substr(start));
    if (parts.size() < 2 || parts.size() > 3) {
      r.failures.push_back("events[" + e.object + "]: object must be Kind/namespace/name or Kind/name");
      continue;
    }
    const std::string kind = parts[0];
    const std::string ns = parts.size() == 3 ? parts[1] : "";
    const std::string name = parts.back();
    kube::ListOptions lo;
    lo.fieldSelector = "involvedObject.kind=" + kind + ",involvedObject.name=" + name;
    auto list = kube.list(kube::events(ns.empty() ? "default" : ns), lo);
    if (!list.ok()) {
      r.failures.push_back("events[" + e.object + "]: cannot list events: " + list.error().message);
      continue;
    }
    bool found = false;
    std::string seen;
    for (const auto& o : list->items) {
      auto ev = k8s::decode<k8s::Event>(*o);
      if (!ev.ok()) continue;
      seen += (seen.empty() ? "" : ", ") + ev->type + " " + ev->reason;
      if (ev->reason != e.reason) continue;
      if (e.type && ev->type != *e.type) continue;
      if (e.message && ev->message.find(*e.message) == std::string::npos) continue;
      found = true;
    }
    std::string want = (e.type ? *e.type + " " : "") + e.reason + (e.message ? " with message containing \"" + *e.message + "\"" : "");
    if (e.absent && found)
      r.failures.push_back("events[" + e.object + "]: expected no " + want + ", found one");
    else if (!e.absent && !found)
      r.failures.push_back("events[" + e.object + "]: expected " + want + ", found " + (seen.empty() ? "no events" : "[" + seen + "]"));
  }
}

//! The node's Lease in kube-node-lease was renewed within e.leaseRenewedWithin of now.
void check_lease(const ExpectNode& e, kube::KubeClient& kube, const CloudView& cloud, CheckResult& r,
                 std::vector<std::string>* skipped) {
  if (!cloud.now) {
    if (skipped) skipped->push_back("nodes[" + e.name + "].leaseRenewedWithin: no scenario clock");
    return;
  }
  auto lease = kube.get(kube::leases("kube-node-lease", e.name));
  if (!lease.ok()) {
    r.failures.push_back("nodes[" + e.name + "]: expected a Lease kube-node-lease/" + e.name + ", " + lease.error().message);
    return;
  }
  const std::string renew = (**lease).contains("spec") ? (**lease)["spec"].value("renewTime", "") : "";
  auto t = k8s::Time::parse(renew);
  if (!t.ok()) {
    r.failures.push_back("nodes[" + e.name + "]: the Lease has no readable renewTime (\"" + renew + "\")");
    return;
  }
  const Duration age = *cloud.now - t->at;
  if (age > *e.leaseRenewedWithin)
    r.failures.push_back("nodes[" + e.name + "]: expected the Lease renewed within " + format_duration(*e.leaseRenewedWithin) +
                         ", last renewed " + format_duration(age) + " ago (" + renew + ")");
}

std::string taint_text(const k8s::Taint& t) {
  return t.key + (t.value.empty() ? "" : "=" + t.value) + ":" + t.effect;
}

void check_nodes(const std::vector<ExpectNode>& items, kube::KubeClient& kube, const CloudView& cloud, CheckResult& r,
                 std::vector<std::string>* skipped) {
  for (const auto& e : items) {
    auto obj = kube.get(kube::nodes(e.name));
    if (!obj.ok()) {
      r.failures.push_back("nodes[" + e.name + "]: expected the node, " + obj.error().message);
      continue;
    }
    auto node = k8s::decode<k8s::Node>(**obj);
    if (!node.ok()) {
      r.failures.push_back("nodes[" + e.name + "]: " + node.error().message);
      continue;
    }
    if (e.ready) {
      std::string ready = "Unknown (no Ready condition)";
      for (const auto& c : node->status.conditions)
        if (c.type == "Ready") ready = c.status;
      if ((ready == "True") != *e.ready)
        r.failures.push_back("nodes[" + e.name + "]: expected ready " + (*e.ready ? "true" : "false") +
                             ", found Ready=" + ready);
    }
    if (e.taints) {
      std::set<std::string> want(e.taints->begin(), e.taints->end()), have;
      for (const auto& t : node->spec.taints) have.insert(taint_text(t));
      if (want != have) {
        std::string h;
        for (const auto& t : have) h += (h.empty() ? "" : ", ") + t;
        std::string w;
        for (const auto& t : want) w += (w.empty() ? "" : ", ") + t;
        r.failures.push_back("nodes[" + e.name + "]: expected taints [" + w + "], found [" + h + "]");
      }
    }
    if (e.leaseRenewedWithin) check_lease(e, kube, cloud, r, skipped);
    for (const auto& [k, v] : e.labels) {
      auto it = node->metadata.labels.find(k);
      if (it == node->metadata.labels.end() || it->second != v)
        r.failures.push_back("nodes[" + e.name + "]: expected label " + k + "=" + v + ", found " +
                             (it == node->metadata.labels.end() ? "none" : k + "=" + it->second));
    }
  }
}

void check_orphans(kube::KubeClient& kube, const CloudView& cloud, CheckResult& r, std::vector<std::string>* skipped) {
  if (!cloud.kci) {
    if (skipped) skipped->push_back("noOrphans: no cloud view (real cluster)");
    return;
  }
  auto groups = all_groups(cloud);
  auto pods = kube.list(kube::pods());
  auto nodes = kube.list(kube::nodes());
  if (!groups.ok() || !pods.ok() || !nodes.ok()) {
    r.failures.push_back("noOrphans: cannot read the cluster or the cloud");
    return;
  }
  std::set<std::string> virtual_nodes;
  for (const auto& n : nodes->items) {
    const auto& labels = (*n)["metadata"].value("labels", Json::object());
    if (labels.value("type", "") == "virtual-kubelet") virtual_nodes.insert((*n)["metadata"].value("name", ""));
  }
  std::map<std::string, std::string> pod_uid;  // ns/name -> uid
  std::vector<k8s::Pod> running_virtual;
  for (const auto& o : pods->items) {
    auto p = k8s::decode<k8s::Pod>(*o);
    if (!p.ok()) continue;
    pod_uid[p->metadata.namespace_ + "/" + p->metadata.name] = p->metadata.uid;
    if (virtual_nodes.count(p->spec.nodeName) && p->status.phase == "Running") running_virtual.push_back(*p);
  }
  std::set<std::string> with_group;
  std::map<std::string, int> groups_per_pod;
  for (const auto& g : *groups) {
    const std::string key = label_of(g, "namespace") + "/" + label_of(g, "pod-name");
    auto it = pod_uid.find(key);
    const std::string uid = label_of(g, "pod-uid");
    if (it == pod_uid.end() || (!uid.empty() && uid != it->second)) {
      r.failures.push_back("noOrphans: container group " + g.container_group_id + " (" + g.container_group_name +
                           ", " + g.status + ") has no pod " + key);
      continue;
    }
    with_group.insert(key);
    ++groups_per_pod[key];
  }
  for (const auto& [key, n] : groups_per_pod)
    if (n > 1) r.failures.push_back("noOrphans: pod " + key + " has " + std::to_string(n) + " container groups");
  for (const auto& p : running_virtual) {
    const std::string key = p.metadata.namespace_ + "/" + p.metadata.name;
    if (!with_group.count(key))
      r.failures.push_back("noOrphans: pod " + key + " is Running on " + p.spec.nodeName + " without a container group");
  }
}

}  // namespace

Result<std::vector<kcicloud::ContainerGroup>> all_groups(const CloudView& cloud) {
  std::vector<kcicloud::ContainerGroup> out;
  kcicloud::DescribeContainerGroupRequest req;
  req.max_results = 100;
  for (;;) {
    KCI_TRY(auto page, cloud.kci->describe_container_group(cloud.owner, req));
    for (auto& g : page.container_groups) out.push_back(std::move(g));
    if (page.marker == 0 || page.container_groups.empty()) break;
    req.marker = page.marker;
  }
  return out;
}

namespace {

void check_kubelet_api(const std::vector<ExpectKubeletApi>& items, const CloudView& cloud, CheckResult& r,
                       std::vector<std::string>* skipped) {
  for (const auto& e : items) {
    const std::string where = "kubeletApi[" + e.node + " " + e.path + "]";
    if (!cloud.kubelet) {
      if (skipped) skipped->push_back(where + ": no kubelet API to ask here");
      continue;
    }
    auto got = cloud.kubelet(e.node, e.path);
    if (!got.ok()) {
      r.failures.push_back(where + ": " + got.error().message);
      continue;
    }
    const auto& [status, body] = *got;
    const std::string shown = body.size() > 400 ? body.substr(0, 400) + "..." : body;
    if (status != e.status) {
      r.failures.push_back(where + ": expected status " + std::to_string(e.status) + ", found " + std::to_string(status) +
                           ": " + shown);
      continue;
    }
    for (const auto& c : e.contains)
      if (body.find(c) == std::string::npos)
        r.failures.push_back(where + ": expected the body to contain \"" + c + "\", found: " + shown);
    for (const auto& c : e.absent)
      if (body.find(c) != std::string::npos)
        r.failures.push_back(where + ": expected the body not to contain \"" + c + "\", found: " + shown);
    if (e.json.empty()) continue;
    Json doc = Json::parse(body, nullptr, false);
    if (doc.is_discarded()) {
      r.failures.push_back(where + ": expected a JSON body, found: " + shown);
      continue;
    }
    for (const auto& [ptr, want] : e.json) {
      const Json::json_pointer jp(ptr);
      if (!doc.contains(jp)) {
        r.failures.push_back(where + ": expected " + ptr + " = " + want.dump() + ", found nothing there");
        continue;
      }
      const Json& found = doc.at(jp);
      const bool length = found.is_array() && want.is_number_integer();
      const bool ok = length ? found.size() == want.get<std::size_t>() : found == want;
      if (!ok)
        r.failures.push_back(where + ": expected " + ptr + (length ? " to have " + want.dump() + " entries" : " = " + want.dump()) +
                             ", found " + (length ? std::to_string(found.size()) + " entries" : found.dump()));
    }
  }
}

}  // namespace

CheckResult check_expectation(const Expectation& e, kube::KubeClient& kube, const CloudView& cloud,
                              std::vector<std::string>* skipped) {
  CheckResult r;
  for (const auto& p : e.pods) check_pods(p, kube, r);
  for (const auto& d : e.distribution) check_distribution(d, kube, r);
  check_groups(e.containerGroups, cloud, r, skipped);
  check_events(e.events, kube, r);
  check_nodes(e.nodes, kube, cloud, r, skipped);
  check_kubelet_api(e.kubeletApi, cloud, r, skipped);
  if (e.noOrphans.value_or(false)) check_orphans(kube, cloud, r, skipped);
  if (!e.groupsLabelled.empty()) {
    if (!cloud.kci) {
      if (skipped) skipped->push_back("groupsLabelled: no cloud view (real cluster)");
    } else if (auto groups = all_groups(cloud); !groups.ok()) {
      r.failures.push_back("groupsLabelled: cannot describe groups: " + groups.error().message);
    } else {
      for (const auto& want : e.groupsLabelled) {
        std::int64_t n = 0;
        std::string ids, what;
        for (const auto& [k, v] : want.labels) what += (what.empty() ? "" : ",") + k + "=" + v;
        for (const auto& g : *groups) {
          bool all = true;
          for (const auto& [k, v] : want.labels)
            if (label_of(g, k) != v) all = false;
          if (!all) continue;
          ++n;
          ids += (ids.empty() ? "" : ", ") + g.container_group_id + " (" + g.status + ")";
        }
        if (n != want.count)
          r.failures.push_back("groupsLabelled[" + what + "]: expected " + std::to_string(want.count) +
                               " group(s), found " + std::to_string(n) + (ids.empty() ? "" : ": " + ids));
      }
    }
  }
  if (e.billing) {
    const std::optional<double> have = cloud.billed_seconds ? cloud.billed_seconds() : std::nullopt;
    if (!have) {
      if (skipped) skipped->push_back("billing: no bill (real cloud)");
    } else if (std::abs(*have - e.billing->instanceSeconds) > 1e-3) {
      r.failures.push_back("billing: expected " + std::to_string(e.billing->instanceSeconds) +
                           " instance-seconds, found " + std::to_string(*have));
    }
  }
  return r;
}

}  // namespace kci::scenario
