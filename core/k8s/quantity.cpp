// Quantity parsing and printing. The grammar and the printing rules follow
// k8s.io/apimachinery/pkg/api/resource (parseQuantityString, ParseQuantity,
// CanonicalizeBytes); the arithmetic is our own exact 128-bit nano-unit integer.
#include "core/k8s/quantity.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace kci::k8s {
namespace {

using u128 = unsigned __int128;
using i128 = __int128;
using Format = Quantity::Format;

constexpr std::string_view kAcceptedSuffixes =
    "(accepted: n u m k M G T P E Ki Mi Gi Ti Pi Ei or an exponent such as e3)";
constexpr std::string_view kAcceptedShape =
    "(accepted: an optional sign, digits with an optional fraction and a suffix, "
    "such as 100m, 1.5Gi or 2e3)";

//! Binary-SI amounts below this magnitude print as decimal SI (CanonicalizeBytes: -1024 < q < 1024).
constexpr i128 kBinaryPrintFloorNano = 1024 * Quantity::kNanoPerUnit;

// ---------------------------------------------------------------------------------------
// Messages

bool is_digit(char c) { return c >= '0' && c <= '9'; }

//! The text as it may appear in a message: printable ASCII kept, other bytes as \xNN,
//! and cut after 64 bytes so a huge input does not make a huge message.
std::string quoted(std::string_view text) {
  // 64 bytes is far more than any real quantity and keeps events readable.
  constexpr std::size_t kMaxShown = 64;
  std::string out = "\"";
  const std::size_t n = text.size() < kMaxShown ? text.size() : kMaxShown;
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  if (text.size() > kMaxShown) out += "...";
  out += '"';
  return out;
}

Error refuse(std::string_view text, std::string_view what) {
  std::string msg = "quantity ";
  msg += quoted(text);
  msg += ": ";
  msg += what;
  return invalid_argument(std::move(msg));
}

// ---------------------------------------------------------------------------------------
// Scanning: the shape ^[+-]?[0-9]*(\.[0-9]*)?[eEinumkKMGTP]*[+-]?[0-9]*$, exactly as
// parseQuantityString walks it (leading zeros of the integer part dropped).

struct Scanned {
  bool negative = false;
  std::string_view num;     //!< integer digits without leading zeros (may be empty)
  std::string_view denom;   //!< fraction digits (may be empty)
  std::string_view suffix;  //!< everything after the number
  bool shape_ok = true;     //!< false: a byte outside the shape follows the suffix letters
};

Scanned scan(std::string_view s) {
  Scanned out;
  std::size_t pos = 0;
  const std::size_t end = s.size();
  if (pos < end && (s[pos] == '-' || s[pos] == '+')) {
    out.negative = s[pos] == '-';
    ++pos;
  }
  while (pos < end && s[pos] == '0') ++pos;
  const std::size_t num_start = pos;
  while (pos < end && is_digit(s[pos])) ++pos;
  out.num = s.substr(num_start, pos - num_start);
  if (pos < end && s[pos] == '.') {
    ++pos;
    const std::size_t denom_start = pos;
    while (pos < end && is_digit(s[pos])) ++pos;
    out.denom = s.substr(denom_start, pos - denom_start);
  }
  const std::size_t suffix_start = pos;
  static constexpr std::string_view kSuffixLetters = "eEinumkKMGTP";
  while (pos < end && kSuffixLetters.find(s[pos]) != std::string_view::npos) ++pos;
  if (pos < end && (s[pos] == '-' || s[pos] == '+')) ++pos;
  while (pos < end && is_digit(s[pos])) ++pos;
  out.suffix = s.substr(suffix_start);
  out.shape_ok = pos == end;
  return out;
}

struct Suffix {
  Format format = Format::kDecimalSI;
  std::int64_t exp10 = 0;  //!< power of ten the number is multiplied by
  int exp2 = 0;            //!< power of two the number is multiplied by (binary SI)
};

enum class SuffixError { kNone, kUnknown, kExponentRange };

//! strconv.ParseInt(text, 10, 64): an optional sign and at least one digit, no overflow.
SuffixError parse_exponent(std::string_view text, std::int64_t& out) {
  bool negative = false;
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    negative = text[i] == '-';
    ++i;
  }
  if (i == text.size()) return SuffixError::kUnknown;
  // Accumulate as a negative number so that INT64_MIN itself is reachable.
  std::int64_t acc = 0;
  for (; i < text.size(); ++i) {
    if (!is_digit(text[i])) return SuffixError::kUnknown;
    const int d = text[i] - '0';
    if (acc < (INT64_MIN + d) / 10) return SuffixError::kExponentRange;
    acc = acc * 10 - d;
  }
  if (!negative) {
    if (acc == INT64_MIN) return SuffixError::kExponentRange;
    acc = -acc;
  }
  out = acc;
  return SuffixError::kNone;
}

