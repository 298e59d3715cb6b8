// Request bodies in Kubernetes' protobuf encoding (Content-Type
// application/vnd.kubernetes.protobuf), as kubectl's generators (`kubectl create deployment`,
// `create secret`, `create ns`, ...) and client-go's typed clients send them: the 4 magic
// bytes "k8s\0", then a runtime.Unknown {1 typeMeta {1 apiVersion, 2 kind}, 2 raw,
// 3 contentEncoding, 4 contentType} whose raw is the object's own message.
//
// The decoder turns the object into the JSON a Go client would have sent for the same
// object, guided by protobuf_schema.h, so everything after the body (validation, admission,
// storage) sees JSON as before: apiVersion and kind from the envelope, zero values of Go
// fields with omitempty left out, the well-known types (Time, Quantity, IntOrString,
// FieldsV1) in their JSON forms, bytes as base64, maps as objects, repeated fields as arrays.
//
// Stricter than kube-apiserver, which skips what it does not know: a field number the
// schema does not have, a wrong wire type, a field sent twice, a bad length or varint, text
// that is not UTF-8, an int32 out of range, a bool other than 0 or 1, Time nanoseconds (JSON
// Time carries whole seconds) are each refused with an error naming the message, the JSON
// path, the field number and what is accepted. Nothing sent is dropped silently.
// Must not: recurse without bound (messages nest as the schema does, at most kMaxDepth
// deep), read past the bytes it was given, throw.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace kci::apiserver {

//! The Content-Type of Kubernetes' protobuf encoding.
inline constexpr std::string_view kProtobufContentType = "application/vnd.kubernetes.protobuf";
//! The 4 bytes every protobuf body starts with.
inline constexpr std::string_view kProtobufMagic{"k8s\0", 4};

//! True when `body` starts with the protobuf magic.
bool is_protobuf_body(std::string_view body);

//! Decodes a protobuf body into the object's JSON. The envelope's typeMeta names the kind;
//! when it leaves apiVersion or kind empty, `default_api_version` / `default_kind` (those of
//! the endpoint, as kube-apiserver defaults them) stand in. Errors: kInvalidArgument
//! (reason BadRequest, HTTP 400) for a malformed body; kUnsupported (reason
//! UnsupportedMediaType, HTTP 415) for a kind with no schema, naming the kinds accepted.
Result<nlohmann::json> decode_protobuf_body(std::string_view body, std::string_view default_api_version = {},
                                            std::string_view default_kind = {});

namespace protobuf {

//! Messages nested deeper than this are refused. The deepest path of the schema (a
//! Deployment's template's projected volume's downward API item's divisor) is 12 messages,
//! and a test keeps every kind below this bound.
inline constexpr int kMaxDepth = 32;
//! Embedded JSON (FieldsV1) nested deeper than this is refused, so that printing and copying
//! it (recursive in the JSON library) stay far from the stack's limit; managed fields of the
//! deepest built-in object nest about 20 levels.
inline constexpr int kMaxJsonDepth = 100;

//! The wire types of the protobuf encoding.
enum class WireType : std::uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

//! One field as read from the wire.
struct WireField {
  int number = 0;
  WireType wire = WireType::kVarint;
  std::uint64_t varint = 0;  //!< kVarint: the value; kFixed64/kFixed32: the little-endian value
  std::string_view bytes;    //!< kLengthDelimited: the bytes (a view into the message)
};

//! Reads the fields of one message in wire order, without knowing its schema.
//!   WireReader r(bytes); WireField f;
//!   while (r.next(f)) { ... }
//!   if (!r.error().empty()) ...  // malformed
class WireReader {
 public:
  explicit WireReader(std::string_view message) : rest_(message) {}
  //! Reads the next field; false at the end of the message or when the bytes are
  //! malformed (then error() says how).
  bool next(WireField& field);
  //! Why the last next() failed: "" at a clean end.
  const std::string& error() const { return error_; }

 private:
  bool varint(std::uint64_t& value);
  std::string_view rest_;
  std::string error_;
};

//! Reads one varint from the front of `in`; null on success, else why it is malformed.
const char* read_varint(std::string_view& in, std::uint64_t& value);
//! The name of a wire type: "varint", "length-delimited", ...
std::string_view wire_type_name(WireType wire);

}  // namespace protobuf
}  // namespace kci::apiserver
