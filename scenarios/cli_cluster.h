// How the commands that run against a cluster (provider, extender, webhook) reach it: the
// kubeconfig or in-cluster flags, checked the same way everywhere, and a connected HTTP
// KubeClient whose watch events hop onto the command's real-time loop.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"

namespace kci::apiserver {
class RealTimeLoop;
}
namespace kci::provider {
class HttpKubeClient;
}

namespace kci::cli {

struct ClusterFlags {
  std::string kubeconfig;  //!< empty with in_cluster
  std::string context;
  bool in_cluster = false;
  double qps = 20, burst = 40;  //!< client-side limits of requests to the API server
};

//! Checks the combination once every flag is read: --kubeconfig and --in-cluster exclude
//! each other, --context needs --kubeconfig; with neither, `default_in_cluster` picks
//! in-cluster (a command deployed as a pod) or refuses (naming both).
Status check_cluster_flags(ClusterFlags& f, bool default_in_cluster);

//! The client for `f` (QPS and burst applied), checked by GET /version; `description`
//! receives "SERVER (ORIGIN)" for the command's first line. Errors name the server.
Result<std::unique_ptr<provider::HttpKubeClient>> connect_cluster(const ClusterFlags& f, apiserver::RealTimeLoop& loop,
                                                                  const std::string& user_agent,
                                                                  std::string* description = nullptr);

}  // namespace kci::cli