SuffixError interpret_suffix(std::string_view s, Suffix& out) {
  struct Entry {
    std::string_view text;
    Format format;
    std::int64_t exp10;
    int exp2;
  };
  static constexpr std::array<Entry, 16> kTable{{
      {"", Format::kDecimalSI, 0, 0},
      {"n", Format::kDecimalSI, -9, 0},
      {"u", Format::kDecimalSI, -6, 0},
      {"m", Format::kDecimalSI, -3, 0},
      {"k", Format::kDecimalSI, 3, 0},
      {"M", Format::kDecimalSI, 6, 0},
      {"G", Format::kDecimalSI, 9, 0},
      {"T", Format::kDecimalSI, 12, 0},
      {"P", Format::kDecimalSI, 15, 0},
      {"E", Format::kDecimalSI, 18, 0},
      {"Ki", Format::kBinarySI, 0, 10},
      {"Mi", Format::kBinarySI, 0, 20},
      {"Gi", Format::kBinarySI, 0, 30},
      {"Ti", Format::kBinarySI, 0, 40},
      {"Pi", Format::kBinarySI, 0, 50},
      {"Ei", Format::kBinarySI, 0, 60},
  }};
  for (const auto& e : kTable) {
    if (e.text == s) {
      out = Suffix{e.format, e.exp10, e.exp2};
      return SuffixError::kNone;
    }
  }
  // Decimal SI is looked up first, so a lone "E" is exa; "e"/"E" followed by an integer
  // is an exponent.
  if (s.size() > 1 && (s[0] == 'e' || s[0] == 'E')) {
    std::int64_t exp = 0;
    const auto err = parse_exponent(s.substr(1), exp);
    if (err != SuffixError::kNone) return err;
    // Kubernetes keeps the exponent as int32(parsed): a wider one wraps, so do the same.
    out = Suffix{Format::kDecimalExponent, static_cast<std::int32_t>(exp), 0};
    return SuffixError::kNone;
  }
  return SuffixError::kUnknown;
}

// ---------------------------------------------------------------------------------------
// Exact magnitude: a small fixed-width unsigned integer for the rare inputs whose digits
// do not fit 128 bits on the way to nano-units.

class Wide {
 public:
  explicit Wide(std::uint32_t v = 0) {
    if (v != 0) {
      limbs_[0] = v;
      used_ = 1;
    }
  }
  //! this = this * m + a.
  void mul_add(std::uint32_t m, std::uint32_t a) {
    std::uint64_t carry = a;
    for (int i = 0; i < used_; ++i) {
      const std::uint64_t p = static_cast<std::uint64_t>(limbs_[i]) * m + carry;
      limbs_[i] = static_cast<std::uint32_t>(p);
      carry = p >> 32;
    }
    if (carry != 0) {
      if (used_ == kLimbs) {
        overflow_ = true;
        return;
      }
      limbs_[used_++] = static_cast<std::uint32_t>(carry);
    }
  }
  //! this = this / d; returns the remainder.
  std::uint32_t div(std::uint32_t d) {
    std::uint64_t rem = 0;
    for (int i = used_ - 1; i >= 0; --i) {
      const std::uint64_t cur = (rem << 32) | limbs_[i];
      limbs_[i] = static_cast<std::uint32_t>(cur / d);
      rem = cur % d;
    }
    while (used_ > 0 && limbs_[used_ - 1] == 0) --used_;
    return static_cast<std::uint32_t>(rem);
  }
  void add_one() { mul_add(1, 1); }
  bool overflow() const { return overflow_; }
  //! The value when it fits 128 bits.
  bool to_u128(u128& out) const {
    if (overflow_ || used_ > 4) return false;
    out = 0;
    for (int i = used_ - 1; i >= 0; --i) out = (out << 32) | limbs_[i];
    return true;
  }

