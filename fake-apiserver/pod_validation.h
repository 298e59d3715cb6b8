// What kube-apiserver does to a Pod before storing it: defaults (the ones clients observe),
// validation of names and required fields, and the rule of what an update may change.
//
// Messages follow the API server's field-error form (`spec.containers[0].image: Required
// value`) so a refusal says what was wrong and what would be accepted.
// Must not: touch the store; it judges one object (and its previous version).
#pragma once

#include <string>
#include <string_view>

#include "core/kube/kube_client.h"
#include "core/result.h"

namespace kci::apiserver {

using kube::Json;

//! True for a DNS-1123 subdomain (object names): lower-case alphanumerics, '-' and '.',
//! alphanumeric at both ends, at most 253 characters.
bool is_dns1123_subdomain(std::string_view s);
//! True for a DNS-1123 label (namespaces, container names): as above without '.', <= 63.
bool is_dns1123_label(std::string_view s);

//! Fills the defaults kube-apiserver applies at decode time (restartPolicy, dnsPolicy,
//! schedulerName, terminationGracePeriodSeconds, imagePullPolicy, terminationMessagePath,
//! the not-ready/unreachable tolerations of DefaultTolerationSeconds, ...).
void default_pod(Json& pod);
//! The status a new pod starts with: phase Pending and its QoS class.
void initialise_pod_status(Json& pod);

//! Validates a pod being created; the error (reason Invalid) lists every field at fault.
Status validate_pod(const Json& pod);
//! Validates an update: besides validate_pod, only container images,
//! activeDeadlineSeconds, added tolerations and terminationGracePeriodSeconds (on a pod
//! being deleted) may change in spec.
Status validate_pod_update(const Json& old_pod, const Json& new_pod);

}  // namespace kci::apiserver
