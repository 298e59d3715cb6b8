#include "fake-apiserver/protobuf_body.h"

#include <chrono>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/k8s/object.h"
#include "fake-apiserver/protobuf_schema.h"

namespace kci::apiserver {

using nlohmann::json;

namespace protobuf {

// ---- the wire ------------------------------------------------------------------------------

std::string_view wire_type_name(WireType wire) {
  switch (wire) {
    case WireType::kVarint: return "varint";
    case WireType::kFixed64: return "fixed64";
    case WireType::kLengthDelimited: return "length-delimited";
    case WireType::kStartGroup: return "start-group";
    case WireType::kEndGroup: return "end-group";
    case WireType::kFixed32: return "fixed32";
  }
  return "unknown";
}

const char* read_varint(std::string_view& in, std::uint64_t& value) {
  value = 0;
  // A varint is at most 10 bytes; the 10th holds the 64th bit only.
  for (int i = 0; i < 10; ++i) {
    if (in.empty()) return "a varint is cut off by the end of the message";
    const auto b = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    if (i == 9 && (b & 0x80)) return "a varint is longer than 10 bytes";
    if (i == 9 && b > 1) return "a varint does not fit in 64 bits";
    value |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) return nullptr;
  }
  return "a varint is longer than 10 bytes";  // not reached: the 10th byte ends it or fails
}

bool WireReader::varint(std::uint64_t& value) {
  if (const char* error = read_varint(rest_, value)) {
    error_ = error;
    return false;
  }
  return true;
}

bool WireReader::next(WireField& field) {
  if (rest_.empty() || !error_.empty()) return false;
  std::uint64_t key = 0;
  if (!varint(key)) return false;
  // Field numbers are 1 .. 2^29-1.
  const std::uint64_t number = key >> 3;
  if (number == 0 || number > (1u << 29) - 1) {
    error_ = "field number " + std::to_string(number) + " is outside 1..536870911";
    return false;
  }
  field = WireField{};
  field.number = static_cast<int>(number);
  field.wire = static_cast<WireType>(key & 7);
  switch (field.wire) {
    case WireType::kVarint:
      return varint(field.varint);
    case WireType::kFixed64:
    case WireType::kFixed32: {
      const std::size_t n = field.wire == WireType::kFixed64 ? 8 : 4;
      if (rest_.size() < n) {
        error_ = "field " + std::to_string(number) + ": a " + std::string(wire_type_name(field.wire)) +
                 " value needs " + std::to_string(n) + " bytes, " + std::to_string(rest_.size()) + " are left";
        return false;
      }
      for (std::size_t i = 0; i < n; ++i)
        field.varint |= static_cast<std::uint64_t>(static_cast<unsigned char>(rest_[i])) << (8 * i);
      rest_.remove_prefix(n);
      return true;
    }
    case WireType::kLengthDelimited: {
      std::uint64_t length = 0;
      if (!varint(length)) return false;
      if (length > rest_.size()) {
        error_ = "field " + std::to_string(number) + ": length " + std::to_string(length) +
                 " runs past the end of the message (" + std::to_string(rest_.size()) + " bytes left)";
        return false;
      }
      field.bytes = rest_.substr(0, length);
      rest_.remove_prefix(length);
      return true;
    }
    case WireType::kStartGroup:
    case WireType::kEndGroup:
      error_ = "field " + std::to_string(number) + " has wire type " + std::to_string(key & 7) + " (" +
               std::string(wire_type_name(field.wire)) + "), which Kubernetes messages do not use";
      return false;
  }
  error_ = "field " + std::to_string(number) + " has wire type " + std::to_string(key & 7) +
           ", which is not a protobuf wire type (0, 1, 2, 5)";
  return false;
}

}  // namespace protobuf

namespace {

using protobuf::Field;
using protobuf::Form;
using protobuf::Message;
using protobuf::Type;
using protobuf::WireField;
using protobuf::WireReader;
using protobuf::WireType;

Error bad_request(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message), "BadRequest");
}

//! Go's zero time.Time (0001-01-01T00:00:00Z) in Unix seconds: its JSON is null.
constexpr std::int64_t kGoZeroTime = -62135596800;
//! The Unix seconds of 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the years RFC 3339
//! (and Go's Time.MarshalJSON) print with four digits.
constexpr std::int64_t kFirstPrintable = -62167219200;
constexpr std::int64_t kLastPrintable = 253402300799;

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += n + 1;
  }
  return true;
}