 private:
  // 16 x 32 bits: the parser's largest intermediate is below 2^426 (see nano_magnitude).
  static constexpr int kLimbs = 16;
  std::array<std::uint32_t, kLimbs> limbs_{};
  int used_ = 0;
  bool overflow_ = false;
};

//! The largest number of integer digits worth computing: anything longer exceeds both
//! kMaxNano (about 1.7e29 units, 30 digits) and the binary cap (about 9.2e18 units).
constexpr i128 kMaxIntegerDigits = 40;

enum class Magnitude { kOk, kTooLarge };

//! ceil(|digits| * 10^exp10 * 2^exp2 * 10^9) with digits = num followed by denom and
//! exp10 already shifted by the fraction length. Exact: digits below 10^-(9 + exp2) units
//! cannot change the rounded result except through "some are non-zero", so they are
//! replaced by a single sticky 1 (every whole nano-unit is then a multiple of the step
//! between truncated values, so no integer lies strictly between two of them).
Magnitude nano_magnitude(std::string_view num, std::string_view denom, i128 exp10, int exp2,
                         u128& out) {
  // The digit sequence is num then denom; find its first and last non-zero digits.
  const std::size_t total = num.size() + denom.size();
  auto digit_at = [&](std::size_t i) -> char {
    return i < num.size() ? num[i] : denom[i - num.size()];
  };
  std::size_t first = 0;
  while (first < total && digit_at(first) == '0') ++first;
  if (first == total) {
    out = 0;
    return Magnitude::kOk;
  }
  std::size_t last = total;  // one past the last non-zero digit
  while (digit_at(last - 1) == '0') --last;
  // Value = D * 10^e with D = digits [first, last).
  const i128 length = static_cast<i128>(last - first);
  const i128 e = exp10 + static_cast<i128>(total - last);
  if (length + e > kMaxIntegerDigits) return Magnitude::kTooLarge;

  const i128 q = 9 + exp2;  // finest digit position (10^-q units) that can matter
  std::size_t keep_end = last;
  bool sticky = false;
  i128 f = e;  // exponent of the last kept digit
  if (e < -q) {
    const i128 keep = length + e + q;  // digits at positions >= -q
    keep_end = keep > 0 ? first + static_cast<std::size_t>(keep) : first;
    sticky = true;
    f = -q - 1;
  }

  Wide w;
  for (std::size_t i = first; i < keep_end; ++i) {
    w.mul_add(10, static_cast<std::uint32_t>(digit_at(i) - '0'));
  }
  if (sticky) w.mul_add(10, 1);
  for (int left = exp2; left > 0;) {
    const int step = left < 30 ? left : 30;
    w.mul_add(static_cast<std::uint32_t>(1) << step, 0);
    left -= step;
  }
  i128 s = f + 9;
  bool inexact = false;
  // 10^9 is the largest power of ten that fits a 32-bit limb multiplier.
  constexpr std::uint32_t kBillion = 1'000'000'000;
  while (s >= 9) {
    w.mul_add(kBillion, 0);
    s -= 9;
  }
  std::uint32_t pow = 1;
  for (; s > 0; --s) pow *= 10;
  if (pow != 1) w.mul_add(pow, 0);
  while (s <= -9) {
    inexact |= w.div(kBillion) != 0;
    s += 9;
  }
  pow = 1;
  for (; s < 0; ++s) pow *= 10;
  if (pow != 1) inexact |= w.div(pow) != 0;
  if (inexact) w.add_one();
  if (!w.to_u128(out)) return Magnitude::kTooLarge;
  return Magnitude::kOk;
}

i128 saturate(i128 v) {
  if (v > Quantity::kMaxNano) return Quantity::kMaxNano;
  if (v < -Quantity::kMaxNano) return -Quantity::kMaxNano;
  return v;
}

