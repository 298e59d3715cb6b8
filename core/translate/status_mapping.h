// Status mapping: a described KCI container group (DescribeContainerGroup) to the pod's
// status — phase, conditions (PodScheduled, Initialized, ContainersReady, Ready),
// container statuses with restart counts and exit codes, podIP, hostIP and startTime.
// A container that finished is reported terminated with its exit code, never running.
// Must not: read a clock (transition times come from the group or the caller's `now`).
#pragma once

#include <string>

#include "core/k8s/object.h"
#include "core/kci/api.h"

namespace kci::translate {

//! What the mapping needs besides the group.
struct StatusContext {
  std::string host_ip;                //!< the virtual node's IP (VKUBELET_POD_IP)
  bool fail_on_create_error = false;  //!< pod-fail-on-create-err: CreateError -> Failed
  k8s::Time now;                      //!< for condition transition times
};

//! The pod status for `group`, keeping the pod's container order; containers the node's
//! sidecar added (not in the pod spec) are left out of containerStatuses.
k8s::PodStatus map_status(const k8s::Pod& pod, const kcicloud::ContainerGroup& group,
                          const StatusContext& ctx);

//! The phase alone: Pending, ImagePulling -> Pending; Running -> Running; Succeeded;
//! Failed -> Failed; CreateError -> Pending (Failed with fail_on_create_error); anything
//! else -> Unknown.
std::string pod_phase(const std::string& group_status, bool fail_on_create_error);

}  // namespace kci::translate