//! The nesting depth of JSON text (brackets outside strings).
int json_depth(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

//! What a field holds, for messages: "int32", "list of string", "core.v1.Container".
std::string describe_type(const Field& f) {
  std::string t;
  switch (f.type.type) {
    case Type::kString: t = "string"; break;
    case Type::kBytes: t = "bytes"; break;
    case Type::kJsonBytes: t = "JSON bytes"; break;
    case Type::kBool: t = "bool"; break;
    case Type::kInt32: t = "int32"; break;
    case Type::kInt64: t = "int64"; break;
    case Type::kMessage: t = std::string(f.type.message); break;
    case Type::kMap: t = "map entry"; break;
  }
  return (f.flags & protobuf::kRepeated) ? "list of " + t : t;
}

bool is_varint_type(Type t) { return t == Type::kBool || t == Type::kInt32 || t == Type::kInt64; }

//! Decodes messages by the schema into JSON, keeping the JSON path for its errors.
class BodyDecoder {
 public:
  explicit BodyDecoder(std::string what) : what_(std::move(what)) {}

  //! Decodes `bytes` as `m` into the JSON value of its form.
  Result<json> message(const Message& m, std::string_view bytes, int depth) {
    json object = json::object();
    KCI_TRY_STATUS(fields(m, bytes, object, depth));
    return form(m, std::move(object));
  }

 private:
  std::string what_;  //!< "apps/v1 Deployment"
  std::string path_;  //!< the JSON path being decoded: "spec.template.spec.containers[0]"

  Error fail(const Message& m, std::string text) const {
    return bad_request("protobuf body of " + what_ + ": at " + (path_.empty() ? std::string("the object") : path_) +
                       " (" + std::string(m.name) + "): " + text);
  }
  Error fail_field(const Message& m, const Field& f, std::string text) const {
    return fail(m, "field " + std::to_string(f.number) + " (" + std::string(f.json) + "): " + text);
  }

  std::string known_fields(const Message& m) const {
    std::string out;
    for (const Field& f : m.fields) out += (out.empty() ? "" : ", ") + std::to_string(f.number) + " " + std::string(f.json);
    return out.empty() ? "no fields" : out;
  }

  //! Appends ".name" (or "name" at the top) to the path for the life of the guard.
  class PathGuard {
   public:
    PathGuard(std::string& path, std::string_view step) : path_(path), size_(path.size()) {
      if (!step.empty() && step.front() != '[' && !path_.empty()) path_ += '.';
      path_ += step;
    }
    ~PathGuard() { path_.resize(size_); }
    PathGuard(const PathGuard&) = delete;
    PathGuard& operator=(const PathGuard&) = delete;

   private:
    std::string& path_;
    std::size_t size_;
  };

  Status fields(const Message& m, std::string_view bytes, json& out, int depth) {
    if (depth > protobuf::kMaxDepth)
      return fail(m, "messages nest deeper than " + std::to_string(protobuf::kMaxDepth) + " levels");
    std::vector<int> seen;  // singular fields already set
    WireReader reader(bytes);
    WireField w;
    while (reader.next(w)) {
      const Field* f = m.find(w.number);
      if (!f)
        return fail(m, "field number " + std::to_string(w.number) + " is not a field of " + std::string(m.name) +
                           " in Kubernetes 1.32 (its fields: " + known_fields(m) + ")");
      const bool many = (f->flags & protobuf::kRepeated) || f->type.type == Type::kMap;
      if (!many) {
        for (int n : seen)
          if (n == w.number) return fail_field(m, *f, "sent twice; it is not a list, send it once");
        seen.push_back(w.number);
      }
      KCI_TRY_STATUS(value(m, *f, w, out, depth));
    }
    if (!reader.error().empty()) return fail(m, "malformed message: " + reader.error());
    return ok_status();
  }

  Status wire_type(const Message& m, const Field& f, const WireField& w) const {
    const bool varint = is_varint_type(f.type.type);
    if (varint && w.wire == WireType::kVarint) return ok_status();
    // A repeated number may come packed: one length-delimited run of varints.
    if (varint && (f.flags & protobuf::kRepeated) && w.wire == WireType::kLengthDelimited) return ok_status();
    if (!varint && w.wire == WireType::kLengthDelimited) return ok_status();
    return fail_field(m, f,
                      "wire type " + std::to_string(static_cast<int>(w.wire)) + " (" +
                          std::string(protobuf::wire_type_name(w.wire)) + "); " + std::string(f.json) + " (" +
                          describe_type(f) + ") is sent as wire type " +
                          (varint ? std::string("0 (varint)") : std::string("2 (length-delimited)")) +
                          ((varint && (f.flags & protobuf::kRepeated)) ? " or 2 (packed)" : ""));
  }

  //! A scalar's JSON value from one wire value.
  Result<json> scalar(const Message& m, const Field& f, Type type, std::uint64_t v, std::string_view bytes) const {
    switch (type) {
      case Type::kString:
        if (!valid_utf8(bytes)) return fail_field(m, f, "the string is not valid UTF-8");
        return json(std::string(bytes));
      case Type::kBytes:
        return json(k8s::base64_encode(bytes));
      case Type::kJsonBytes: {
        if (bytes.empty()) return json();
        if (json_depth(bytes) > protobuf::kMaxJsonDepth)
          return fail_field(m, f, "the JSON nests deeper than " + std::to_string(protobuf::kMaxJsonDepth) + " levels");
        // Without exceptions the parser also discards (rather than throws on) a number too
        // large for a double.
        json j = json::parse(bytes, nullptr, /*allow_exceptions=*/false);
        if (j.is_discarded()) return fail_field(m, f, "the bytes are not valid JSON text");
        return j;
      }
      case Type::kBool:
        if (v > 1) return fail_field(m, f, "bool value " + std::to_string(v) + "; a bool is 0 or 1");
        return json(v == 1);
      case Type::kInt32: {
        const auto s = static_cast<std::int64_t>(v);
        if (s < std::numeric_limits<std::int32_t>::min() || s > std::numeric_limits<std::int32_t>::max())
          return fail_field(m, f, "value " + std::to_string(s) + " does not fit an int32");
        return json(s);
      }
      case Type::kInt64:
        return json(static_cast<std::int64_t>(v));
      case Type::kMessage:
      case Type::kMap:
        break;
    }
    return fail_field(m, f, "not a scalar");
  }

  static bool is_zero(const json& v) {
    if (v.is_string()) return v.get_ref<const std::string&>().empty();
    if (v.is_boolean()) return !v.get<bool>();
    if (v.is_number_integer()) return v.get<std::int64_t>() == 0;
    return v.is_null();
  }

  //! Stores one value of field `f`: appended to a list, or set (a zero of a Go omitempty
  //! value left out).
  static void put(const Field& f, json value, json& out) {
    if (f.flags & protobuf::kRepeated) {
      json& list = out[std::string(f.json)];
      if (!list.is_array()) list = json::array();
      list.push_back(std::move(value));
      return;
    }
    const bool scalar = f.type.type != Type::kMessage && f.type.type != Type::kMap;
    if (scalar && !(f.flags & (protobuf::kPointer | protobuf::kKeepZero)) && is_zero(value)) return;
    out[std::string(f.json)] = std::move(value);
  }

  Status value(const Message& m, const Field& f, const WireField& w, json& out, int depth) {
    KCI_TRY_STATUS(wire_type(m, f, w));
    const Type type = f.type.type;
    if (is_varint_type(type) && w.wire == WireType::kLengthDelimited) {
      // Packed: the run holds the list's varints back to back.
      std::string_view run = w.bytes;
      while (!run.empty()) {
        std::uint64_t v = 0;
        if (const char* error = protobuf::read_varint(run, v))
          return fail_field(m, f, "malformed packed list: " + std::string(error));
        KCI_TRY(json item, scalar(m, f, type, v, {}));
        put(f, std::move(item), out);
      }
      return ok_status();
    }
    if (type == Type::kMessage) {
      const Message* sub = protobuf::find_message(f.type.message);
      if (!sub) return fail_field(m, f, "the schema has no message " + std::string(f.type.message));
      if (f.flags & protobuf::kInline) return fields(*sub, w.bytes, out, depth + 1);
      const std::string step = (f.flags & protobuf::kRepeated)
                                   ? std::string(f.json) + "[" + std::to_string(count(out, f.json)) + "]"
                                   : std::string(f.json);
      PathGuard guard(path_, step);
      KCI_TRY(json sub_value, message(*sub, w.bytes, depth + 1));
      put(f, std::move(sub_value), out);
      return ok_status();
    }
    if (type == Type::kMap) return map_entry(m, f, w.bytes, out, depth);
    KCI_TRY(json v, scalar(m, f, type, w.varint, w.bytes));
    put(f, std::move(v), out);
    return ok_status();
  }

  static std::size_t count(const json& out, std::string_view key) {
    const auto it = out.find(std::string(key));
    return it == out.end() ? 0 : it->size();
  }

  //! One entry {1 key, 2 value} of a map field.
  Status map_entry(const Message& m, const Field& f, std::string_view bytes, json& out, int depth) {
    PathGuard guard(path_, std::string(f.json) + "[" + std::to_string(count(out, f.json)) + "]");
    const Type vtype = f.type.value;
    const Message* vmessage = vtype == Type::kMessage ? protobuf::find_message(f.type.message) : nullptr;
    if (vtype == Type::kMessage && !vmessage)
      return fail_field(m, f, "the schema has no message " + std::string(f.type.message));
    std::string key;
    json value;
    bool has_key = false, has_value = false;
    WireReader reader(bytes);
    WireField w;
    while (reader.next(w)) {
      if (w.number == 1) {
        if (has_key) return fail_field(m, f, "a map entry has two keys (field 1)");
        if (w.wire != WireType::kLengthDelimited)
          return fail_field(m, f, "the map entry's key (field 1) has wire type " + std::to_string(static_cast<int>(w.wire)) +
                                      "; a string key is wire type 2 (length-delimited)");
        if (!valid_utf8(w.bytes)) return fail_field(m, f, "a map key is not valid UTF-8");
        key = std::string(w.bytes);
        has_key = true;
      } else if (w.number == 2) {
        if (has_value) return fail_field(m, f, "a map entry has two values (field 2)");
        if (w.wire != WireType::kLengthDelimited)
          return fail_field(m, f, "the map entry's value (field 2) has wire type " +
                                      std::to_string(static_cast<int>(w.wire)) +
                                      "; the value is wire type 2 (length-delimited)");
        if (vmessage) {
          KCI_TRY(value, message(*vmessage, w.bytes, depth + 1));
        } else {
          KCI_TRY(value, scalar(m, f, vtype, 0, w.bytes));
        }
        has_value = true;
      } else {
        return fail_field(m, f,
                          "a map entry has field " + std::to_string(w.number) + "; map entries have 1 key and 2 value");
      }
    }
    if (!reader.error().empty()) return fail_field(m, f, "malformed map entry: " + reader.error());
    if (!has_value) {
      // Go's zero value of the entry's type.
      if (vmessage) {
        KCI_TRY(value, message(*vmessage, {}, depth + 1));
      } else {
        value = "";
      }
    }
    json& object = out[std::string(f.json)];
    if (!object.is_object()) object = json::object();
    if (object.contains(key)) return fail_field(m, f, "key \"" + key + "\" is sent twice");
    object[key] = std::move(value);
    return ok_status();
  }

  //! The JSON of a decoded message in its form.
  Result<json> form(const Message& m, json object) const {
    switch (m.form) {
      case Form::kObject:
        return object;
      case Form::kTime: {
        if (object.empty()) return json();
        const std::int64_t nanos = object.value("nanos", std::int64_t{0});
        if (nanos != 0)
          return fail(m, "nanos " + std::to_string(nanos) +
                             ": a Time holds whole seconds (its JSON is RFC 3339 without fractions); send nanos 0");
        const std::int64_t seconds = object.value("seconds", std::int64_t{0});
        if (seconds == kGoZeroTime) return json();
        if (seconds < kFirstPrintable || seconds > kLastPrintable)
          return fail(m, "seconds " + std::to_string(seconds) +
                             " is outside the years 0000-9999 RFC 3339 prints (Unix seconds -62167219200 .. 253402300799)");
        return json(k8s::Time{TimePoint(std::chrono::seconds(seconds))}.to_string());
      }
      case Form::kQuantity: {
        // An empty message is Go's zero Quantity; a string sent is passed on as sent (validation
        // judges it, as it judges the JSON form).
        if (!object.contains("string")) return json("0");
        return object["string"];
      }
      case Form::kIntOrString: {
        const std::int64_t type = object.value("type", std::int64_t{0});
        const std::int64_t int_value = object.value("intVal", std::int64_t{0});
        const std::string str_value = object.value("strVal", "");
        if (type == 0) {
          if (!str_value.empty())
            return fail(m, "type 0 (int) with strVal \"" + str_value + "\"; an int carries intVal only");
          return json(int_value);
        }
        if (type == 1) {
          if (int_value != 0)
            return fail(m, "type 1 (string) with intVal " + std::to_string(int_value) + "; a string carries strVal only");
          return json(str_value);
        }
        return fail(m, "type " + std::to_string(type) + "; an IntOrString is type 0 (int) or 1 (string)");
      }
      case Form::kRawJson: {
        const auto it = object.find("Raw");
        return it == object.end() ? json() : *it;
      }
    }
    return object;
  }
};

std::string accepted_kinds() {
  std::string out;
  for (const auto& k : protobuf::kinds())
    out += (out.empty() ? "" : ", ") + std::string(k.api_version) + " " + std::string(k.kind);
  return out;
}

}  // namespace

