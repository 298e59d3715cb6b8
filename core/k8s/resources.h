// A pod's effective resource requests and limits, computed as kube-scheduler computes them
// (k8s.io/component-helpers resource.PodRequests / PodLimits), and its QoS class as the
// kubelet and the API server compute it.
//
// Effective request per resource = max(sum over regular containers and sidecars, the
// largest need while any one init container runs) + pod overhead, where an init container
// with restartPolicy Always is a sidecar (Kubernetes 1.29+): it keeps running, so it adds
// to the regular containers and to every init container started after it.
// Must not: round or lose precision (Quantity is exact); read anything but the pod.
#pragma once

#include <optional>
#include <string_view>

#include "core/k8s/object.h"

namespace kci::k8s {

//! How pod_requests / pod_limits read the pod.
struct PodResourcesOptions {
  //! Leave pod.spec.overhead out (the kubelet's cgroup sizing adds it separately).
  bool exclude_overhead = false;
  //! Treat a container's limit as its request where no request is given, as the API server's
  //! defaulting does before the scheduler sees the pod. Off: the requests "as given".
  bool default_requests_from_limits = true;
  //! Added to each container (and init container) that does not name the resource at all
  //! (NonMissingContainerRequests): the scheduler's scoring uses non_zero_defaults().
  std::optional<ResourceList> non_missing;
};

//! The scheduler's defaults for a container that names no CPU or memory request, used in
//! scoring only: 100m CPU (DefaultMilliCPURequest) and 200Mi memory (DefaultMemoryRequest).
ResourceList non_zero_defaults();

//! A container's requests after the API server's defaulting: every limit without a request
//! becomes the request.
ResourceList defaulted_requests(const Container& c);
//! Applies that defaulting to every container and init container of the pod, in place.
void apply_request_defaults(Pod& pod);

//! The pod's effective requests (see the header comment); resources no container names are
//! absent, not zero.
ResourceList pod_requests(const Pod& pod, const PodResourcesOptions& opts = {});
//! The same with non_zero_defaults() for missing CPU and memory: what scoring plugins use.
ResourceList pod_non_zero_requests(const Pod& pod);
//! The pod's effective limits, composed the same way; overhead is added only to resources
//! that have a limit.
ResourceList pod_limits(const Pod& pod, const PodResourcesOptions& opts = {});

//! Pod QoS classes (core/v1 PodQOSClass).
enum class QosClass { kGuaranteed, kBurstable, kBestEffort };
//! "Guaranteed", "Burstable", "BestEffort": the status.qosClass spelling.
std::string_view qos_class_name(QosClass q);
//! GetPodQOS on the pod after request defaulting: BestEffort when no container names a
//! non-zero CPU or memory request or limit; Guaranteed when every container (init included)
//! has non-zero CPU and memory limits and the summed requests equal the summed limits;
//! Burstable otherwise. Only cpu and memory count.
QosClass qos_class(const Pod& pod);

}  // namespace kci::k8s