i128 saturating_add(i128 a, i128 b) {
  i128 r = 0;
  if (__builtin_add_overflow(a, b, &r)) return a > 0 ? Quantity::kMaxNano : -Quantity::kMaxNano;
  return saturate(r);
}

i128 saturating_sub(i128 a, i128 b) {
  i128 r = 0;
  if (__builtin_sub_overflow(a, b, &r)) return a > 0 ? Quantity::kMaxNano : -Quantity::kMaxNano;
  return saturate(r);
}

//! Appends the decimal digits of v to out.
void append_int(std::string& out, i128 v) {
  char buf[48];  // 2^127 has 39 digits; room for the sign
  int n = 0;
  u128 mag = v < 0 ? static_cast<u128>(0) - static_cast<u128>(v) : static_cast<u128>(v);
  while (mag > UINT64_MAX) {
    buf[n++] = static_cast<char>('0' + static_cast<int>(mag % 10));
    mag /= 10;
  }
  // The rest in 64 bits: 128-bit division is a slow library call.
  auto small = static_cast<std::uint64_t>(mag);
  do {
    buf[n++] = static_cast<char>('0' + static_cast<int>(small % 10));
    small /= 10;
  } while (small != 0);
  if (v < 0) out += '-';
  while (n > 0) out += buf[--n];
}

//! ceil(|nano| / divisor) with the sign of nano, saturated to int64.
std::int64_t round_away(i128 nano, i128 divisor) {
  i128 q = nano / divisor;
  const i128 r = nano % divisor;
  if (r > 0) ++q;
  if (r < 0) --q;
  if (q > INT64_MAX) return INT64_MAX;
  if (q < INT64_MIN) return INT64_MIN;
  return static_cast<std::int64_t>(q);
}

}  // namespace

std::string int128_to_string(__int128 v) {
  std::string out;
  append_int(out, v);
  return out;
}

Result<Quantity> Quantity::parse(std::string_view text) {
  if (text.empty()) return refuse(text, std::string("empty ") + std::string(kAcceptedShape));
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
      return refuse(text, std::string("contains whitespace ") + std::string(kAcceptedShape));
    }
  }
  Quantity q;
  if (text == "0") return q;

  const Scanned sc = scan(text);
  Suffix suffix;
  const SuffixError se = sc.shape_ok ? interpret_suffix(sc.suffix, suffix) : SuffixError::kUnknown;
  if (se == SuffixError::kExponentRange) {
    return refuse(text, "exponent " + quoted(sc.suffix.substr(1)) +
                            " out of range (accepted: a 64-bit integer such as e3 or e-9)");
  }
  if (se != SuffixError::kNone) {
    return refuse(text, "unknown suffix " + quoted(sc.suffix) + " " + std::string(kAcceptedSuffixes));
  }

  u128 mag = 0;
  const i128 exp10 = static_cast<i128>(suffix.exp10) - static_cast<i128>(sc.denom.size());
  const bool too_large =
      nano_magnitude(sc.num, sc.denom, exp10, suffix.exp2, mag) == Magnitude::kTooLarge;
  Format format = suffix.format;
  if (format == Format::kBinarySI) {
    // ParseQuantity caps binary-SI amounts at MaxInt64 units ...
    if (too_large || mag > static_cast<u128>(kBinaryCapNano)) mag = static_cast<u128>(kBinaryCapNano);
    // ... and calls an amount strictly between 0 and 1 decimal SI.
    if (mag > 0 && mag < static_cast<u128>(kNanoPerUnit)) format = Format::kDecimalSI;
  } else if (too_large || mag > static_cast<u128>(kMaxNano)) {
    return refuse(text, "out of range (accepted: magnitudes up to " + int128_to_string(kMaxNano) +
                            "n, about 1.7e29)");
  }
  q.nano_ = sc.negative ? -static_cast<i128>(mag) : static_cast<i128>(mag);
  q.format_ = format;
  return q;
}

Quantity Quantity::from_units(std::int64_t units, Format format) {
  Quantity q;
  q.nano_ = static_cast<i128>(units) * kNanoPerUnit;
  q.format_ = format;
  return q;
}

