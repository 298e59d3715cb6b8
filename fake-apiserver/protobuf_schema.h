// The schema of the Kubernetes messages the fake API server accepts in protobuf: for each
// message its fields by number, with the JSON name, the type and the two facts of the Go
// struct that the wire does not carry (a pointer field, a field without omitempty), so that
// protobuf_body.cpp turns a body into the JSON the same object has when a Go client sends
// it as JSON.
//
// Field numbers, names, types and pointer-ness are those of Kubernetes 1.32's generated.proto
// files (k8s.io/api core/v1, apps/v1, batch/v1, rbac/v1, scheduling/v1, authorization/v1;
// k8s.io/apimachinery meta/v1, util/intstr, api/resource); omitempty comes from the json tags
// of the same release's types.go. A protobuf field number never changes meaning, so a
// message only gains fields in later releases; the ones added after 1.32 are not here.
// Must not: guess. A field that is not in the table is refused by the decoder, not skipped.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace kci::apiserver::protobuf {

//! What a field holds; this fixes the wire type it arrives in and its JSON form.
enum class Type : std::uint8_t {
  kString,     //!< length-delimited UTF-8 -> JSON string
  kBytes,      //!< length-delimited bytes (Go []byte) -> base64 JSON string
  kJsonBytes,  //!< length-delimited JSON text (FieldsV1.Raw) -> that JSON value
  kBool,       //!< varint 0 or 1 -> true / false
  kInt32,      //!< varint, two's complement -> JSON number in int32 range
  kInt64,      //!< varint, two's complement -> JSON number
  kMessage,    //!< length-delimited message named by TypeRef::message
  kMap,        //!< map<string, V>: repeated entry messages {1 key, 2 value} -> JSON object
};

//! A field's type: a scalar, a message by name, or a map by its value's type.
struct TypeRef {
  constexpr TypeRef(Type t) : type(t) {}  // NOLINT(google-explicit-constructor): table syntax
  constexpr TypeRef(Type t, std::string_view m, Type v) : type(t), message(m), value(v) {}
  Type type;
  std::string_view message;    //!< kMessage: the message's name ("core.v1.Container")
  Type value = Type::kString;  //!< kMap: the type of the values (kString, kBytes or kMessage
                               //!< of resource.Quantity via `message`)
};

//! A message-typed field: msg("core.v1.Container").
constexpr TypeRef msg(std::string_view name) { return TypeRef(Type::kMessage, name, Type::kString); }
//! A map<string, string> / map<string, bytes>.
constexpr TypeRef map_of(Type value) { return TypeRef(Type::kMap, {}, value); }
//! A map<string, Message>: map_of("resource.Quantity").
constexpr TypeRef map_of(std::string_view message) { return TypeRef(Type::kMap, message, Type::kMessage); }

//! Facts of the Go field that decide what JSON a value gets.
enum FieldFlag : std::uint8_t {
  kRepeated = 1,  //!< a list: JSON array (an absent list stays absent)
  kPointer = 2,   //!< a Go pointer: present on the wire only when set, so a zero value is kept
  kKeepZero = 4,  //!< a Go value without omitempty: a zero value is kept
  kInline = 8,    //!< an embedded struct (`json:",inline"`): its fields join the parent object
};

//! One field of a message.
struct Field {
  int number;
  std::string_view json;  //!< the JSON name (for an inline field, the name of the proto field)
  TypeRef type;
  std::uint8_t flags = 0;  //!< FieldFlag bits
};

//! How a decoded message becomes JSON: an object, or one of apimachinery's types whose JSON
//! is not the object of their fields.
enum class Form : std::uint8_t {
  kObject,       //!< the JSON object of its fields
  kTime,         //!< meta.v1.Time {1 seconds, 2 nanos}: RFC 3339 "2024-01-01T00:00:00Z", null when empty
  kQuantity,     //!< resource.Quantity {1 string}: the string, "0" when empty
  kIntOrString,  //!< intstr.IntOrString {1 type, 2 intVal, 3 strVal}: a number or a string
  kRawJson,      //!< meta.v1.FieldsV1 {1 Raw}: the JSON the bytes hold, null when empty
};

//! One message: its name as "<group>.<version>.<Kind>" of its proto package.
struct Message {
  std::string_view name;
  std::vector<Field> fields;  //!< in field-number order
  Form form = Form::kObject;

  //! The field with this number, or null.
  const Field* find(int number) const;
};

//! A kind accepted in protobuf and its message.
struct KindSchema {
  std::string_view api_version;  //!< "apps/v1"
  std::string_view kind;         //!< "Deployment"
  std::string_view message;      //!< "apps.v1.Deployment"
};

//! Every message of the table.
const std::vector<Message>& messages();
//! The message named `name`, or null.
const Message* find_message(std::string_view name);
//! The kinds a protobuf body may carry.
const std::vector<KindSchema>& kinds();
//! The message of a kind, or null when the kind has no schema here.
const Message* message_of_kind(std::string_view api_version, std::string_view kind);

}  // namespace kci::apiserver::protobuf
