// The JSON codec behind every Kubernetes type of core/k8s: decoding and encoding driven by
// a per-type field table, lossless for what we do not model.
//
// Each modelled struct lists its fields once (Schema<T>, in a .cpp, never in a header) and
// carries `Json extra`, which keeps every key the table does not name and the exact
// spelling of keys that were present but empty (`"args": []`, `"hostNetwork": false`). So a
// read-modify-write of a real cluster's object changes only what the caller changed, and
// newer Kubernetes fields survive. Decoding is strict about types (a string where an integer
// belongs is an error naming the field path and the value), like the Kubernetes API server.
// Must not: be included from headers (it is the implementation side of core/k8s/object.h).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "core/k8s/object.h"
#include "core/k8s/quantity.h"

namespace kci::k8s::codec {

//! One entry of a field table: the JSON key and the member it fills.
template <class T, class M>
struct Field {
  std::string_view key;
  M T::*member;
  //! Written even when empty: a Go field without omitempty (ContainerStatus.ready), which
  //! clients with generated models (the Python client) require.
  bool always = false;
};

//! The field table of T: specialise with `static constexpr auto fields()` returning a tuple
//! of Field<T, M>.
template <class T>
struct Schema;

template <class T>
concept Reflected = requires { Schema<T>::fields(); };

//! Where decoding is and the first error met.
class Context {
 public:
  //! Enters an object key or an array index (for the error's path).
  void push(std::string_view key) { path_.emplace_back(key); }
  void push_index(std::size_t i) { path_.push_back("[" + std::to_string(i) + "]"); }
  void pop() { path_.pop_back(); }
  //! Records a failure at the current path; returns false for `return ctx.fail(...)`.
  bool fail(std::string message);
  bool failed() const { return !message_.empty(); }
  //! The error: "<path>: <message>".
  Error error() const;

