// RFC 6902 JSON Patch, built while walking a copy of the document it will be applied to.
//
// The admission webhook and the autoscaler describe their changes as JSONPatch operations.
// A PatchBuilder keeps the document as it will look after the operations so far, so each
// new operation is written against the right shape: an absent (or null) parent is created
// with one `add` of the whole subtree, an existing object gets one `add` per key, an
// existing array gets `add .../-`. Keys are escaped as RFC 6901 JSON pointers
// ("k8s.ksyun.com/kci" -> "k8s.ksyun.com~1kci", "~" -> "~0").
// Must not: remove or replace anything a caller did not name; throw on any input.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace kci::profile {

using Json = nlohmann::json;

//! One reference token escaped for a JSON pointer (RFC 6901: '~' -> "~0", '/' -> "~1").
std::string escape_pointer_token(std::string_view token);
//! A JSON pointer from unescaped tokens: {"metadata", "labels", "a/b"} -> "/metadata/labels/a~1b".
std::string json_pointer(const std::vector<std::string>& tokens);

//! Builds `add` operations against a document, keeping a copy of the patched document.
class PatchBuilder {
 public:
  explicit PatchBuilder(Json document) : doc_(std::move(document)) {}

  //! Sets the member at `path` (object keys; an array on the way is entered by index) unless it is already present and not null.
  //! Missing or null parents are created with one operation. Returns false (and adds
  //! nothing) when the value is already there or a parent is neither absent, null nor an
  //! object (a malformed document: the API server's validation will say so).
  bool add_if_absent(const std::vector<std::string>& path, Json value);
  //! Appends `element` to the array at `path`, creating the array when absent or null.
  //! Returns false when something other than an array sits there.
  bool append(const std::vector<std::string>& path, Json element);

  //! The operations so far (a JSON array).
  const Json& operations() const { return ops_; }
  //! The document with the operations applied.
  const Json& document() const { return doc_; }
  //! True when no operation was added.
  bool empty() const { return ops_.empty(); }

 private:
  Json doc_;
  Json ops_ = Json::array();
};

}  // namespace kci::profile
