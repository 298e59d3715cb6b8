// A container group's state as the pod's status: phase, conditions, container statuses,
// IPs and times (issue 5's status mapping, as the virtual kubelet applies it).
// Must not: report a finished container as running, or a stop as success unless exit 0.
#pragma once

#include <string>

#include "core/clock.h"
#include "core/k8s/object.h"
#include "core/kci/api.h"

namespace kci::vk {

//! The pod status for `group`, starting from the pod's current status (conditions keep
//! their transition times when unchanged; changed ones take `now`). `host_ip` is the node's address (VKUBELET_POD_IP).
k8s::PodStatus pod_status_from_group(const kcicloud::ContainerGroup& group, const k8s::Pod& pod,
                                     const std::string& host_ip, bool fail_on_create_error,
                                     TimePoint now);

}  // namespace kci::vk
