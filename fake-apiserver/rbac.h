// RBAC as kube-apiserver has it: the rbac.authorization.k8s.io/v1 objects (Role,
// ClusterRole, RoleBinding, ClusterRoleBinding) validated as its registry does, the request
// attributes its RequestInfoFactory derives from an HTTP request (verb, API group, resource,
// subresource, namespace, name; the path of a non-resource request), the RBAC authorizer's
// decision, and the Forbidden Status it answers with, word for word.
//
// Authorization happens at the HTTP edge only (http_server.cpp): the in-process clients of
// the simulation are the cluster's own components and stay unchecked and fast.
// Must not: touch sockets or threads; read roles other than through the KubeClient it is
// given (call it on the thread that owns that client).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/kube/kube_client.h"
#include "core/kube/resources.h"
#include "core/result.h"
#include "fake-apiserver/api_server.h"
#include "fake-apiserver/rest_api.h"

namespace kci::apiserver {

using kube::Json;

inline constexpr const char* kRbacGroup = "rbac.authorization.k8s.io";
inline constexpr const char* kMastersGroup = "system:masters";
inline constexpr const char* kAuthenticatedGroup = "system:authenticated";
inline constexpr const char* kUnauthenticatedGroup = "system:unauthenticated";

//! What a request asks to do, as the authorizer sees it.
struct RequestAttributes {
  bool resource_request = false;
  std::string verb;  //!< get list watch create update patch delete deletecollection; non-resource: the method, lower case
  std::string api_group, resource, subresource, ns, name;
  std::string path;  //!< the path of a non-resource request ("/version")
};

//! The attributes of an HTTP request. A list or watch whose fieldSelector requires
//! metadata.name=X carries the name X, so resourceNames can allow it, as kube-apiserver does.
RequestAttributes request_attributes(const HttpRequest& request);

//! True when one PolicyRule (JSON) allows the request: verbs, apiGroups, resources (with
//! "resource/subresource", "*" and "*/subresource"), resourceNames; or nonResourceURLs
//! (exact, "*", or a "prefix*") for a non-resource request.
bool rule_allows(const Json& rule, const RequestAttributes& attributes);

//! True when a binding's subject (JSON) names the user: a User by name, a Group the user is
//! in, or a ServiceAccount (its namespace defaults to the binding's, `binding_namespace`).
bool subject_matches(const Json& subject, const RequestUser& user, const std::string& binding_namespace);

//! The RBAC authorizer over the roles and bindings `client` serves.
class RbacAuthorizer {
 public:
  explicit RbacAuthorizer(kube::KubeClient& client) : client_(client) {}
  //! OK when allowed: the user is in system:masters, or a ClusterRoleBinding, or a
  //! RoleBinding in the request's namespace, binds it to a role with a rule that allows the
  //! request. Otherwise kForbidden with kube-apiserver's message (forbidden_message()).
  Status authorize(const RequestUser& user, const RequestAttributes& attributes);

 private:
  bool any_rule_allows(const Json& role_ref, const std::string& binding_namespace, const RequestAttributes& a);
  kube::KubeClient& client_;
};

//! kube-apiserver's message for a refused request:
//!   pods "x" is forbidden: User "u" cannot get resource "pods" in API group "" in the namespace "default"
//!   nodes is forbidden: User "u" cannot list resource "nodes" in API group "" at the cluster scope
//!   forbidden: User "u" cannot get path "/metrics"
std::string forbidden_message(const RequestUser& user, const RequestAttributes& attributes);
//! The 403 answer: a Status with reason Forbidden and details {name, group, kind: resource}.
HttpResponse forbidden_response(const RequestUser& user, const RequestAttributes& attributes);

//! The path `kubectl auth can-i` posts to.
inline constexpr std::string_view kSelfSubjectAccessReviews = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
//! Answers a SelfSubjectAccessReview (authorization.k8s.io/v1) for `user`: the review with
//! status.allowed as `authorizer` decides (null authorizer = AlwaysAllow: allowed). Every
//! authenticated user may ask, as kube-apiserver's system:basic-user role grants. A body that
//! is not a review, or names neither or both of spec.resourceAttributes and
//! spec.nonResourceAttributes, is refused naming the field.
HttpResponse self_subject_access_review(RbacAuthorizer* authorizer, const RequestUser& user, std::string_view body);

//! True for the four RBAC resources.
bool is_rbac_resource(const kube::ResourceInfo& info);
//! Fills the defaults of the v1 API: a User or Group subject's apiGroup.
void default_rbac_object(const kube::ResourceInfo& info, Json& object);
//! Validates a Role, ClusterRole, RoleBinding or ClusterRoleBinding; the error lists every
//! field at fault in the API server's field-error form.
Status validate_rbac_object(const kube::ResourceInfo& info, const Json& object);
//! An update may not change a binding's roleRef ("roleRef: Invalid value: ...: cannot change
//! roleRef"), as in Kubernetes: delete and re-create the binding instead.
Status validate_rbac_update(const kube::ResourceInfo& info, const Json& old_object, const Json& new_object);
//! True for a name RBAC objects accept (a path segment: not "." or "..", no '/' or '%'), so
//! the built-in names with ':' are valid.
bool is_rbac_name(std::string_view name);

//! The defaults kube-apiserver's RBAC bootstrap policy creates that this server needs:
//! cluster-admin (bound to system:masters), system:discovery (to system:authenticated) and
//! system:public-info-viewer (to system:authenticated and system:unauthenticated).
std::vector<std::pair<kube::ResourceRef, Json>> bootstrap_rbac_objects();
//! Creates them (an existing one is left as it is).
Status create_bootstrap_rbac(kube::KubeClient& client);

}  // namespace kci::apiserver
