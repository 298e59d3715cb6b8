// The three patch formats of the Kubernetes API, applied to JSON documents:
// JSON Patch (RFC 6902), JSON Merge Patch (RFC 7386) and strategic merge patch (lists of
// the core types merged by their merge keys, with the $patch / $deleteFromPrimitiveList
// directives kubectl sends).
//
// Pure functions over nlohmann::json. Errors name the operation and path and say why.
// Must not: know about stores or resources beyond the merge-key table.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/result.h"

namespace kci::k8s {

//! RFC 6902: applies an array of operations (add, remove, replace, move, copy, test)
//! atomically: on any failure the document is left as it was and the error names the
//! failing operation ("operation 2 (replace /spec/replicas): path does not exist").
Result<nlohmann::json> apply_json_patch(const nlohmann::json& document, const nlohmann::json& patch);

//! RFC 7386: objects merge recursively, null removes a key, anything else replaces.
nlohmann::json apply_merge_patch(const nlohmann::json& document, const nlohmann::json& patch);

//! Strategic merge patch as kube-apiserver applies it to built-in kinds: like a merge patch,
//! except lists with a merge key (containers by name, env by name, ports by containerPort,
//! volumes and volumeMounts by name / mountPath, conditions by type, ...) merge element by
//! element; `$patch: delete|replace` on an element or map and `$retainKeys` are honoured.
//! `kind` ("Pod", "Deployment", ...) selects the merge keys; unknown kinds merge like RFC 7386.
Result<nlohmann::json> apply_strategic_merge_patch(const nlohmann::json& document,
                                                   const nlohmann::json& patch,
                                                   std::string_view kind);

//! Builds an RFC 6902 pointer from path segments ("/metadata/labels/a~1b").
std::string json_pointer(std::initializer_list<std::string_view> segments);

}  // namespace kci::k8s
