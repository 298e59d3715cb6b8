// The fake kube-apiserver's request handling: the verbs of the Kubernetes REST API over the
// Store, with the semantics clients depend on: uid, creationTimestamp, generation,
// generateName, optimistic concurrency, status / binding / scale subresources, finalizers
// and graceful deletion, namespaces, CustomResourceDefinitions, admission and pod
// validation. Stricter than the real thing where the real thing documents a rule.
//
// Synchronous and single-threaded (drive it from its Executor's thread). The in-process
// KubeClient calls it directly; the HTTP face (later) translates requests into these calls.
// Must not: include provider/ or fake-kci/, serialise objects to text, read the wall clock.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/kube/kube_client.h"
#include "core/random.h"
#include "core/runtime/executor.h"
#include "fake-apiserver/registry.h"
#include "fake-apiserver/store.h"

namespace kci::apiserver {

class Admission;

//! Options of one fake API server.
struct ApiServerOptions {
  StoreOptions store;
  //! Seed of the server's random source (uids, generated names).
  std::uint64_t seed = 1;
  //! Creates default, kube-system, kube-public and kube-node-lease at start, as a cluster has.
  bool default_namespaces = true;
};

//! Who makes a request (admission's userInfo).
struct RequestUser {
  std::string username = "system:admin";
  std::vector<std::string> groups = {"system:masters", "system:authenticated"};
  std::string uid;
};

class ApiServer {
 public:
  ApiServer(Executor& executor, ApiServerOptions options = {});
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // ---- the verbs (see KubeClient for the contract of each) ----
  Result<kube::Object> get(const kube::ResourceRef& ref);
  Result<kube::Object> get_subresource(const kube::ResourceRef& ref, std::string_view sub);
  Result<kube::ObjectList> list(const kube::ResourceRef& ref, const kube::ListOptions& options);
  Result<std::unique_ptr<kube::WatchHandle>> watch(const kube::ResourceRef& ref,
                                                   const kube::WatchOptions& options,
                                                   Executor& executor, kube::WatchCallback on_event,
                                                   kube::WatchErrorCallback on_error);
  Result<kube::Object> create(const kube::ResourceRef& ref, Json object,
                              const kube::WriteOptions& options = {},
                              const RequestUser& user = {});
  Result<kube::Object> update(const kube::ResourceRef& ref, Json object,
                              const kube::WriteOptions& options = {},
                              const RequestUser& user = {});
  Result<kube::Object> patch(const kube::ResourceRef& ref, kube::PatchType type,
                             const Json& patch, const kube::WriteOptions& options = {},
                             const RequestUser& user = {});
  Result<kube::Object> remove(const kube::ResourceRef& ref, const kube::DeleteOptions& options = {},
                              const RequestUser& user = {});
  Result<kube::Object> create_subresource(const kube::ResourceRef& ref, std::string_view sub,
                                          Json body, const RequestUser& user = {});

  // ---- parts ----
  //! Installs the admission chain (mutating webhooks); null removes it.
  void set_admission(Admission* admission) { admission_ = admission; }
  //! Observes deletions: called when an object is removed, and when its deletion begins
  //! (deletionTimestamp set; the object is then still in the store). The GC hooks in here.
  using RemovalObserver = std::function<void(const kube::ResourceInfo&, const kube::Object&)>;
  void on_removal(RemovalObserver observer) { removal_observers_.push_back(std::move(observer)); }

  ResourceRegistry& registry() { return registry_; }
  Store& store() { return store_; }
  Executor& executor() { return executor_; }
  Rng& rng() { return rng_; }
  //! "now" as Kubernetes prints it (RFC 3339, seconds).
  std::string now_rfc3339() const;

 private:
  Result<const kube::ResourceInfo*> resolve(const kube::ResourceRef& ref) const;
  Status check_namespace(const kube::ResourceInfo& info, const std::string& ns) const;
  Result<kube::Object> write_update(const kube::ResourceInfo& info, const kube::ResourceRef& ref,
                                    Json object, const kube::Object& current,
                                    const kube::WriteOptions& options, const RequestUser& user);
  Result<kube::Object> update_scale(const kube::ResourceInfo& info, const kube::ResourceRef& ref,
                                    const Json& scale, const kube::WriteOptions& options);
  //! Removes the object now (finalizers empty, grace over); notifies observers.
  kube::Object erase(const kube::ResourceInfo& info, const std::string& ns,
                     const std::string& name);
  void after_write(const kube::ResourceInfo& info, const kube::Object& obj);
  void delete_namespace_contents(const std::string& ns);

  Executor& executor_;
  ApiServerOptions options_;
  Rng rng_;
  ResourceRegistry registry_;
  Store store_;
  Admission* admission_ = nullptr;
  std::vector<RemovalObserver> removal_observers_;
};

//! The Scale (autoscaling/v1) view of an object with a scale subresource.
Json scale_of(const Json& object);

}  // namespace kci::apiserver
