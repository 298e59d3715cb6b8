// The OpenAPI v2 document of the fake API server, in JSON and in the protobuf form kubectl
// downloads (Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf): the
// gnostic-models openapi.v2.Document message, written by a small hand-made encoder.
//
// kubectl apply reads the document for two things: whether PATCH of the kind accepts the
// fieldValidation query parameter (then validation is left to the server and kubectl sends
// fieldValidation=Strict) and the schema of the kind (x-kubernetes-group-version-kind on a
// definition; when found, kubectl derives the patch's merge keys from it). We document the
// parameter on every PATCH operation and give definitions no group-version-kind, so kubectl
// computes strategic merge patches from its compiled-in types, which carry the real merge
// keys, and plain merge patches for custom resources.
// Must not: describe fields we do not model; every definition stays an open object.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fake-apiserver/discovery.h"

namespace kci::apiserver {

//! The swagger 2.0 document (JSON) for the resources of `catalogue`.
nlohmann::json openapi_v2_document(const Catalogue& catalogue);

//! Encodes a swagger 2.0 document (the subset openapi_v2_document writes: info, paths with
//! operations, query parameters and responses, definitions with $ref, type, format,
//! description, required, properties, items, additionalProperties and x- extensions) as a
//! gnostic openapi.v2.Document protobuf message.
std::string encode_openapi_v2_protobuf(const nlohmann::json& document);

//! The definition name kube-apiserver gives a kind: "io.k8s.api.core.v1.Pod",
//! "io.k8s.api.apps.v1.Deployment", "<reversed group>.<version>.<Kind>" for custom resources.
std::string definition_name(const kube::ResourceInfo& info, std::string_view version);

}  // namespace kci::apiserver
