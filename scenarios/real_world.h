// The world of `kci-vk sim --real-cluster`: a scenario's steps and expectations run against
// a real API server (kubeconfig) and, when keys are given, the real KCI endpoint, instead of
// the stand-ins. The virtual nodes, extender and webhook are whatever the cluster runs: the
// scenario's `virtualNodes` must already be registered there.
//
// What only the stand-ins can do is reported, never faked: the scenario's `kci:` block and
// the virtual nodes' arguments are not applied (setup notes), KCI faults, stopping and
// restarting virtual nodes are skipped steps, and expectations that need the simulated cloud
// (received requests, billing) or, without KCI keys, any cloud view, are skipped items.
// Time is the wall clock: `wait: 30s` waits 30 seconds.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "provider/kci_http_client.h"
#include "scenarios/world.h"

namespace kci::scenario {

struct RealClusterOptions {
  std::string kubeconfig;  //!< the kubeconfig file (its current context unless `context`)
  std::string context;
  //! The KCI endpoint and keys for cloud expectations; unset: they are skipped.
  std::optional<provider::KciHttpClientOptions> kci;
};

//! Connects to the cluster (GET /version must answer) and builds the world of `s`.
Result<std::unique_ptr<World>> create_real_cluster_world(const Scenario& s, const RealClusterOptions& options);

}  // namespace kci::scenario
