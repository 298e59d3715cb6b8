// Effective pod requests and limits (component-helpers resource.PodRequests / PodLimits) and
// the QoS class (GetPodQOS).
#include "core/k8s/resources.h"

#include <set>
#include <string>

namespace kci::k8s {

namespace {

void add_into(ResourceList& into, const ResourceList& add) {
  for (const auto& [name, q] : add) {
    auto it = into.find(name);
    if (it == into.end()) {
      into.emplace(name, q);
    } else {
      it->second += q;
    }
  }
}

void max_into(ResourceList& into, const ResourceList& other) {
  for (const auto& [name, q] : other) {
    auto it = into.find(name);
    if (it == into.end()) {
      into.emplace(name, q);
    } else if (q > it->second) {
      it->second = q;
    }
  }
}

ResourceList with_non_missing(ResourceList list, const std::optional<ResourceList>& non_missing) {
  if (!non_missing) return list;
  for (const auto& [name, q] : *non_missing) list.emplace(name, q);  // only where absent
  return list;
}

bool is_sidecar(const Container& c) { return c.restartPolicy == "Always"; }


// The composition shared by requests and limits.
ResourceList compose(const Pod& pod, const std::optional<ResourceList>& non_missing,
                     ResourceList (*part)(const Container&)) {
  ResourceList total;
  for (const auto& c : pod.spec.containers) add_into(total, with_non_missing(part(c), non_missing));
  // While init container i runs, the sidecars started before it run too.
  ResourceList sidecars, init_peak;
  for (const auto& c : pod.spec.initContainers) {
    const ResourceList own = with_non_missing(part(c), non_missing);
    if (is_sidecar(c)) {
      add_into(total, own);
      add_into(sidecars, own);
      max_into(init_peak, sidecars);
    } else {
      ResourceList during = own;
      add_into(during, sidecars);
      max_into(init_peak, during);
    }
  }
  max_into(total, init_peak);
  return total;
}

}  // namespace

ResourceList non_zero_defaults() {
  // kube-scheduler's DefaultMilliCPURequest (0.1 core) and DefaultMemoryRequest (200 MiB).
  constexpr std::int64_t kDefaultMilliCpu = 100;
  constexpr std::int64_t kDefaultMemoryBytes = 200LL * 1024 * 1024;
  return {{"cpu", Quantity::from_milli(kDefaultMilliCpu)},
          {"memory", Quantity::from_bytes(kDefaultMemoryBytes)}};
}

ResourceList defaulted_requests(const Container& c) {
  ResourceList r = c.resources.requests;
  for (const auto& [name, q] : c.resources.limits) r.emplace(name, q);  // only where absent
  return r;
}

void apply_request_defaults(Pod& pod) {
  for (auto* list : {&pod.spec.initContainers, &pod.spec.containers})
    for (auto& c : *list) c.resources.requests = defaulted_requests(c);
}

ResourceList pod_requests(const Pod& pod, const PodResourcesOptions& opts) {
  ResourceList total =
      opts.default_requests_from_limits
          ? compose(pod, opts.non_missing, [](const Container& c) { return defaulted_requests(c); })
          : compose(pod, opts.non_missing,
                    [](const Container& c) { return c.resources.requests; });
  if (!opts.exclude_overhead) add_into(total, pod.spec.overhead);
  return total;
}

ResourceList pod_non_zero_requests(const Pod& pod) {
  PodResourcesOptions opts;
  opts.non_missing = non_zero_defaults();
  return pod_requests(pod, opts);
}

ResourceList pod_limits(const Pod& pod, const PodResourcesOptions& opts) {
  ResourceList total =
      compose(pod, std::nullopt, [](const Container& c) { return c.resources.limits; });
  if (!opts.exclude_overhead) {
    for (const auto& [name, q] : pod.spec.overhead) {
      auto it = total.find(name);
      if (it != total.end()) it->second += q;
    }
  }
  return total;
}

std::string_view qos_class_name(QosClass q) {
  switch (q) {
    case QosClass::kGuaranteed: return "Guaranteed";
    case QosClass::kBurstable: return "Burstable";
    case QosClass::kBestEffort: return "BestEffort";
  }
  return "Burstable";
}

QosClass qos_class(const Pod& pod) {
  auto counted = [](const std::string& name) { return name == "cpu" || name == "memory"; };
  ResourceList requests, limits;
  bool guaranteed = true;
  for (const auto* list : {&pod.spec.containers, &pod.spec.initContainers}) {
    for (const auto& c : *list) {
      for (const auto& [name, q] : defaulted_requests(c))
        if (counted(name) && q > Quantity()) add_into(requests, {{name, q}});
      std::set<std::string> found;
      for (const auto& [name, q] : c.resources.limits) {
        if (!counted(name) || !(q > Quantity())) continue;
        found.insert(name);
        add_into(limits, {{name, q}});
      }
      if (found.size() != 2) guaranteed = false;  // both cpu and memory limits are needed
    }
  }
  if (requests.empty() && limits.empty()) return QosClass::kBestEffort;
  if (guaranteed) {
    for (const auto& [name, q] : requests) {
      auto it = limits.find(name);
      if (it == limits.end() || !(it->second == q)) {
        guaranteed = false;
        break;
      }
    }
  }
  if (guaranteed && requests.size() == limits.size()) return QosClass::kGuaranteed;
  return QosClass::kBurstable;
}

}  // namespace kci::k8s
