// Events the fake cluster's controllers record about their objects, as kube-controller-manager's
// event recorders do (core/v1 Event, involvedObject, source component, count 1).
// Must not: read the wall clock (time comes from the Executor), or block.
#pragma once

#include <string>

#include "core/kube/kube_client.h"
#include "core/runtime/executor.h"

namespace kci::apiserver {

//! Creates an Event about `involved` (an object with apiVersion, kind and metadata) from
//! `component` ("job-controller"); failures are ignored, as a recorder's are.
void record_controller_event(kube::KubeClient& client, const Executor& executor,
                             const kube::Json& involved, const std::string& component,
                             const std::string& type, const std::string& reason,
                             const std::string& message);

}  // namespace kci::apiserver
