// Hollow real nodes: many worker Nodes without machines, as kubemark's hollow kubelets and
// kwok's fake nodes give a scale test. Each node is registered Ready with its capacity,
// keeps its Lease in kube-node-lease renewed (so the node lifecycle controller keeps it
// Ready), and runs the pods bound to it: Running and Ready `start_delay` after binding, with
// a pod IP; a pod being deleted is removed at once (no containers to stop). Nothing runs:
// no images, no probes, no logs.
// Must not: touch virtual nodes or nodes it did not register.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "core/kube/informer.h"
#include "core/kube/kube_client.h"
#include "core/runtime/executor.h"

namespace kci::apiserver {

struct HollowNodesOptions {
  std::string prefix = "node-";  //!< node i is <prefix><i>, i from 1, zero-padded to 4
  std::int64_t count = 0;
  std::string cpu = "4", memory = "8Gi", pods = "110";  //!< capacity = allocatable
  std::map<std::string, std::string> labels;               //!< besides the hostname and role
  Duration start_delay = std::chrono::seconds(1);          //!< binding to Running
  Duration lease_renew = std::chrono::seconds(10);         //!< the kubelet's renew interval
};

class HollowNodes {
 public:
  HollowNodes(kube::KubeClient& client, Executor& executor, HollowNodesOptions options);
  ~HollowNodes();
  HollowNodes(const HollowNodes&) = delete;
  HollowNodes& operator=(const HollowNodes&) = delete;

  //! Registers the nodes and their leases, then starts running their pods. Errors name the node.
  Status start();
  void stop();
  //! Names of the nodes, in order.
  const std::set<std::string>& names() const { return names_; }

 private:
  void on_pod(const kube::Object& pod);
  void run_pod(const std::string& ns, const std::string& name, const std::string& uid);
  void renew_leases();

  kube::KubeClient& client_;
  Executor& executor_;
  HollowNodesOptions options_;
  std::set<std::string> names_;
  std::set<std::string> starting_;  //!< ns/name of pods waiting for start_delay
  std::unique_ptr<kube::Informer> pods_;
  TimerId lease_timer_ = 0;
  std::uint32_t next_ip_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kci::apiserver
