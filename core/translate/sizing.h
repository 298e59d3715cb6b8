// Sizing a pod for KCI: what the pod asks for (sum of limits, else requests), and the
// standard size it gets, by the rules of kci-cloud.md "Sizing a pod" (docs.ksyun.com
// 39317/43621) — or, when a virtual node selects it, by Huawei CCI's rules (seed 002).
// Must not: pick an instance type (instance_match.h does), read annotations (the
// translator does), or use floating point for a decision: amounts are exact integers
// (CPU in milli-cores, memory in MiB, rounded up from bytes).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/k8s/object.h"
#include "core/kci/catalogue.h"
#include "core/result.h"

namespace kci::translate {

using kcicloud::Size;

//! Which rules size a pod on this virtual node.
enum class SizingPolicy {
  kKci,  //!< kci-cloud.md: round up to a standard size of the catalogue
  kCci,  //!< seed 002: CCI's per-container rounding and 2..8 memory/CPU ratio
};

//! kci-cloud.md rule 2: "Both sums 0 -> 2 CPU / 4 GiB".
inline constexpr Size kDefaultPodSize = Size::cores_gib(2, 4);

//! What one container asks for: its limit, or its request where no limit is set (none = 0).
//! Negative amounts are refused (the API server would have).
Result<Size> container_demand(const k8s::Container& c);

//! What a pod asks for: the sum over `containers` of container_demand, and at least the
//! largest init container (an init container runs alone, before the others, as Kubernetes
//! computes a pod's effective request).
Result<Size> pod_demand(const std::vector<const k8s::Container*>& containers,
                        const std::vector<const k8s::Container*>& init_containers);

//! kci-cloud.md rules 2-5: the standard size for `asked`. Both zero -> 2C4G; one zero ->
//! the other rounded up with its smallest partner; both non-zero -> the smallest standard
//! CPU >= asked with its smallest memory >= asked, or, when that CPU has no such memory,
//! the smallest standard memory >= asked with its smallest CPU >= asked. Refused above
//! the largest standard size, saying by how much.
Result<Size> normalise_size(const Size& asked, const kcicloud::Catalogue& catalogue);

//! CCI: a pod above 32 CPU is refused (seed 002 rule 4: "CPU超过32核...则矫正失败").
inline constexpr std::int64_t kCciMaxCpuMilli = 32 * kcicloud::kMilliPerCore;
//! CCI: a pod above 256 GiB is refused (seed 002 rule 4: "Memory超过256Gi").
inline constexpr std::int64_t kCciMaxMemoryMib = 256 * kcicloud::kMibPerGib;
//! CCI: container CPU is a multiple of 0.25 core (seed 002 rule 1: "0.25核的整数倍").
inline constexpr std::int64_t kCciCpuStepMilli = 250;
//! CCI: container memory is at least 0.2 GiB (seed 002 rule 1: "大于等于0.2Gi"):
//! 204.8 MiB rounded up to whole MiB.
inline constexpr std::int64_t kCciMinMemoryMib = 205;
//! CCI: pod memory/CPU (GiB per core) is kept within 2..8 (seed 002 rule 3).
inline constexpr std::int64_t kCciMinRatio = 2;
//! See kCciMinRatio.
inline constexpr std::int64_t kCciMaxRatio = 8;

//! The CCI normalisation of a pod.
struct CciSizing {
  //! Per container, in order: the adjusted size, or nullopt for a BestEffort container
  //! (no CPU and no memory asked), which CCI leaves alone.
  std::vector<std::optional<Size>> containers;
  Size pod;  //!< the pod's total after rules 1-3
};

//! Seed 002's rules 1-5: each non-BestEffort container's CPU up to a multiple of 0.25 and
//! memory to at least 0.2 GiB; pod memory up to whole GiB; memory/CPU into 2..8; every
//! pod-level increment to the first non-BestEffort container; above 32 CPU / 256 GiB
//! refused; a pod with no CPU at all refused ("Pod中至少有1个容器配置CPU大于0").
Result<CciSizing> normalise_cci(const std::vector<Size>& container_demands);

}  // namespace kci::translate
