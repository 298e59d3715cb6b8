#include "core/translate/sizing.h"

#include <algorithm>
#include <string>

namespace kci::translate {
namespace {

using kcicloud::kMibPerGib;
using kcicloud::kMilliPerCore;

// No catalogue comes near 2^40 milli-cores or MiB; capping there keeps every sum and
// product below int64 overflow however absurd the pod's quantities are.
constexpr std::int64_t kSaturate = std::int64_t{1} << 40;

std::int64_t sat_add(std::int64_t a, std::int64_t b) { return std::min(kSaturate, a + b); }

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }
std::int64_t round_up(std::int64_t a, std::int64_t step) { return ceil_div(a, step) * step; }

// The amount of resource `name` the container asks for: limit, else request, else 0.
Result<std::int64_t> amount(const k8s::Container& c, const char* name, bool memory) {
  const k8s::Quantity* q = nullptr;
  const char* where = "limits";
  if (auto it = c.resources.limits.find(name); it != c.resources.limits.end()) {
    q = &it->second;
  } else if (auto it2 = c.resources.requests.find(name); it2 != c.resources.requests.end()) {
    q = &it2->second;
    where = "requests";
  }
  if (q == nullptr) return std::int64_t{0};
  if (q->nano() < 0) {
    return invalid_argument("container " + c.name + ": resources." + where + "." + name + " is " +
                            q->to_string() + ": a quantity must be >= 0");
  }
  if (!memory) {
    const __int128 milli = (q->nano() + 999999) / 1000000;
    return static_cast<std::int64_t>(std::min<__int128>(milli, kSaturate));
  }
  // Bytes to MiB rounding up: nano-bytes / (2^20 * 10^9).
  const __int128 per_mib = static_cast<__int128>(1 << 20) * 1000000000;
  const __int128 mib = (q->nano() + per_mib - 1) / per_mib;
  return static_cast<std::int64_t>(std::min<__int128>(mib, kSaturate));
}

}  // namespace

Result<Size> container_demand(const k8s::Container& c) {
  KCI_TRY(std::int64_t cpu, amount(c, "cpu", false));
  KCI_TRY(std::int64_t mem, amount(c, "memory", true));
  return Size{cpu, mem};
}

Result<Size> pod_demand(const std::vector<const k8s::Container*>& containers,
                        const std::vector<const k8s::Container*>& init_containers) {
  Size sum;
  for (const auto* c : containers) {
    KCI_TRY(Size d, container_demand(*c));
    sum.cpu_milli = sat_add(sum.cpu_milli, d.cpu_milli);
    sum.memory_mib = sat_add(sum.memory_mib, d.memory_mib);
  }
  for (const auto* c : init_containers) {
    KCI_TRY(Size d, container_demand(*c));
    sum.cpu_milli = std::max(sum.cpu_milli, d.cpu_milli);
    sum.memory_mib = std::max(sum.memory_mib, d.memory_mib);
  }
  return sum;
}

Result<Size> normalise_size(const Size& asked, const kcicloud::Catalogue& catalogue) {
  const auto& sizes = catalogue.standard_sizes();  // ascending by CPU, then memory
  if (sizes.empty()) return invalid_argument("the instance catalogue has no sizes");
  if (asked.cpu_milli < 0 || asked.memory_mib < 0) {
    return invalid_argument("size " + kcicloud::to_string(asked) + " is negative");
  }
  if (asked.cpu_milli == 0 && asked.memory_mib == 0) return kDefaultPodSize;
  const Size largest = catalogue.largest();
  if (asked.cpu_milli > largest.cpu_milli || asked.memory_mib > largest.memory_mib) {
    return make_error(ErrorCode::kResourceExhausted,
                      "the pod asks for " + kcicloud::to_string(asked) +
                          ", above the largest KCI size (" + kcicloud::to_string(largest) +
                          "): ask for at most " + std::to_string(largest.cpu_milli / kMilliPerCore) +
                          " CPU and " + std::to_string(largest.memory_mib / kMibPerGib) + " GiB");
  }
  // Rule 3, memory zero: the smallest standard CPU >= asked, with its smallest memory.
  if (asked.memory_mib == 0) {
    for (const auto& s : sizes) {
      if (s.cpu_milli >= asked.cpu_milli) return s;  // first of that CPU = smallest memory
    }
  }
  // Rule 3, CPU zero: the smallest standard memory >= asked, with its smallest CPU.
  // Rule 4 when A has no memory big enough: the same walk, also keeping CPU >= asked.
  auto smallest_memory_first = [&]() -> std::optional<Size> {
    std::optional<Size> best;
    for (const auto& s : sizes) {
      if (s.cpu_milli < asked.cpu_milli || s.memory_mib < asked.memory_mib) continue;
      if (!best || s.memory_mib < best->memory_mib ||
          (s.memory_mib == best->memory_mib && s.cpu_milli < best->cpu_milli)) {
        best = s;
      }
    }
    return best;
  };
  if (asked.cpu_milli > 0) {
    // Rule 4: spec A is the smallest standard CPU >= asked; its smallest memory >= asked.
    std::int64_t a_cpu = -1;
    for (const auto& s : sizes) {
      if (a_cpu < 0 && s.cpu_milli >= asked.cpu_milli) a_cpu = s.cpu_milli;
      if (s.cpu_milli == a_cpu && s.memory_mib >= asked.memory_mib) return s;
      if (a_cpu >= 0 && s.cpu_milli > a_cpu) break;
    }
  }
  if (auto s = smallest_memory_first()) return *s;
  return make_error(ErrorCode::kResourceExhausted,
                    "no KCI size holds " + kcicloud::to_string(asked) +
                        ": ask for less CPU or memory (the largest is " +
                        kcicloud::to_string(largest) + ")");
}

