// The object store of the fake API server: every object of every resource as an immutable,
// shared JSON snapshot, one global resourceVersion, a bounded per-resource watch history,
// and the watchers fed from it.
//
// Writes are O(log n) (ordered map per resource, so lists come out in key order as etcd's
// do); pods are indexed by spec.nodeName so a kubelet's list and watch cost what its own
// pods cost. Watchers share the stored snapshots: an event is a pointer, never a copy.
// Not thread-safe: drive it from the thread of the Executor it was given.
// Must not: decide API semantics (defaults, validation, deletion rules): ApiServer does.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/kube/kube_client.h"
#include "core/kube/resources.h"
#include "core/runtime/executor.h"
#include "fake-apiserver/selection.h"

namespace kci::apiserver {

using kube::Object;
using kube::WatchEventType;

//! Tunables of the store.
struct StoreOptions {
  //! Events kept per resource for watches that resume from a resourceVersion. 10,000 keeps
  //! a few seconds of a 10k-pod burst's pod events while bounding memory (about 40 MB of
  //! pod snapshots at worst); older versions get 410 Expired.
  std::size_t history_per_resource = 10'000;
  //! How often watchers that allow bookmarks get one; kube-apiserver sends one about every
  //! minute. Zero disables periodic bookmarks (the initial-events-end one is always sent).
  Duration bookmark_interval = std::chrono::seconds(60);
};

//! One change as the history keeps it.
struct HistoryEvent {
  std::uint64_t rv = 0;
  WatchEventType type = WatchEventType::kAdded;
  Object object;    //!< the new state (for DELETED: the last state, at the deletion's rv)
  Object previous;  //!< the state before (MODIFIED, DELETED); null for ADDED
};

class Store {
 public:
  Store(Executor& executor, StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  //! The latest resourceVersion handed out (0 before the first write).
  std::uint64_t resource_version() const { return rv_; }

  //! One object, or null.
  Object get(const std::string& resource, const std::string& ns, const std::string& name) const;
  //! Objects of a resource in key order ("ns/name"), within `ns` when not empty, matching
  //! `selection`; at most `limit` (0 = all) starting after key `after`. `next` receives the
  //! key to continue from when the limit cut the list short.
  std::vector<Object> list(const std::string& resource, const std::string& ns,
                           const Selection& selection, std::size_t limit = 0,
                           const std::string& after = {}, std::string* next = nullptr) const;
  //! Number of objects of a resource.
  std::size_t count(const std::string& resource) const;

  //! Stores a new or changed object: stamps metadata.resourceVersion with the next version,
  //! records ADDED or MODIFIED and notifies watchers. `kind`/`api_version` identify the
  //! resource for bookmarks. Returns the stored snapshot.
  Object put(const kube::ResourceInfo& info, const std::string& ns, const std::string& name,
             Json object);
  //! Removes an object: records DELETED with the last state at a new version. Null when absent.
  Object remove(const kube::ResourceInfo& info, const std::string& ns, const std::string& name);
  //! Removes every object of a resource (a CustomResourceDefinition was deleted).
  void drop_resource(const kube::ResourceInfo& info);

  //! Starts a watch on `info` within `ns` (all when empty). `from`: nullopt = start with
  //! ADDED for every current object; a version = replay history after it (kGone "Expired"
  //! when older than the history kept). `initial_end_bookmark` sends the
  //! k8s.io/initial-events-end bookmark after the initial ADDED events.
  Result<std::unique_ptr<kube::WatchHandle>> watch(const kube::ResourceInfo& info,
                                                   const std::string& ns, Selection selection,
                                                   std::optional<std::uint64_t> from,
                                                   bool bookmarks, bool initial_end_bookmark,
                                                   Executor& executor, kube::WatchCallback on_event,
                                                   kube::WatchErrorCallback on_error);
  //! Number of live watchers (all resources).
  std::size_t watcher_count() const;
  //! The oldest version a watch of `resource` may resume from.
  std::uint64_t history_floor(const std::string& resource) const;

  //! Owner index: the objects (resource key, ns, name) whose ownerReferences name `uid`.
  struct ObjectAddress {
    std::string resource, ns, name;
    auto operator<=>(const ObjectAddress&) const = default;
  };
  std::vector<ObjectAddress> dependents_of(const std::string& uid) const;
  //! Where the object with `uid` lives, if it exists.
  std::optional<ObjectAddress> find_uid(const std::string& uid) const;

 private:
  struct Watcher;
  struct Collection;
  Collection& collection(const kube::ResourceInfo& info);
  const Collection* find_collection(const std::string& resource) const;
  void record(Collection& c, HistoryEvent ev);
  void dispatch(Watcher& w, const HistoryEvent& ev);
  void index(const std::string& resource, const std::string& key, const Object& before,
             const Object& after);
  void deliver(Watcher& w, WatchEventType type, const Object& obj);
  void arm_bookmarks();
  void send_bookmarks();

  Executor& executor_;
  StoreOptions options_;
  std::uint64_t rv_ = 0;
  std::unordered_map<std::string, std::unique_ptr<Collection>> collections_;
  std::unordered_map<std::string, std::set<ObjectAddress>> owners_;  //!< owner uid -> dependents
  std::unordered_map<std::string, ObjectAddress> uids_;              //!< uid -> address
  TimerId bookmark_timer_ = 0;
  //! Outlives the store's watchers' tasks: posted drains check it before touching the store.
  std::shared_ptr<bool> alive_;
};

//! The key of an object inside a collection: "namespace/name" ("/name" when cluster-scoped).
std::string object_key(const std::string& ns, const std::string& name);
//! metadata.resourceVersion of a stored object as a number (0 when missing or malformed).
std::uint64_t resource_version_of(const Json& object);

}  // namespace kci::apiserver
