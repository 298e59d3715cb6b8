#include "core/k8s/codec.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace kci::k8s::codec {

bool Context::fail(std::string message) {
  if (message_.empty()) {
    for (const auto& p : path_) {
      if (!where_.empty() && p.front() != '[') where_ += '.';
      where_ += p;
    }
    message_ = std::move(message);
  }
  return false;
}

Error Context::error() const {
  return invalid_argument(where_.empty() ? message_ : where_ + ": " + message_);
}

std::string describe(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return std::string("boolean ") + (j.get<bool>() ? "true" : "false");
    case Json::value_t::string: {
      auto s = j.get<std::string>();
      // Long values are cut so a message stays readable, never inside a UTF-8 sequence (the
      // cut text is dumped as JSON, which must stay valid UTF-8).
      constexpr std::size_t kMaxShown = 64;
      if (s.size() > kMaxShown) {
        std::size_t cut = kMaxShown;
        while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
        s = s.substr(0, cut) + "...";
      }
      return "string " + Json(s).dump(-1, ' ', false, Json::error_handler_t::replace);
    }
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: return "number " + j.dump();
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "a list";
    default: return "a value of another type";
  }
}

bool decode_value(const Json& j, std::string& out, Context& ctx) {
  if (j.is_null()) {
    out.clear();
    return true;
  }
  if (!j.is_string()) return ctx.fail("expected a string, found " + describe(j));
  out = j.get<std::string>();
  return true;
}

bool decode_value(const Json& j, bool& out, Context& ctx) {
  if (j.is_null()) {
    out = false;
    return true;
  }
  if (!j.is_boolean()) return ctx.fail("expected true or false, found " + describe(j));
  out = j.get<bool>();
  return true;
}

namespace {
template <class I>
bool decode_integer(const Json& j, I& out, Context& ctx, const char* what) {
  if (j.is_null()) {
    out = 0;
    return true;
  }
  if (j.is_number_integer() || j.is_number_unsigned()) {
    if (j.is_number_unsigned()) {
      const auto u = j.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<I>::max()))
        return ctx.fail(std::string("expected ") + what + ", found " + describe(j) + " (out of range)");
      out = static_cast<I>(u);
      return true;
    }
    const auto v = j.get<std::int64_t>();
    if (v < std::numeric_limits<I>::min() || v > std::numeric_limits<I>::max())
      return ctx.fail(std::string("expected ") + what + ", found " + describe(j) + " (out of range)");
    out = static_cast<I>(v);
    return true;
  }
  if (j.is_number_float()) {
    // Go's encoding/json accepts 3.0 for an int field only when it is integral.
    const double d = j.get<double>();
    if (std::floor(d) == d && d >= static_cast<double>(std::numeric_limits<I>::min()) &&
        d <= static_cast<double>(std::numeric_limits<I>::max())) {
      out = static_cast<I>(d);
      return true;
    }
  }
  return ctx.fail(std::string("expected ") + what + ", found " + describe(j));
}
}  // namespace

bool decode_value(const Json& j, std::int32_t& out, Context& ctx) {
  return decode_integer(j, out, ctx, "a 32-bit integer");
}
bool decode_value(const Json& j, std::int64_t& out, Context& ctx) {
  return decode_integer(j, out, ctx, "an integer");
}
bool decode_value(const Json& j, double& out, Context& ctx) {
  if (j.is_null()) {
    out = 0;
    return true;
  }
  if (!j.is_number()) return ctx.fail("expected a number, found " + describe(j));
  out = j.get<double>();
  return true;
}
bool decode_value(const Json& j, Json& out, Context&) {
  out = j;
  return true;
}

bool decode_value(const Json& j, Quantity& out, Context& ctx) {
  std::string text;
  if (j.is_string()) {
    // Kubernetes trims surrounding blanks before parsing a quantity.
    text = j.get<std::string>();
    const auto first = text.find_first_not_of(" \t\r\n");
    text = first == std::string::npos ? "" : text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
  } else if (j.is_number()) {
    text = j.dump();  // Kubernetes accepts a bare JSON number for a quantity
  } else {
    return ctx.fail("expected a quantity such as \"500m\" or \"1Gi\", found " + describe(j));
  }
  auto q = Quantity::parse(text);
  if (!q.ok()) return ctx.fail(q.error().message);
  out = *q;
  return true;
}

bool decode_value(const Json& j, Time& out, Context& ctx) {
  if (!j.is_string())
    return ctx.fail("expected an RFC 3339 time such as \"2024-01-01T00:00:00Z\", found " + describe(j));
  auto t = Time::parse(j.get<std::string>());
  if (!t.ok()) return ctx.fail(t.error().message);
  out = *t;
  return true;
}

bool decode_value(const Json& j, IntOrString& out, Context& ctx) {
  if (j.is_string()) {
    out = IntOrString{false, 0, j.get<std::string>()};
    return true;
  }
  std::int64_t v = 0;
  if (!j.is_number() || !decode_integer(j, v, ctx, "an integer or a string")) {
    return ctx.failed() ? false : ctx.fail("expected an integer or a string, found " + describe(j));
  }
  out = IntOrString{true, v, {}};
  return true;
}

Json encode_value(const Quantity& v) { return v.to_string(); }
Json encode_value(const Time& v) { return v.to_string(); }
Json encode_value(const IntOrString& v) {
  return v.is_int ? Json(v.int_value) : Json(v.str_value);
}

}  // namespace kci::k8s::codec
