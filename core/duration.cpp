#include "core/duration.h"

#include <cstdint>

namespace kci {

Result<Duration> parse_duration(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return invalid_argument("duration \"" + std::string(text) + "\": " + std::string(why) +
                            " (accepted: a number with a unit, such as 500ms, 30s, 2m, 1h30m, 1.5s)");
  };
  if (text == "0") return Duration(0);
  if (text.empty()) return bad("empty");
  if (text[0] == '-') return bad("negative durations are not accepted");
  std::size_t i = text[0] == '+' ? 1 : 0;
  if (i == text.size()) return bad("no number");
  // Nanoseconds, in 128 bits so "1000000h" cannot overflow while parsing.
  __int128 total_ns = 0;
  while (i < text.size()) {
    __int128 whole = 0, frac = 0, frac_scale = 1;
    bool digits = false;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      whole = whole * 10 + (text[i++] - '0');
      digits = true;
      if (whole > (__int128(1) << 80)) return bad("too large");
    }
    if (i < text.size() && text[i] == '.') {
      ++i;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        if (frac_scale < 1'000'000'000'000'000'000LL) {
          frac = frac * 10 + (text[i] - '0');
          frac_scale *= 10;
        }
        ++i;
        digits = true;
      }
    }
    if (!digits) return bad("expected a number");
    std::size_t u = i;
    while (u < text.size() && !(text[u] >= '0' && text[u] <= '9') && text[u] != '.') ++u;
    const std::string_view unit = text.substr(i, u - i);
    __int128 ns_per_unit;
    if (unit == "ns") ns_per_unit = 1;
    else if (unit == "us" || unit == "\xc2\xb5s" || unit == "\xce\xbcs") ns_per_unit = 1'000;
    else if (unit == "ms") ns_per_unit = 1'000'000;
    else if (unit == "s") ns_per_unit = 1'000'000'000;
    else if (unit == "m") ns_per_unit = 60'000'000'000LL;
    else if (unit == "h") ns_per_unit = 3'600'000'000'000LL;
    else if (unit.empty()) return bad("missing unit");
    else return bad("unknown unit \"" + std::string(unit) + "\"");
    total_ns += whole * ns_per_unit + (frac * ns_per_unit + frac_scale - 1) / frac_scale;
    if (total_ns > (__int128(1) << 62)) return bad("too large");
    i = u;
  }
  return Duration(static_cast<std::int64_t>((total_ns + 999) / 1000));
}

std::string format_duration(Duration d) {
  std::int64_t us = d.count();
  if (us == 0) return "0s";
  std::string sign;
  if (us < 0) {
    sign = "-";
    us = -us;
  }
  auto fraction = [](std::int64_t value, std::int64_t scale) {
    std::string s = std::to_string(value / scale);
    std::int64_t rest = value % scale;
    if (rest == 0) return s;
    std::string f = std::to_string(rest + scale).substr(1);  // zero-padded
    while (!f.empty() && f.back() == '0') f.pop_back();
    return s + "." + f;
  };
  if (us < 1'000) return sign + std::to_string(us) + "\xc2\xb5s";
  if (us < 1'000'000) return sign + fraction(us, 1'000) + "ms";
  std::string out;
  const std::int64_t h = us / 3'600'000'000LL;
  us %= 3'600'000'000LL;
  const std::int64_t m = us / 60'000'000LL;
  us %= 60'000'000LL;
  if (h > 0) out += std::to_string(h) + "h";
  if (h > 0 || m > 0) out += std::to_string(m) + "m";
  out += fraction(us, 1'000'000) + "s";
  return sign + out;
}

}  // namespace kci
