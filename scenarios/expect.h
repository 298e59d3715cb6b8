// Checks a scenario expectation against the cluster and the cloud, through the two seams
// only (KubeClient, KciApi), so the same check runs on the simulator and a real cluster.
//
// A failure says what was expected and what was found, with enough detail to act on: the
// pods that did not match and their phase, node and reason; the events that do exist for
// the object; the groups without a pod.
// Must not: change anything in the cluster or the cloud.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/kci/api.h"
#include "core/kube/kube_client.h"
#include "scenarios/scenario.h"

namespace kci::scenario {

//! The outcome of one check.
struct CheckResult {
  std::vector<std::string> failures;  //!< one line per unmet item; empty = it holds
  bool ok() const { return failures.empty(); }
};

//! What the checker may read from the cloud: the API and a caller who sees every group.
struct CloudView {
  kcicloud::KciApi* kci = nullptr;       //!< null: cloud expectations are skipped
  kcicloud::CallContext owner;           //!< the account owner's key
  //! The request a group was created from, as the cloud received it; unset on a real
  //! cloud (the `request:` items of containerGroups are then skipped).
  std::function<std::optional<kcicloud::CreateContainerGroupRequest>(const std::string& group_id)> received;
  //! The scenario's current time; unset: time-relative items (leaseRenewedWithin) are skipped.
  std::optional<TimePoint> now;
  //! GETs a path of a virtual node's kubelet API: (status, body), or an error when the node
  //! is not one of ours; unset: kubeletApi items are skipped.
  std::function<Result<std::pair<int, std::string>>(const std::string& node, const std::string& path)> kubelet;
  //! The fake cloud's instance-seconds so far; unset on a real cloud (billing is skipped).
  std::function<std::optional<double>()> billed_seconds;
};

//! Checks every item of `e`; `skipped` collects items that cannot be checked here.
CheckResult check_expectation(const Expectation& e, kube::KubeClient& kube, const CloudView& cloud,
                              std::vector<std::string>* skipped = nullptr);

//! Every container group the owner can see (all pages).
Result<std::vector<kcicloud::ContainerGroup>> all_groups(const CloudView& cloud);

}  // namespace kci::scenario
