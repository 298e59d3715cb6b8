#include "core/translate/values.h"

#include <algorithm>
#include <limits>

namespace kci::translate {
namespace {

std::string quoted(std::string_view text) {
  // Long or binary junk is cut so a refusal stays readable.
  constexpr std::size_t kMaxShown = 64;
  std::string out = "\"";
  // Never cut inside a UTF-8 sequence: the message goes into events and JSON answers.
  std::size_t n = std::min(text.size(), kMaxShown);
  if (n < text.size())
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  }
  if (text.size() > kMaxShown) out += "...";
  return out + "\"";
}

// Parses digits[.digits] into an integer scaled by 10^scale_digits, rounding finer
// fractions up. False on bad shape or overflow of `limit`.
bool parse_scaled(std::string_view t, int scale_digits, std::int64_t limit, std::int64_t& out) {
  if (t.empty()) return false;
  std::int64_t whole = 0;
  std::size_t i = 0;
  bool any = false;
  for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) {
    any = true;
    if (whole > (std::numeric_limits<std::int64_t>::max() - 9) / 10) return false;
    whole = whole * 10 + (t[i] - '0');
  }
  std::int64_t frac = 0;
  int frac_digits = 0;
  bool round_up = false;
  if (i < t.size() && t[i] == '.') {
    ++i;
    for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) {
      any = true;
      if (frac_digits < scale_digits) {
        frac = frac * 10 + (t[i] - '0');
        ++frac_digits;
      } else if (t[i] != '0') {
        round_up = true;
      }
    }
  }
  if (!any || i != t.size()) return false;
  std::int64_t scale = 1;
  for (int k = 0; k < scale_digits; ++k) scale *= 10;
  for (; frac_digits < scale_digits; ++frac_digits) frac *= 10;
  if (whole > limit) return false;
  if (whole > std::numeric_limits<std::int64_t>::max() / scale) return false;
  std::int64_t v = whole * scale + frac + (round_up ? 1 : 0);
  if (v > limit * scale) return false;
  out = v;
  return true;
}

}  // namespace

std::string_view trim(std::string_view t) {
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  return t;
}

bool all_digits(std::string_view t) {
  if (t.empty()) return false;
  for (char c : t) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Result<std::int64_t> parse_bandwidth(std::string_view text) {
  std::string_view t = trim(text);
  std::int64_t unit = 1;
  if (!t.empty()) {
    switch (t.back()) {
      case 'G': unit = 1000LL * 1000 * 1000; break;
      case 'M': case 'm': unit = 1000LL * 1000; break;
      case 'k': case 'K': unit = 1000; break;
      default: break;
    }
    if (unit != 1) t.remove_suffix(1);
  }
  // Three decimals are enough below the unit: "1.5M" is exact; a bit is the floor.
  std::int64_t thousandths = 0;
  if (!parse_scaled(t, 3, kMaxBandwidthBits, thousandths)) {
    return invalid_argument(quoted(text) +
                            " is not a bandwidth: write a number with an optional unit G, M "
                            "or k (no unit means bit/s), e.g. 100M");
  }
  // Multiply in 128 bits: 1P in thousandths times a G unit overflows 64 bits.
  const __int128 bits128 = (static_cast<__int128>(thousandths) * unit + 999) / 1000;
  if (bits128 < kMinBandwidthBits || bits128 > kMaxBandwidthBits) {
    return invalid_argument(quoted(text) + " is outside the accepted bandwidth 1k..1P bit/s");
  }
  return static_cast<std::int64_t>(bits128);
}

Result<std::int64_t> parse_thousandths(std::string_view text, std::int64_t max_units) {
  std::int64_t v = 0;
  if (!parse_scaled(trim(text), 3, max_units, v)) {
    return invalid_argument(quoted(text) + " is not accepted: write a plain number from 0 to " +
                            std::to_string(max_units) + " with at most 3 decimals, no unit");
  }
  return v;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  while (true) {
    const auto comma = text.find(',');
    std::string_view item = trim(text.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

Result<bool> parse_bool(std::string_view text) {
  const std::string_view t = trim(text);
  if (t == "true" || t == "True" || t == "TRUE" || t == "1" || t == "t" || t == "T") return true;
  if (t == "false" || t == "False" || t == "FALSE" || t == "0" || t == "f" || t == "F") return false;
  return invalid_argument(quoted(text) + " is not a boolean: write 'true' or 'false'");
}

Result<CpuMemSpec> parse_cpu_mem_spec(std::string_view text) {
  const std::string_view t = trim(text);
  const auto dash = t.find('-');
  auto bad = [&] {
    return invalid_argument(quoted(text) +
                            " is not a size: write <cpu>-<memory>Gi such as 2-4Gi or 0.5-1Gi");
  };
  if (dash == std::string_view::npos) return bad();
  std::string_view mem = t.substr(dash + 1);
  if (mem.size() >= 2 && mem.substr(mem.size() - 2) == "Gi") {
    mem.remove_suffix(2);
  } else if (!mem.empty() && (mem.back() == 'G' || mem.back() == 'g')) {
    mem.remove_suffix(1);
  } else {
    return bad();
  }
  // 100000 cores and GiB are far above any catalogue; the cap only stops overflow.
  constexpr std::int64_t kCap = 100000;
  std::int64_t cpu = 0, mem_thousandths = 0;
  if (!parse_scaled(t.substr(0, dash), 3, kCap, cpu) || !parse_scaled(mem, 3, kCap, mem_thousandths)) {
    return bad();
  }
  // GiB in thousandths to MiB, rounding up: 1024 MiB per GiB.
  return CpuMemSpec{cpu, (mem_thousandths * 1024 + 999) / 1000};
}

}  // namespace kci::translate
