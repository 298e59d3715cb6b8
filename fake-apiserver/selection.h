// Which objects a list or watch asks for: a label selector and a field selector compiled
// against one resource, as kube-apiserver evaluates them.
//
// The fields each resource lets clients select on are the API server's business and live
// here (pods: spec.nodeName, status.phase, ...; events: involvedObject.*). Parsing selector
// strings and matching labels is core/k8s/selector.h's job.
// Must not: allocate per match beyond what a field lookup needs.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/k8s/selector.h"
#include "core/kube/kube_client.h"
#include "core/kube/resources.h"
#include "core/result.h"

namespace kci::apiserver {

using kube::Json;

//! A compiled label + field selection for one resource.
class Selection {
 public:
  //! Everything.
  Selection() = default;

  //! Compiles the selector strings for `resource`; kInvalidArgument (reason BadRequest) on a
  //! syntax error or a field the resource does not support ("field label not supported").
  static Result<Selection> compile(const kube::ResourceInfo& resource,
                                   std::string_view label_selector,
                                   std::string_view field_selector);

  //! True when the object satisfies both selectors.
  bool matches(const Json& object) const;
  //! True when nothing is filtered.
  bool everything() const { return labels_.empty() && fields_.empty(); }
  //! The node an exact `spec.nodeName=` term pins (pods), for the store's node index.
  const std::optional<std::string>& node_name() const { return node_name_; }
  //! The namespace an exact `metadata.namespace=` term pins.
  const std::optional<std::string>& namespace_pin() const { return namespace_; }
  //! Adds `metadata.name=<name>` (a watch or list of one object).
  void pin_name(std::string name);

 private:
  k8s::Selector labels_;
  k8s::FieldSelector fields_;
  std::string resource_;  //!< resource_key, for field extraction
  std::optional<std::string> node_name_, namespace_;
};

//! The string value of a selectable field of an object of `resource` ("/pods",
//! "spec.nodeName"); nullopt when the resource does not support selecting on it.
std::optional<std::string> field_value(std::string_view resource_key, const Json& object,
                                       std::string_view field);

}  // namespace kci::apiserver
