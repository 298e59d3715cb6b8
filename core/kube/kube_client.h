// KubeClient: the seam between the product and a Kubernetes API server (DESIGN.md, seam 1).
//
// Everything the product does to the cluster goes through this interface, addressed by a
// ResourceRef (group, version, plural resource, namespace, name). Two implementations: the
// in-process one over fake-apiserver's store (no text anywhere: objects travel as shared,
// immutable JSON trees) and the HTTP one in provider/ (kubeconfig, TLS, chunked watch).
// Calls are synchronous, as in client-go; watch events are delivered as tasks posted on the
// Executor the caller names. Errors are values: ErrorCode plus the Kubernetes Status reason
// ("NotFound", "AlreadyExists", "Conflict", "Expired", "Invalid", ...) in Error.reason.
// Must not: include transport or store code, or anything heavier than nlohmann/json.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kci {
class Executor;
}

namespace kci::kube {

using Json = nlohmann::json;
//! An object as the server holds it: immutable and shared (watchers, lists and callers see
//! the same tree without copies). Copy it (`Json j = *obj;`) to modify.
using Object = std::shared_ptr<const Json>;

//! Where an object lives: "" group is the core API; an empty name addresses the collection;
//! an empty namespace on a namespaced resource lists across all namespaces.
struct ResourceRef {
  std::string group;      //!< "" (core), "apps", "coordination.k8s.io", a CRD's group
  std::string version;    //!< "v1", "v1beta1"
  std::string resource;   //!< the plural: "pods", "nodes", "leases"
  std::string namespace_; //!< empty for cluster-scoped resources
  std::string name;       //!< empty for list/watch/create

  //! "group/version" or "version" for the core group.
  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  //! The same resource with another name (and namespace, when given).
  ResourceRef named(std::string n) const {
    ResourceRef r = *this;
    r.name = std::move(n);
    return r;
  }
  ResourceRef in(std::string ns) const {
    ResourceRef r = *this;
    r.namespace_ = std::move(ns);
    return r;
  }
  bool operator==(const ResourceRef&) const = default;
};

// ---- refs for the kinds the product touches --------------------------------------------

//! core/v1 pods in `ns` (all namespaces when empty), optionally one by name.
inline ResourceRef pods(std::string ns = {}, std::string name = {}) {
  return {"", "v1", "pods", std::move(ns), std::move(name)};
}
inline ResourceRef nodes(std::string name = {}) { return {"", "v1", "nodes", "", std::move(name)}; }
inline ResourceRef namespaces(std::string name = {}) {
  return {"", "v1", "namespaces", "", std::move(name)};
}
inline ResourceRef events(std::string ns = {}, std::string name = {}) {
  return {"", "v1", "events", std::move(ns), std::move(name)};
}
inline ResourceRef configmaps(std::string ns = {}, std::string name = {}) {
  return {"", "v1", "configmaps", std::move(ns), std::move(name)};
}
inline ResourceRef secrets(std::string ns = {}, std::string name = {}) {
  return {"", "v1", "secrets", std::move(ns), std::move(name)};
}
inline ResourceRef leases(std::string ns = {}, std::string name = {}) {
  return {"coordination.k8s.io", "v1", "leases", std::move(ns), std::move(name)};
}
inline ResourceRef deployments(std::string ns = {}, std::string name = {}) {
  return {"apps", "v1", "deployments", std::move(ns), std::move(name)};
}
inline ResourceRef replicasets(std::string ns = {}, std::string name = {}) {
  return {"apps", "v1", "replicasets", std::move(ns), std::move(name)};
}
inline ResourceRef statefulsets(std::string ns = {}, std::string name = {}) {
  return {"apps", "v1", "statefulsets", std::move(ns), std::move(name)};
}
inline ResourceRef jobs(std::string ns = {}, std::string name = {}) {
  return {"batch", "v1", "jobs", std::move(ns), std::move(name)};
}
inline ResourceRef mutating_webhook_configurations(std::string name = {}) {
  return {"admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "",
          std::move(name)};
}
inline ResourceRef custom_resource_definitions(std::string name = {}) {
  return {"apiextensions.k8s.io", "v1", "customresourcedefinitions", "", std::move(name)};
}

//! The ref of a built-in kind ("Pod" with apiVersion "v1" -> pods); kNotFound for kinds
//! that are not built in (custom resources: ask the server, or spell the ref yourself).
Result<ResourceRef> builtin_ref(std::string_view api_version, std::string_view kind,
                                std::string ns = {}, std::string name = {});
//! The ref of an object from its own apiVersion, kind, metadata.namespace and name.
Result<ResourceRef> ref_of(const Json& object);

// ---- options -----------------------------------------------------------------------------

//! metav1.ListOptions.
struct ListOptions {
  std::string labelSelector;  //!< "app=web,tier in (a,b),!canary"
  std::string fieldSelector;  //!< "spec.nodeName=vk-1,status.phase!=Succeeded"
  //! "" = the latest; otherwise not older than this version.
  std::string resourceVersion;
  std::int64_t limit = 0;     //!< 0 = everything
  std::string continue_;      //!< the token of the previous page
};

//! The options of a watch: the list options plus what only a watch has.
struct WatchOptions {
  std::string labelSelector;
  std::string fieldSelector;
  //! Start after this version; "" or "0" = start with ADDED events for every current object.
  std::string resourceVersion;
  bool allowWatchBookmarks = false;
  //! client-go 0.32 "list by watching": ADDED for every current object, then a BOOKMARK
  //! annotated k8s.io/initial-events-end: "true" (needs allowWatchBookmarks).
  bool sendInitialEvents = false;
};

//! The result of a list: the items and the collection's resourceVersion to watch from.
struct ObjectList {
  std::string resourceVersion;
  std::string continue_;  //!< non-empty when more pages follow
  std::vector<Object> items;
};

//! metav1.CreateOptions / UpdateOptions / PatchOptions (the parts we honour).
struct WriteOptions {
  bool dryRun = false;
  std::string fieldManager;
  //! "status" or "scale" to address a subresource; "" for the main resource.
  std::string subresource;
};

//! metav1.DeleteOptions.
struct DeleteOptions {
  //! nullopt = the object's default (a pod's terminationGracePeriodSeconds); 0 = now.
  std::optional<std::int64_t> gracePeriodSeconds;
  //! Preconditions: the delete fails with kConflict when the object's uid / version differ.
  std::optional<std::string> preconditionUid, preconditionResourceVersion;
  //! "Orphan", "Background" (default) or "Foreground".
  std::string propagationPolicy;
  bool dryRun = false;
};

//! The content type of a PATCH.
enum class PatchType {
  kJson,            //!< application/json-patch+json (RFC 6902)
  kMerge,           //!< application/merge-patch+json (RFC 7386)
  kStrategicMerge,  //!< application/strategic-merge-patch+json (merge keys of the core types)
};

// ---- watch -------------------------------------------------------------------------------

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark, kError };

