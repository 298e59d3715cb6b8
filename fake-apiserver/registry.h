// The resource registry of the fake API server: which resources exist, their kind, scope,
// short names and subresources. Starts with the built-in table (core/kube/resources.h);
// CustomResourceDefinition objects add and remove custom resources at run time.
//
// Must not: store objects (that is Store's job) or know about transport.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/kube/kube_client.h"
#include "core/kube/resources.h"
#include "core/result.h"

namespace kci::apiserver {

using kube::Json;
using kube::ResourceInfo;

//! The key of a resource inside the server: "group/plural" ("/pods", "apps/deployments").
std::string resource_key(std::string_view group, std::string_view resource);

class ResourceRegistry {
 public:
  ResourceRegistry();

  //! The resource a ref names (any served version). kNotFound with the server's message
  //! ("the server could not find the requested resource") when unknown or the version is
  //! not served.
  Result<const ResourceInfo*> find(const kube::ResourceRef& ref) const;
  //! The resource of a kind in an apiVersion, if served.
  const ResourceInfo* find_kind(std::string_view api_version, std::string_view kind) const;
  //! Every served resource (built-in first, then custom in registration order).
  std::vector<const ResourceInfo*> all() const;

  //! Registers (or re-registers) the resource a CustomResourceDefinition describes;
  //! kInvalidArgument when the definition is malformed (the message says which field).
  Result<ResourceInfo> register_crd(const Json& crd);
  //! Removes the custom resource group/plural; false when it was not registered.
  bool unregister(std::string_view group, std::string_view resource);

 private:
  struct Entry {
    ResourceInfo info;
    std::vector<std::string> versions;  //!< every served version
  };
  std::map<std::string, Entry> by_key_;  //!< resource_key -> entry
  std::vector<std::string> order_;       //!< registration order, for discovery
};

}  // namespace kci::apiserver
