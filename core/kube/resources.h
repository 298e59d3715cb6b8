// The built-in resources of the Kubernetes API that kci-vk knows: group, version, plural,
// kind, scope, short names and subresources, as kube-apiserver's discovery lists them.
//
// One table shared by the client side (a kind -> ResourceRef) and the fake API server (its
// registry starts from it; CustomResourceDefinitions add to it at run time).
// Must not: hold state; custom resources are registered by the server, not here.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kci::kube {

//! What discovery says about one resource.
struct ResourceInfo {
  std::string group;     //!< "" for the core API
  std::string version;   //!< the served (and storage) version
  std::string resource;  //!< plural: "pods"
  std::string singular;  //!< "pod"
  std::string kind;      //!< "Pod"
  bool namespaced = true;
  std::vector<std::string> shortNames;   //!< "po"
  std::vector<std::string> subresources; //!< "status", "binding", "scale"
  std::vector<std::string> categories;   //!< "all"

  //! "group/version" or "version" for the core group.
  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  //! True when `sub` is one of the subresources.
  bool has_subresource(std::string_view sub) const;
};

//! Every built-in resource, core group first.
const std::vector<ResourceInfo>& builtin_resources();
//! The built-in resource of a kind in an apiVersion ("v1", "apps/v1"), if any.
const ResourceInfo* find_builtin_by_kind(std::string_view api_version, std::string_view kind);
//! The built-in resource of group + plural (any served version), if any.
const ResourceInfo* find_builtin(std::string_view group, std::string_view resource);

}  // namespace kci::kube
