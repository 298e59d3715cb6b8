// The fake API server as a served process has it: the ApiServer on a real-time loop, the
// controllers a cluster gives for free (Deployment, ReplicaSet, StatefulSet, Job, garbage
// collector, node lifecycle), mutating admission that calls webhooks over HTTPS, and
// kube-scheduler calling its extenders over HTTP. `kci-vk fake-apiserver` serves it alone;
// the loopback cluster (scenarios/loopback_cluster.h) serves it with the product around it.
// Must not: call the client or the server off the loop's thread (use run_on).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/kube/kube_client.h"
#include "core/result.h"
#include "fake-apiserver/owner_loop.h"
#include "fake-apiserver/scheduler.h"

namespace kci::scenario {

//! Seed 000's extender as its policy registers it: filter predicates/always_true, prioritize
//! priorities/group_score, preemption, whole Node objects (nodeCacheCapable false).
apiserver::ExtenderConfig seed_extender_config(std::string url_prefix, std::int64_t weight);

class ApiServerStack {
 public:
  //! Builds the server and starts its controllers (before the loop runs: their first lists
  //! run here, their watches then deliver on the loop). Errors name the controller's failure.
  //! `log` (optional) receives one line per webhook call that failed open. While admission
  //! waits for a webhook, the loop answers read requests (a webhook may read from the server).
  static Result<std::unique_ptr<ApiServerStack>> create(std::uint64_t seed,
                                                        std::function<void(const std::string&)> log = {});
  ~ApiServerStack();
  ApiServerStack(const ApiServerStack&) = delete;
  ApiServerStack& operator=(const ApiServerStack&) = delete;

  //! The loop everything runs on (start it with loop().start()).
  apiserver::RealTimeLoop& loop();
  //! A cluster-admin client of the server; call it on the loop's thread only.
  kube::KubeClient& client();
  //! Mutating admission reaches Service `ns`/`name` at "host:port" (HTTPS). Before the loop
  //! starts, or on its thread.
  void add_webhook_service(const std::string& ns, const std::string& name, const std::string& address);
  //! Builds and starts kube-scheduler with `extenders` (reached over HTTP). Once; before the
  //! loop starts, or on its thread.
  Status start_scheduler(std::vector<apiserver::ExtenderConfig> extenders);
  //! Stops the scheduler (on the loop's thread) and the loop; idempotent. Stop the HTTP
  //! servers in front of it first.
  void stop();

  struct Parts;

 private:
  explicit ApiServerStack(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace kci::scenario