 private:
  std::vector<std::string> path_;
  std::string where_;
  std::string message_;
};

//! Short description of a JSON value for messages: `string "abc"`, `number 3`, `an object`.
std::string describe(const Json& j);

// ---- emptiness (Go's omitempty) -------------------------------------------------------

inline bool is_empty(const std::string& v) { return v.empty(); }
inline bool is_empty(bool v) { return !v; }
inline bool is_empty(std::int32_t v) { return v == 0; }
inline bool is_empty(std::int64_t v) { return v == 0; }
inline bool is_empty(double v) { return v == 0; }
inline bool is_empty(const Json& v) { return v.is_null(); }
inline bool is_empty(const Quantity&) { return false; }  // only used inside optional/map
inline bool is_empty(const Time&) { return false; }
inline bool is_empty(const IntOrString&) { return false; }
template <class T>
bool is_empty(const std::optional<T>& v) { return !v.has_value(); }
template <class T>
bool is_empty(const std::vector<T>& v) { return v.empty(); }
template <class T>
bool is_empty(const std::map<std::string, T>& v) { return v.empty(); }
template <Reflected T>
bool is_empty(const T& v);

// ---- decoding -------------------------------------------------------------------------

bool decode_value(const Json& j, std::string& out, Context& ctx);
bool decode_value(const Json& j, bool& out, Context& ctx);
bool decode_value(const Json& j, std::int32_t& out, Context& ctx);
bool decode_value(const Json& j, std::int64_t& out, Context& ctx);
bool decode_value(const Json& j, double& out, Context& ctx);
bool decode_value(const Json& j, Json& out, Context& ctx);
bool decode_value(const Json& j, Quantity& out, Context& ctx);
bool decode_value(const Json& j, Time& out, Context& ctx);
bool decode_value(const Json& j, IntOrString& out, Context& ctx);
template <class T>
bool decode_value(const Json& j, std::optional<T>& out, Context& ctx);
template <class T>
bool decode_value(const Json& j, std::vector<T>& out, Context& ctx);
template <class T>
bool decode_value(const Json& j, std::map<std::string, T>& out, Context& ctx);
template <Reflected T>
bool decode_value(const Json& j, T& out, Context& ctx);

template <class T>
bool decode_value(const Json& j, std::optional<T>& out, Context& ctx) {
  if (j.is_null()) {
    out.reset();
    return true;
  }
  T v{};
  if (!decode_value(j, v, ctx)) return false;
  out = std::move(v);
  return true;
}

template <class T>
bool decode_value(const Json& j, std::vector<T>& out, Context& ctx) {
  out.clear();
  if (j.is_null()) return true;
  if (!j.is_array()) return ctx.fail("expected a list, found " + describe(j));
  out.reserve(j.size());
  std::size_t i = 0;
  for (const auto& e : j) {
    ctx.push_index(i++);
    T v{};
    if (!decode_value(e, v, ctx)) return false;
    out.push_back(std::move(v));
    ctx.pop();
  }
  return true;
}

template <class T>
bool decode_value(const Json& j, std::map<std::string, T>& out, Context& ctx) {
  out.clear();
  if (j.is_null()) return true;
  if (!j.is_object()) return ctx.fail("expected an object (a map), found " + describe(j));
  for (const auto& [k, e] : j.items()) {
    ctx.push(k);
    T v{};
    if (!decode_value(e, v, ctx)) return false;
    out.emplace(k, std::move(v));
    ctx.pop();
  }
  return true;
}

//! Calls fn(field) for the field of T whose key is `key`; false when T has no such field.
template <Reflected T, class Fn>
bool visit_field(std::string_view key, Fn&& fn) {
  bool found = false;
  std::apply(
      [&](const auto&... f) { (void)((f.key == key ? (fn(f), found = true) : false) || ...); },
      Schema<T>::fields());
  return found;
}

template <Reflected T>
bool decode_value(const Json& j, T& out, Context& ctx) {
  out = T{};
  if (j.is_null()) return true;
  if (!j.is_object()) return ctx.fail("expected an object, found " + describe(j));
  for (auto it = j.begin(); it != j.end(); ++it) {
    // Named variables, not a structured binding: clang 14 cannot capture bindings.
    const std::string& k = it.key();
    const Json& e = it.value();
    bool ok = true;
    const bool known = visit_field<T>(k, [&](const auto& f) {
      ctx.push(f.key);
      ok = decode_value(e, out.*(f.member), ctx);
      if (!ok) return;
      ctx.pop();
      // Present but empty: keep its spelling so the object round-trips exactly.
      if (is_empty(out.*(f.member))) out.extra[k] = e;
    });
    if (!ok) return false;
    if (!known) out.extra[k] = e;
  }
  return true;
}

// ---- encoding -------------------------------------------------------------------------

inline Json encode_value(const std::string& v) { return v; }
inline Json encode_value(bool v) { return v; }
inline Json encode_value(std::int32_t v) { return v; }
inline Json encode_value(std::int64_t v) { return v; }
inline Json encode_value(double v) { return v; }
inline Json encode_value(const Json& v) { return v; }
Json encode_value(const Quantity& v);
Json encode_value(const Time& v);
Json encode_value(const IntOrString& v);
template <class T>
Json encode_value(const std::optional<T>& v);
template <class T>
Json encode_value(const std::vector<T>& v);
template <class T>
Json encode_value(const std::map<std::string, T>& v);
template <Reflected T>
Json encode_value(const T& v);

template <class T>
Json encode_value(const std::optional<T>& v) {
  return v ? encode_value(*v) : Json();
}
template <class T>
Json encode_value(const std::vector<T>& v) {
  Json a = Json::array();
  for (const auto& e : v) a.push_back(encode_value(e));
  return a;
}
template <class T>
Json encode_value(const std::map<std::string, T>& v) {
  Json o = Json::object();
  for (const auto& [k, e] : v) o[k] = encode_value(e);
  return o;
}
template <Reflected T>
Json encode_value(const T& v) {
  Json o = v.extra.is_object() ? v.extra : Json::object();
  std::apply(
      [&](const auto&... f) {
        ((!f.always && is_empty(v.*(f.member)) ? (void)0
                                               : (void)(o[std::string(f.key)] = encode_value(v.*(f.member)))),
         ...);
      },
      Schema<T>::fields());
  return o;
}

template <Reflected T>
bool is_empty(const T& v) {
  if (v.extra.is_object() && !v.extra.empty()) return false;
  bool empty = true;
  std::apply([&](const auto&... f) { ((empty = empty && is_empty(v.*(f.member))), ...); },
             Schema<T>::fields());
  return empty;
}

//! Decodes a whole object of type T.
template <class T>
Result<T> decode_object(const Json& j) {
  Context ctx;
  T out{};
  if (!decode_value(j, out, ctx)) return ctx.error();
  return out;
}

}  // namespace kci::k8s::codec

//! Field-table helpers for Schema<T> specialisations: KCI_F(member) when the JSON key is
//! the member's name, KCI_FK(member, "key") when it is a C++ keyword.
#define KCI_F(m) ::kci::k8s::codec::Field<Self, decltype(Self::m)>{#m, &Self::m}
#define KCI_FK(m, key) ::kci::k8s::codec::Field<Self, decltype(Self::m)>{key, &Self::m}
//! A field Go writes even when empty (no omitempty).
#define KCI_FA(m) ::kci::k8s::codec::Field<Self, decltype(Self::m)>{#m, &Self::m, true}
#define KCI_SCHEMA(T, ...)                                      \
  template <>                                                   \
  struct Schema<T> {                                            \
    using Self = T;                                             \
    static constexpr auto fields() { return std::make_tuple(__VA_ARGS__); } \
  }
