// The fake cluster's garbage collector (kube-controller-manager's garbagecollector): a graph
// of ownerReferences over the watched kinds, and the three propagation policies of a
// delete as kube-apiserver marks them:
//  - Background (the default): once an owner is gone, its dependents are deleted;
//  - Foreground: the owner carries the foregroundDeletion finalizer; its dependents are
//    deleted (dependents that themselves have dependents, Foreground again), and the
//    finalizer is removed when no dependent with blockOwnerDeletion is left;
//  - Orphan: the owner carries the orphan finalizer; the dependents lose their reference to
//    it, then the finalizer is removed.
// A dependent whose owners are all absent (no object of that name, or one with another uid)
// is deleted; one with some owners present loses only the references to the absent ones.
// Owners of kinds the collector does not watch (DaemonSet, Node, custom resources: no
// controller of the fake cluster makes them) are taken as present.
//
// Event-driven: one informer per watched kind over a KubeClient, work on its Executor.
// Must not: read the store directly, or block.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/kube/informer.h"
#include "core/kube/kube_client.h"
#include "core/runtime/executor.h"
#include "fake-apiserver/object_fields.h"
#include "fake-apiserver/work_queue.h"

namespace kci::apiserver {

struct GarbageCollectorOptions {
  //! The kinds whose objects are dependents and owners (collections: no name, no namespace).
  std::vector<kube::ResourceRef> resources = {
      kube::pods(),         kube::replicasets(), kube::deployments(),
      kube::statefulsets(), kube::jobs(),        kube::configmaps(),
      kube::secrets(),      {"", "v1", "services", "", ""}};
};

class GarbageCollector {
 public:
  GarbageCollector(kube::KubeClient& client, Executor& executor, GarbageCollectorOptions options = {});
  ~GarbageCollector();
  GarbageCollector(const GarbageCollector&) = delete;
  GarbageCollector& operator=(const GarbageCollector&) = delete;

  Status start();
  void stop();

  //! Objects the collector has deleted so far.
  std::uint64_t deleted() const { return deleted_; }

 private:
  struct Node {
    kube::Object object;            //!< null: known only as somebody's owner
    kube::ResourceRef ref;          //!< where it lives (named)
    std::set<std::string> owners;   //!< uids
    std::set<std::string> dependents;
  };
  void observe(const kube::ResourceRef& collection, const kube::Object& obj);
  void forget(const kube::Object& obj);
  void process(const std::string& uid);
  void process_deleting(Node& node, const std::string& uid);
  //! Whether the owner `ref` of a dependent in `ns` exists with its uid: 1 yes, 0 no,
  //! -1 cannot tell now (retry).
  int owner_exists(const Json& owner_ref, const std::string& ns, bool& waiting);
  bool watched_kind(const std::string& api_version, const std::string& kind) const;
  Status drop_owner_refs(const Node& dependent, const std::set<std::string>& owner_uids);
  Status drop_finalizer(const Node& node, const std::string& finalizer);

  kube::KubeClient& client_;
  Executor& executor_;
  GarbageCollectorOptions options_;
  WorkQueue queue_;
  std::vector<std::unique_ptr<kube::Informer>> informers_;
  std::map<std::string, Node> graph_;  //!< by uid
  std::uint64_t deleted_ = 0;
};

}  // namespace kci::apiserver
