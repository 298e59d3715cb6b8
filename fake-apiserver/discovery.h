// What the HTTP face serves and how kubectl discovers it: the built-in resource table plus
// the custom resources of established CustomResourceDefinitions, and the discovery documents
// built from them (/version, /api, /api/v1, /apis, /apis/<group>, /apis/<group>/<version>)
// with short names, categories, verbs and subresources as kube-apiserver lists them.
//
// Built from a KubeClient (it lists CRDs like any client), so it describes any server.
// Must not: cache across requests (CRDs come and go), know about HTTP.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/kube/kube_client.h"
#include "core/kube/resources.h"
#include "core/result.h"
#include "fake-apiserver/table.h"

namespace kci::apiserver {

//! One resource as the HTTP face serves it.
struct ServedResource {
  kube::ResourceInfo info;            //!< info.version is the preferred (storage) version
  std::vector<std::string> versions;  //!< every served version, preferred first
  //! additionalPrinterColumns of a custom resource (per version; empty = NAME AGE).
  std::vector<std::pair<std::string, std::vector<PrinterColumn>>> columns;
  bool custom = false;  //!< a custom resource (patches other than strategic merge only)

  //! The printer columns of `version` (custom resources), empty otherwise.
  std::vector<PrinterColumn> columns_of(std::string_view version) const;
};

//! The ServedResource a CustomResourceDefinition describes; kInvalidArgument naming the
//! missing field when it is malformed.
Result<ServedResource> served_resource_of_crd(const Json& crd);

class Catalogue {
 public:
  //! The built-in table plus every CRD `client` lists (unreadable CRDs are skipped).
  static Catalogue load(kube::KubeClient& client);
  //! The built-in table plus `crds` (unreadable ones are skipped).
  static Catalogue with_crds(const std::vector<kube::Object>& crds);
  //! Only the built-in table.
  static Catalogue builtin();

  //! The resource group/version/plural, if served.
  const ServedResource* find(std::string_view group, std::string_view version,
                             std::string_view resource) const;
  const std::vector<ServedResource>& resources() const { return resources_; }

  //! GET /api: APIVersions.
  Json api_versions(const std::string& server_address) const;
  //! GET /apis: APIGroupList (the core group is not in it).
  Json api_group_list() const;
  //! GET /apis/<group>: APIGroup; kNotFound when no resource has the group.
  Result<Json> api_group(std::string_view group) const;
  //! GET /api/v1 or /apis/<group>/<version>: APIResourceList; kNotFound when not served.
  Result<Json> api_resource_list(std::string_view group, std::string_view version) const;

 private:
  std::vector<ServedResource> resources_;
};

//! GET /version: the version.Info of the Kubernetes release we mimic (kubectl 1.32 warns
//! when the server is more than one minor version away).
Json version_info();

}  // namespace kci::apiserver
