// What kube-apiserver does to a Job or a StatefulSet before storing it: the defaults
// clients observe (a Job's generated selector and pod labels, parallelism, completions,
// backoffLimit; a StatefulSet's replicas, podManagementPolicy, updateStrategy), and the
// validation that a controller relies on (a Job's pods must not restart Always; a
// selector must match the template's labels).
//
// Messages follow the API server's field-error form so a refusal names the field, the
// value and what would be accepted.
// Must not: touch the store; it judges one object.
#pragma once

#include "core/kube/kube_client.h"
#include "core/result.h"

namespace kci::apiserver {

using kube::Json;

//! The labels a Job's pods carry (batch.kubernetes.io/ and the legacy unprefixed ones).
inline constexpr const char* kJobControllerUidLabel = "batch.kubernetes.io/controller-uid";
inline constexpr const char* kJobNameLabel = "batch.kubernetes.io/job-name";
inline constexpr const char* kLegacyJobControllerUidLabel = "controller-uid";
inline constexpr const char* kLegacyJobNameLabel = "job-name";

//! Defaults a Job being created whose metadata.uid and name are set: unless
//! spec.manualSelector is true, spec.selector becomes {matchLabels:
//! {batch.kubernetes.io/controller-uid: <uid>}} and the template gets the four job labels;
//! parallelism 1, completions 1 when both are absent, backoffLimit 6, completionMode
//! NonIndexed, suspend false.
void default_job(Json& job);
//! Validates a Job being created (after default_job); the error lists every field at fault.
Status validate_job(const Json& job);

//! Defaults a StatefulSet being created: replicas 1, podManagementPolicy OrderedReady,
//! updateStrategy RollingUpdate (partition 0), revisionHistoryLimit 10.
void default_statefulset(Json& set);
//! Defaults a Deployment being created as apps/v1 does (SetDefaults_Deployment): replicas
//! 1, strategy RollingUpdate with maxUnavailable and maxSurge 25% (each only when absent; a
//! Recreate strategy gets no rollingUpdate), revisionHistoryLimit 10,
//! progressDeadlineSeconds 600.
void default_deployment(Json& deployment);
//! Defaults a ReplicaSet being created: replicas 1.
void default_replicaset(Json& set);
//! Defaults a Secret being created or replaced: type Opaque when absent or empty.
void default_secret(Json& secret);
//! Defaults a Service as SetDefaults_Service does: type ClusterIP, sessionAffinity None,
//! each port's protocol TCP and targetPort its port, internalTrafficPolicy Cluster (not for
//! ExternalName), externalTrafficPolicy Cluster (NodePort, LoadBalancer). No cluster IP or
//! node port is allocated: nothing here routes Service traffic.
void default_service(Json& service);
//! Validates a StatefulSet being created: a selector that matches the template's labels,
//! a known podManagementPolicy, replicas >= 0, a serviceName that is a DNS-1123 label when set.
Status validate_statefulset(const Json& set);

}  // namespace kci::apiserver