Quantity Quantity::from_milli(std::int64_t milli, Format format) {
  // A milli-unit is 10^6 nano-units.
  constexpr i128 kNanoPerMilli = 1'000'000;
  Quantity q;
  q.nano_ = static_cast<i128>(milli) * kNanoPerMilli;
  q.format_ = format;
  return q;
}

Quantity Quantity::from_bytes(std::int64_t bytes) { return from_units(bytes, Format::kBinarySI); }

Result<Quantity> Quantity::from_nano(__int128 nano, Format format) {
  if (nano > kMaxNano || nano < -kMaxNano) {
    return invalid_argument("quantity of " + int128_to_string(nano) +
                            " nano-units out of range (accepted: magnitudes up to " +
                            int128_to_string(kMaxNano) + ")");
  }
  Quantity q;
  q.nano_ = nano;
  q.format_ = format;
  return q;
}

std::string Quantity::to_string() const {
  if (nano_ == 0) return "0";
  Format format = format_;
  if (format == Format::kBinarySI) {
    // CanonicalizeBytes: below 1024 in magnitude, or not whole, binary SI prints as decimal.
    if ((nano_ > -kBinaryPrintFloorNano && nano_ < kBinaryPrintFloorNano) ||
        nano_ % kNanoPerUnit != 0) {
      format = Format::kDecimalSI;
    }
  }
  std::string out;
  out.reserve(24);
  if (format == Format::kBinarySI) {
    static constexpr std::array<std::string_view, 7> kBinary{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    i128 units = nano_ / kNanoPerUnit;
    std::size_t steps = 0;
    // Kubernetes has no suffix past Ei; larger binary amounts (reachable only by
    // arithmetic, as parse caps them) keep counting in Ei instead of losing the suffix.
    while (units % 1024 == 0 && steps + 1 < kBinary.size()) {
      units /= 1024;
      ++steps;
    }
    append_int(out, units);
    out += kBinary[steps];
    return out;
  }
  // Decimal: move every factor of ten into the exponent, then lower the exponent to a
  // multiple of three (AsCanonicalBytes).
  i128 mantissa = nano_;
  int exponent = -9;
  if (mantissa >= INT64_MIN && mantissa <= INT64_MAX) {
    // The common case, in 64 bits: 128-bit division is a slow library call.
    auto small = static_cast<std::int64_t>(mantissa);
    while (small % 10 == 0) {
      small /= 10;
      ++exponent;
    }
    mantissa = small;
  } else {
    while (mantissa % 10 == 0) {
      mantissa /= 10;
      ++exponent;
    }
  }
  while (exponent % 3 != 0) {
    mantissa *= 10;
    --exponent;
  }
  append_int(out, mantissa);
  static constexpr std::array<std::string_view, 10> kDecimal{"n", "u", "m", "", "k",
                                                             "M", "G", "T", "P", "E"};
  if (format == Format::kDecimalSI && exponent >= -9 && exponent <= 18) {
    out += kDecimal[static_cast<std::size_t>((exponent + 9) / 3)];
  } else if (exponent != 0) {
    // Decimal exponent form; also Kubernetes' fallback for decimal SI beyond "E".
    out += 'e';
    out += std::to_string(exponent);
  }
  return out;
}

std::int64_t Quantity::milli_value() const {
  // A milli-unit is 10^6 nano-units.
  return round_away(nano_, 1'000'000);
}

std::int64_t Quantity::value() const { return round_away(nano_, kNanoPerUnit); }

Quantity Quantity::operator+(const Quantity& o) const {
  Quantity r = *this;
  r += o;
  return r;
}

Quantity Quantity::operator-(const Quantity& o) const {
  Quantity r = *this;
  r -= o;
  return r;
}

Quantity& Quantity::operator+=(const Quantity& o) {
  if (nano_ == 0) format_ = o.format_;
  nano_ = saturating_add(nano_, o.nano_);
  return *this;
}

Quantity& Quantity::operator-=(const Quantity& o) {
  if (nano_ == 0) format_ = o.format_;
  nano_ = saturating_sub(nano_, o.nano_);
  return *this;
}

Quantity Quantity::operator-() const {
  Quantity r = *this;
  r.nano_ = -nano_;  // never overflows: |nano_| <= kMaxNano
  return r;
}

}  // namespace kci::k8s
