// The whole system on 127.0.0.1, each piece behind its own HTTP face as a real cluster sees
// it, in one process: the fake API server (controllers, mutating admission calling the
// profile webhook over HTTPS, kube-scheduler calling the extender over HTTP) served over
// HTTP; fake KCI served over HTTP with signatures checked; the profile webhook and the
// extender reading the cluster through the HTTP KubeClient; and the virtual kubelets as
// `kci-vk provider` runs them (HTTP KubeClient, signed KCI client). Every port is ephemeral.
// For the burst benchmark's loopback path and for tests that want the network in the loop.
// Threads: each piece runs on its own loop and server threads, in real time. The profile
// webhook does not resolve pods' owning workloads (the single-threaded API server cannot
// answer its GETs while it waits for the review).
// Must not: expose Boost.Asio/Beast or OpenSSL in this header, call the in-process client
// off the API server's loop (use run()).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/kci/api.h"
#include "core/kube/kube_client.h"
#include "core/result.h"
#include "fake-apiserver/owner_loop.h"

namespace kci::scenario {

//! What the loopback cluster is made of.
struct LoopbackOptions {
  //! The fake cloud: the YAML of a scenario's `kci:` block (empty: the defaults).
  std::string kci_yaml;
  //! The virtual nodes, one `kci-vk provider` each.
  std::vector<std::string> virtual_nodes = {"vk-0"};
  //! Each virtual node's advertised capacity and its client-side limits.
  std::string capacity_cpu = "1000", capacity_memory = "4Ti", capacity_pods = "1000";
  double kube_qps = 20, kube_burst = 40, kci_qps = 50, kci_burst = 100;
  //! Seed of the API server and the cloud.
  std::uint64_t seed = 1;
};

class LoopbackCluster {
 public:
  //! Starts every piece and waits (bounded) until the webhook and the extender have synced.
  //! Errors name the piece that failed.
  static Result<std::unique_ptr<LoopbackCluster>> start(const LoopbackOptions& options);
  ~LoopbackCluster();
  LoopbackCluster(const LoopbackCluster&) = delete;
  LoopbackCluster& operator=(const LoopbackCluster&) = delete;

  //! The API server's loop: the in-process client and its watch callbacks run there.
  apiserver::OwnerLoop& loop();
  //! A cluster-admin client of the API server, in-process; call it only on loop().
  kube::KubeClient& client();
  //! Runs `f` on the API server's loop and waits for its result.
  template <class F>
  auto run(F&& f) {
    return apiserver::run_on(loop(), std::forward<F>(f));
  }
  //! "http://127.0.0.1:PORT" of the API server, and a kubeconfig file that reaches it.
  std::string api_url() const;
  std::string kubeconfig_path() const;
  //! Runs `f` with the cloud while fake KCI serves no request (its owner's view).
  void with_cloud(const std::function<void(kcicloud::KciApi& cloud, const kcicloud::CallContext& owner)>& f);
  //! Selectors the profile webhook has loaded (it refuses none it was given).
  std::size_t webhook_selectors();
  //! Stops every piece, the virtual kubelets first; idempotent.
  void stop();

  struct Parts;

 private:
  explicit LoopbackCluster(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace kci::scenario