Result<CciSizing> normalise_cci(const std::vector<Size>& demands) {
  CciSizing out;
  out.containers.resize(demands.size());
  std::optional<std::size_t> first;
  Size pod;
  for (std::size_t i = 0; i < demands.size(); ++i) {
    const Size& d = demands[i];
    if (d.cpu_milli < 0 || d.memory_mib < 0) {
      return invalid_argument("container " + std::to_string(i) + " asks for a negative amount");
    }
    if (d.cpu_milli == 0 && d.memory_mib == 0) continue;  // BestEffort: left alone
    if (!first) first = i;
    // Rule 1: CPU up to a multiple of 0.25 core, memory to at least 0.2 GiB.
    Size c{round_up(d.cpu_milli, kCciCpuStepMilli), std::max(d.memory_mib, kCciMinMemoryMib)};
    out.containers[i] = c;
    pod.cpu_milli = sat_add(pod.cpu_milli, c.cpu_milli);
    pod.memory_mib = sat_add(pod.memory_mib, c.memory_mib);
  }
  if (pod.cpu_milli == 0) {
    return invalid_argument(
        "CCI sizing needs at least one container with a CPU limit or request above 0 "
        "(seed 002: Pod中至少有1个容器配置CPU大于0); none has one");
  }
  const Size before = pod;
  // Rule 2: pod memory up to whole GiB.
  pod.memory_mib = round_up(pod.memory_mib, kMibPerGib);
  // Rule 3: memory/CPU within 2..8 (GiB per core). In integers: mem_mib * 1000 against
  // ratio * 1024 * cpu_milli.
  if (pod.memory_mib * kMilliPerCore < kCciMinRatio * kMibPerGib * pod.cpu_milli) {
    pod.memory_mib = ceil_div(kCciMinRatio * pod.cpu_milli, kMilliPerCore) * kMibPerGib;
  } else if (pod.memory_mib * kMilliPerCore > kCciMaxRatio * kMibPerGib * pod.cpu_milli) {
    pod.cpu_milli = round_up(ceil_div(pod.memory_mib * kMilliPerCore, kCciMaxRatio * kMibPerGib),
                             kCciCpuStepMilli);
  }
  // Rule 4: above 32 CPU or 256 GiB the correction fails.
  if (pod.cpu_milli > kCciMaxCpuMilli || pod.memory_mib > kCciMaxMemoryMib) {
    return make_error(ErrorCode::kResourceExhausted,
                      "CCI sizing gives the pod " + kcicloud::to_string(pod) +
                          ", above CCI's largest pod (32C256G): ask for at most 32 CPU and 256 GiB "
                          "after rounding");
  }
  // Rule 5: the increments go to the first non-BestEffort container.
  auto& f = *out.containers[*first];
  f.cpu_milli += pod.cpu_milli - before.cpu_milli;
  f.memory_mib += pod.memory_mib - before.memory_mib;
  out.pod = pod;
  return out;
}

}  // namespace kci::translate