//! "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR".
std::string_view watch_event_type_name(WatchEventType t);

//! One watch event. For kBookmark the object carries only kind, apiVersion and
//! metadata.resourceVersion (and the initial-events-end annotation when that is what it
//! marks); for kError it is a Status.
struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  Object object;
};

//! A running watch. Destroying the handle stops it; after stop() returns no callback of this
//! watch runs any more (callbacks already posted are dropped when they come up).
class WatchHandle {
 public:
  virtual ~WatchHandle() = default;
  //! Stops delivery; idempotent.
  virtual void stop() = 0;
};

//! Called for each event, on the Executor given to watch(), in resourceVersion order.
using WatchCallback = std::function<void(const WatchEvent&)>;
//! Called once when the watch ends by itself (410 Expired because the watcher fell behind
//! the history, the stream broke): the client relists and watches again. No event follows.
using WatchErrorCallback = std::function<void(const Error&)>;

// ---- the client --------------------------------------------------------------------------

class KubeClient {
 public:
  virtual ~KubeClient() = default;

  //! GET one object (`ref.name` set). kNotFound when absent.
  virtual Result<Object> get(const ResourceRef& ref) = 0;
  //! GET a subresource ("scale", "status") of one object.
  virtual Result<Object> get_subresource(const ResourceRef& ref, std::string_view subresource) = 0;
  //! LIST a collection (`ref.name` empty; an empty namespace lists all namespaces).
  virtual Result<ObjectList> list(const ResourceRef& ref, const ListOptions& options = {}) = 0;
  //! WATCH a collection (or one object by name). A resourceVersion older than the server's
  //! history fails with kGone / reason "Expired" (here or later through on_error): relist.
  virtual Result<std::unique_ptr<WatchHandle>> watch(const ResourceRef& ref,
                                                     const WatchOptions& options,
                                                     Executor& executor, WatchCallback on_event,
                                                     WatchErrorCallback on_error) = 0;

  //! POST an object into `ref`'s collection (namespace from ref or the object). Returns the
  //! stored object (uid, resourceVersion, creationTimestamp, generated name). kAlreadyExists.
  virtual Result<Object> create(const ResourceRef& ref, Json object,
                                const WriteOptions& options = {}) = 0;
  //! PUT: replace the object (or, with options.subresource, its status / scale). A non-empty
  //! metadata.resourceVersion that is not current fails with kConflict.
  virtual Result<Object> update(const ResourceRef& ref, Json object,
                                const WriteOptions& options = {}) = 0;
  //! PATCH the object or a subresource.
  virtual Result<Object> patch(const ResourceRef& ref, PatchType type, const Json& patch,
                               const WriteOptions& options = {}) = 0;
  //! DELETE. Returns the object as it stands after the call: with deletionTimestamp while
  //! finalizers or a grace period keep it, or its last state when it is gone.
  virtual Result<Object> remove(const ResourceRef& ref, const DeleteOptions& options = {}) = 0;
  //! POST to a subresource of one object: "binding" (a pod's Binding), "eviction".
  virtual Result<Object> create_subresource(const ResourceRef& ref, std::string_view subresource,
                                            Json body) = 0;

  // ---- conveniences over the calls above ----

  //! PUT .../status.
  Result<Object> update_status(const ResourceRef& ref, Json object) {
    WriteOptions o;
    o.subresource = "status";
    return update(ref, std::move(object), o);
  }
  //! POST pods/<name>/binding with a Binding to `node`.
  Result<Object> bind(const ResourceRef& pod, const std::string& node, const std::string& uid = {});
  //! PATCH .../scale with {"spec":{"replicas":n}} (what kubectl scale sends).
  Result<Object> scale(const ResourceRef& ref, std::int32_t replicas);
};

// ---- Status objects ----------------------------------------------------------------------

//! The HTTP code of an error, as kube-apiserver answers it (404, 409, 410, 422, ...).
int http_status_of(const Error& error);
//! A metav1.Status {kind: Status, status: Failure, message, reason, code, details} for an
//! error; `details` names the object when given.
Json status_of(const Error& error, const ResourceRef* ref = nullptr);
//! The Error a Status object (or a watch ERROR event's object) describes.
Error error_of_status(const Json& status);

//! Errors with the Kubernetes reasons, as the servers and fakes produce them.
Error not_found(const ResourceRef& ref);
Error already_exists(const ResourceRef& ref);
Error conflict(const ResourceRef& ref, std::string why);
Error expired(std::string why);
Error invalid(const ResourceRef& ref, std::string why);

}  // namespace kci::kube