bool is_protobuf_body(std::string_view body) { return body.substr(0, kProtobufMagic.size()) == kProtobufMagic; }

Result<json> decode_protobuf_body(std::string_view body, std::string_view default_api_version,
                                  std::string_view default_kind) {
  if (!is_protobuf_body(body))
    return bad_request("the body is not in Kubernetes' protobuf encoding: it must start with the 4 bytes \"k8s\\0\"" +
                       std::string(body.empty() ? " (the body is empty)" : ""));
  // runtime.Unknown {1 typeMeta {1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding, 4 contentType}
  std::string api_version, kind, content_encoding, content_type;
  std::string_view raw;
  bool seen[5] = {};
  auto envelope_error = [](const std::string& text) {
    return bad_request("protobuf body: the envelope (runtime.Unknown) " + text);
  };
  protobuf::WireReader reader(body.substr(kProtobufMagic.size()));
  WireField w;
  while (reader.next(w)) {
    if (w.number < 1 || w.number > 4)
      return envelope_error("has field " + std::to_string(w.number) +
                            "; it has 1 typeMeta, 2 raw, 3 contentEncoding, 4 contentType");
    if (w.wire != WireType::kLengthDelimited)
      return envelope_error("field " + std::to_string(w.number) + " has wire type " +
                            std::to_string(static_cast<int>(w.wire)) + "; its fields are wire type 2 (length-delimited)");
    if (seen[w.number]) return envelope_error("field " + std::to_string(w.number) + " is sent twice");
    seen[w.number] = true;
    if (w.number == 2) {
      raw = w.bytes;
    } else if (w.number == 3 || w.number == 4) {
      if (!valid_utf8(w.bytes)) return envelope_error("field " + std::to_string(w.number) + " is not valid UTF-8");
      (w.number == 3 ? content_encoding : content_type) = std::string(w.bytes);
    } else {
      protobuf::WireReader tm(w.bytes);
      WireField t;
      bool tm_seen[3] = {};
      while (tm.next(t)) {
        if ((t.number != 1 && t.number != 2) || t.wire != WireType::kLengthDelimited || tm_seen[t.number])
          return envelope_error("typeMeta has field " + std::to_string(t.number) + " (wire type " +
                                std::to_string(static_cast<int>(t.wire)) +
                                "); it has 1 apiVersion and 2 kind, strings, once each");
        if (!valid_utf8(t.bytes)) return envelope_error("typeMeta field " + std::to_string(t.number) + " is not valid UTF-8");
        tm_seen[t.number] = true;
        (t.number == 1 ? api_version : kind) = std::string(t.bytes);
      }
      if (!tm.error().empty()) return envelope_error("typeMeta is malformed: " + tm.error());
    }
  }
  if (!reader.error().empty()) return envelope_error("is malformed: " + reader.error());
  if (!content_encoding.empty())
    return make_error(ErrorCode::kUnsupported,
                      "protobuf body: contentEncoding \"" + content_encoding +
                          "\" is not supported; send the object unencoded (contentEncoding empty)",
                      "UnsupportedMediaType");
  if (!content_type.empty() && content_type != kProtobufContentType)
    return make_error(ErrorCode::kUnsupported,
                      "protobuf body: the envelope's contentType \"" + content_type + "\" is not accepted; it is empty or " +
                          std::string(kProtobufContentType),
                      "UnsupportedMediaType");
  if (api_version.empty()) api_version = std::string(default_api_version);
  if (kind.empty()) kind = std::string(default_kind);
  const protobuf::Message* m = protobuf::message_of_kind(api_version, kind);
  if (!m)
    return make_error(ErrorCode::kUnsupported,
                      "the body of the request was in an unknown format - accepted media types include: "
                      "application/json, application/yaml, and application/vnd.kubernetes.protobuf for " +
                          accepted_kinds() + "; " +
                          (api_version.empty() && kind.empty() ? std::string("the protobuf envelope names no kind")
                                                               : api_version + " " + kind + " was sent in protobuf") +
                          ": send it as application/json",
                      "UnsupportedMediaType");
  BodyDecoder decoder(api_version + " " + kind);
  KCI_TRY(json object, decoder.message(*m, raw, 1));
  object["apiVersion"] = api_version;
  object["kind"] = kind;
  return object;
}

}  // namespace kci::apiserver
