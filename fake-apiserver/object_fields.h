// Readers of object JSON as the fake cluster's controllers need them (owner references,
// label selectors, replicas, pod readiness and availability, times), with the defaults and
// meanings kube-controller-manager gives them.
// Must not: read the store or the wall clock (time comes from the Executor).
#pragma once

#include <optional>
#include <string>

#include "core/k8s/object.h"
#include "core/k8s/selector.h"
#include "core/kube/kube_client.h"
#include "core/runtime/executor.h"

namespace kci::apiserver {

using kube::Json;

//! "now" on the executor's clock, as Kubernetes prints times (RFC 3339, seconds).
std::string now_text(const Executor& executor);
//! A time field (string RFC 3339) of an object; nullopt when absent or malformed.
std::optional<TimePoint> time_of(const Json* value);
//! The JSON at a path of object keys, or null when a step is missing.
const Json* json_at(const Json& object, std::initializer_list<const char*> path);

//! metadata.uid / name / namespace.
std::string uid_of(const Json& object);
std::string name_of(const Json& object);
std::string namespace_of(const Json& object);
bool being_deleted(const Json& object);
//! metadata.labels as a map.
k8s::StringMap labels_of(const Json& object);
//! The owner reference with controller: true, or null.
const Json* controller_ref(const Json& object);
//! An owner reference to `owner` (controller and blockOwnerDeletion true).
Json controller_ref_to(const Json& owner, const std::string& api_version, const std::string& kind);
//! A workload's spec.selector as a Selector (absent or malformed: nothing()).
k8s::Selector selector_of(const Json& workload);
//! spec.replicas, 1 when absent (the apps/v1 default).
std::int64_t replicas_of(const Json& workload);

//! A pod that counts for its controller: not terminal (Succeeded/Failed), not being deleted.
bool pod_active(const Json& pod);
//! The Ready condition is True.
bool pod_ready(const Json& pod);
//! When the Ready condition last became True (nullopt when not ready or unknown).
std::optional<TimePoint> pod_ready_since(const Json& pod);
//! Ready for at least `min_ready` at `now` (podutil.IsPodAvailable).
bool pod_available(const Json& pod, Duration min_ready, TimePoint now);

}  // namespace kci::apiserver
