// Dialects: the pod annotations of KCI (seed 001/000), Kubernetes' bandwidth keys, and
// the keys users bring from Alibaba ECI (seed 003) read into one KCI meaning, the
// PodIntent. A foreign key with a KCI meaning is mapped; one without is refused (or, for
// pure hints, ignored with a Warning event). KCI's own key wins when both are set.
// Must not: look at anything but the annotations; decide sizes or instance types (the
// translator does, with the catalogue); spell a key (annotations.h has them all).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/k8s/object.h"
#include "core/translate/outcome.h"
#include "core/translate/values.h"

namespace kci::translate {

//! ECI's eci-use-specs takes "up to 5" sizes or types (seed 003 多规格).
inline constexpr std::size_t kMaxUseSpecs = 5;
//! ECI allows up to 10 vSwitches; KCI's MultiSubnetId takes 5 (kci-cloud.md limits).
inline constexpr std::size_t kMaxEciVswitches = 10;

//! One entry of a size list: a CPU/memory size or a KCI package name.
struct SpecChoice {
  std::optional<CpuMemSpec> size;  //!< "2-4Gi"
  std::string instance_type;       //!< "S6.4B"
};

//! What the annotations ask for, in KCI terms. Empty/nullopt = not asked.
struct PodIntent {
  std::optional<std::int64_t> cpu_milli;    //!< kci-instance-cpu (thousandths of a core)
  std::optional<std::int64_t> memory_mib;   //!< kci-instance-memory, in MiB
  std::string instance_type;                //!< kci-instance-type (or ECI's, when a KCI package)
  std::vector<SpecChoice> specs;            //!< eci-use-specs, in order
  std::optional<std::vector<std::string>> security_groups;  //!< kci-security-group-id / eci-security-group
  std::optional<std::vector<std::string>> subnets;          //!< kci-subnet-id / eci-vswitch
  std::optional<bool> kube_proxy;           //!< kci-kube-proxy-enabled
  std::string project_id;                   //!< kci-project-id
  std::string system_disk_type;             //!< kci-base-system-disk-type
  std::optional<std::int64_t> ingress_bits; //!< kubernetes.io/ingress-bandwidth
  std::optional<std::int64_t> egress_bits;  //!< kubernetes.io/egress-bandwidth
  bool spot = false;                        //!< eci-spot-strategy SpotAsPriceGo
  bool fail_on_create_error = false;        //!< pod-fail-on-create-err
  bool auto_match_image_cache = false;      //!< eci-image-cache "true"
  std::string image_cache_id;               //!< eci-image-snapshot-id
  std::vector<PodEvent> events;             //!< warnings for ignored keys
};

//! Reads every known annotation; refuses malformed values (InvalidAnnotation) and keys
//! without a KCI meaning (UnsupportedFeature), naming the key, the value and what is
//! accepted. Unknown keys are not ours and are left alone.
Outcome<PodIntent> read_annotations(const k8s::StringMap& annotations);

}  // namespace kci::translate
