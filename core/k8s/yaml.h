// YAML <-> JSON, resolved the way Kubernetes tools resolve it (sigs.k8s.io/yaml on
// go-yaml v2, i.e. YAML 1.1 scalars: `yes`/`on` are booleans, quoted text is always a
// string), so a manifest means here what it means to kubectl.
// Must not: read files (callers pass text); know any Kubernetes kind.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/k8s/object.h"
#include "core/result.h"

namespace kci::k8s {

//! Every document of a multi-document YAML stream, as JSON; empty documents are skipped.
//! Errors give the line and column.
Result<std::vector<Json>> yaml_documents(std::string_view text);
//! Exactly one document (an empty text is an error).
Result<Json> yaml_document(std::string_view text);
//! Block-style YAML for a JSON value; strings that would read back as something else
//! (`"true"`, `"8080"`, `""`) are quoted, so yaml_document(to_yaml(j)) == j.
std::string to_yaml(const Json& j);

}  // namespace kci::k8s
