// Properties of Quantity: printing is canonical and parses back to the same amount; a
// quantity built from generated parts (sign, digits, fraction, suffix) has exactly the
// value a rational reference computed from those parts says, rounded up to a nano-unit;
// ordering agrees with that reference; addition and subtraction cancel.
#include "core/k8s/quantity.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace kci::k8s {
namespace {

using Format = Quantity::Format;
using i128 = __int128;

i128 pow10(int n) {
  i128 v = 1;
  while (n-- > 0) v *= 10;
  return v;
}

//! An amount in nano-units spread over the interesting scales: plain nano counts,
//! milli and whole units, powers of 1024, and values near the top of the range.
rc::Gen<i128> gen_nano() {
  return rc::gen::map(
      rc::gen::tuple(rc::gen::arbitrary<std::int64_t>(), rc::gen::inRange(0, 64),
                     rc::gen::inRange(0, 16), rc::gen::arbitrary<std::uint64_t>()),
      [](const std::tuple<std::int64_t, int, int, std::uint64_t>& t) -> i128 {
        const auto [raw, shift, kind, low] = t;
        // Shifting spreads magnitudes from 0 to 2^63.
        const std::int64_t mantissa = shift >= 63 ? raw % 2 : raw >> shift;
        i128 mult = 1;
        switch (kind) {
          case 0: case 1: case 2: mult = pow10(kind * 3); break;    // n, u, m
          case 3: case 4: mult = Quantity::kNanoPerUnit; break;     // units
          case 5: mult = pow10(kind + 7); break;                    // 10 units
          case 6: case 7: case 8: case 9: case 10: case 11:          // Ki .. Ei
            mult = Quantity::kNanoPerUnit << (10 * (kind - 5));
            break;
          case 12:  // a full-width 128-bit value, masked into range
            return static_cast<i128>((static_cast<unsigned __int128>(static_cast<std::uint64_t>(raw)) << 63) |
                                     (low >> 1)) * (raw < 0 ? -1 : 1);
          default: mult = pow10(kind - 12); break;
        }
        i128 out = 0;
        if (__builtin_mul_overflow(static_cast<i128>(mantissa), mult, &out)) return mantissa;
        if (out > Quantity::kMaxNano || out < -Quantity::kMaxNano) return mantissa;
        return out;
      });
}

rc::Gen<Format> gen_format() {
  return rc::gen::element(Format::kDecimalSI, Format::kBinarySI, Format::kDecimalExponent);
}

//! A quantity whose printed form parses back to the same amount: binary SI is kept within
//! Kubernetes' parse cap (MaxInt64 units), which "8Ei" would otherwise hit.
Quantity gen_quantity() {
  auto nano = *gen_nano();
  const auto format = *gen_format();
  if (format == Format::kBinarySI) {
    if (nano > Quantity::kBinaryCapNano) nano = Quantity::kBinaryCapNano;
    if (nano < -Quantity::kBinaryCapNano) nano = -Quantity::kBinaryCapNano;
  }
  return *Quantity::from_nano(nano, format);
}

RC_GTEST_PROP(QuantityProp, PrintParsesBackAndIsCanonical, ()) {
  const auto q = gen_quantity();
  const auto text = q.to_string();
  const auto back = Quantity::parse(text);
  RC_ASSERT(back.ok());
  RC_ASSERT(back->nano() == q.nano());
  // Canonical: printing the parsed text gives the same text, except where Kubernetes
  // itself changes family (a binary amount printed without a binary suffix, such as
  // "2000", parses as decimal SI and prints "2k"); from there on it is stable.
  const auto text2 = back->to_string();
  if (back->format() == q.format()) RC_ASSERT(text2 == text);
  const auto back2 = Quantity::parse(text2);
  RC_ASSERT(back2.ok());
  RC_ASSERT(back2->nano() == q.nano());
  RC_ASSERT(back2->to_string() == text2);
}

RC_GTEST_PROP(QuantityProp, AddThenSubtractCancels, ()) {
  const auto a = *Quantity::from_nano(*gen_nano() / 2, *gen_format());
  const auto b = *Quantity::from_nano(*gen_nano() / 2, *gen_format());
  RC_ASSERT((a + b - b).nano() == a.nano());
  RC_ASSERT((a + b).nano() == (b + a).nano());
  RC_ASSERT((a - b).nano() == (-(b - a)).nano());
  auto c = a;
  c += b;
  c -= b;
  RC_ASSERT(c == a);
}

//! A quantity written from parts, with its exact value (after the binary cap) as a
//! rational num/den in units.
struct Written {
  std::string text;
  i128 num = 0;  // signed numerator
  i128 den = 1;  // positive denominator
  Format format = Format::kDecimalSI;
  bool binary = false;
};

struct SuffixSpec {
  const char* text;
  int exp10;  // power of ten
  int exp2;   // power of two
  Format format;
};

// Sizes stay small enough that cross-multiplying two references fits 128 bits:
// |num| < 1e7 * 2^60 and den <= 1e3 * 1e9, so num * den < 1.2e37.
const std::vector<SuffixSpec>& suffixes() {
  static const std::vector<SuffixSpec> kSuffixes = {
      {"n", -9, 0, Format::kDecimalSI},  {"u", -6, 0, Format::kDecimalSI},
      {"m", -3, 0, Format::kDecimalSI},  {"", 0, 0, Format::kDecimalSI},
      {"k", 3, 0, Format::kDecimalSI},   {"M", 6, 0, Format::kDecimalSI},
      {"G", 9, 0, Format::kDecimalSI},   {"T", 12, 0, Format::kDecimalSI},
      {"P", 15, 0, Format::kDecimalSI},  {"E", 18, 0, Format::kDecimalSI},
      {"Ki", 0, 10, Format::kBinarySI},  {"Mi", 0, 20, Format::kBinarySI},
      {"Gi", 0, 30, Format::kBinarySI},  {"Ti", 0, 40, Format::kBinarySI},
      {"Pi", 0, 50, Format::kBinarySI},  {"Ei", 0, 60, Format::kBinarySI},
      {"e-9", -9, 0, Format::kDecimalExponent}, {"e-4", -4, 0, Format::kDecimalExponent},
      {"e-1", -1, 0, Format::kDecimalExponent}, {"e0", 0, 0, Format::kDecimalExponent},
      {"e2", 2, 0, Format::kDecimalExponent},   {"E+5", 5, 0, Format::kDecimalExponent},
      {"e15", 15, 0, Format::kDecimalExponent},
  };
  return kSuffixes;
}

Written gen_written() {
  Written w;
  const bool negative = *rc::gen::arbitrary<bool>();
  const int sign_style = *rc::gen::inRange(0, 3);  // none, '-', '+'
  const auto integer = *rc::gen::inRange<std::int64_t>(0, 10'000);
  const int frac_len = *rc::gen::inRange(0, 4);
  const auto frac = *rc::gen::inRange<std::int64_t>(0, static_cast<std::int64_t>(pow10(frac_len)));
  const bool omit_integer = integer == 0 && frac_len > 0 && *rc::gen::arbitrary<bool>();
  const SuffixSpec spec = *rc::gen::elementOf(suffixes());

  std::string frac_text = std::to_string(frac);
  while (static_cast<int>(frac_text.size()) < frac_len) frac_text.insert(0, "0");
  if (negative) w.text += '-';
  else if (sign_style == 2) w.text += '+';
  if (!omit_integer) w.text += std::to_string(integer);
  if (frac_len > 0) w.text += "." + frac_text;
  w.text += spec.text;

  i128 magnitude = static_cast<i128>(integer) * pow10(frac_len) + frac;
  w.den = pow10(frac_len);
  if (spec.exp10 >= 0) magnitude *= pow10(spec.exp10);
  else w.den *= pow10(-spec.exp10);
  magnitude <<= spec.exp2;
  w.binary = spec.exp2 > 0;
  // ParseQuantity caps binary SI at MaxInt64 units: the reference is the capped amount
  // (this is what makes a huge "Ei" compare below a smaller "E", as in Kubernetes).
  if (w.binary && magnitude > static_cast<i128>(INT64_MAX) * w.den) {
    magnitude = INT64_MAX;
    w.den = 1;
  }
  w.num = negative ? -magnitude : magnitude;
  w.format = spec.format;
  return w;
}

//! ceil(|num| / den * scale) with num's sign: Kubernetes rounds magnitudes up.
i128 round_away(i128 num, i128 den, i128 scale) {
  const i128 mag = num < 0 ? -num : num;
  i128 q = mag * scale / den;
  if (mag * scale % den != 0) ++q;
  return num < 0 ? -q : q;
}

std::int64_t clamp64(i128 v) {
  if (v > INT64_MAX) return INT64_MAX;
  if (v < INT64_MIN) return INT64_MIN;
  return static_cast<std::int64_t>(v);
}

i128 reference_nano(const Written& w) { return round_away(w.num, w.den, Quantity::kNanoPerUnit); }

RC_GTEST_PROP(QuantityProp, ParsedValueMatchesRationalReference, ()) {
  const auto w = gen_written();
  const auto q = Quantity::parse(w.text);
  RC_ASSERT(q.ok());
  const i128 expect = reference_nano(w);
  RC_ASSERT(q->nano() == expect);
  // Format: the suffix's family, except a binary amount strictly between -1 and 1.
  const bool below_one = expect != 0 && expect > -Quantity::kNanoPerUnit &&
                         expect < Quantity::kNanoPerUnit;
  const auto expect_format = (w.format == Format::kBinarySI && below_one) ? Format::kDecimalSI : w.format;
  RC_ASSERT(q->format() == expect_format);
  // Value / MilliValue round away from zero from the exact amount, saturating at the
  // int64 limits.
  RC_ASSERT(q->value() == clamp64(round_away(w.num, w.den, 1)));
  RC_ASSERT(q->milli_value() == clamp64(round_away(w.num, w.den, 1000)));
  // Printing is canonical: the printed text parses to the same amount, and prints the
  // same unless the family changed (see PrintParsesBackAndIsCanonical).
  const auto text = q->to_string();
  const auto back = Quantity::parse(text);
  RC_ASSERT(back.ok());
  RC_ASSERT(back->nano() == q->nano());
  if (back->format() == q->format()) RC_ASSERT(back->to_string() == text);
  const auto back2 = Quantity::parse(back->to_string());
  RC_ASSERT(back2.ok());
  RC_ASSERT(back2->to_string() == back->to_string());
}

RC_GTEST_PROP(QuantityProp, OrderingAgreesWithExactValue, ()) {
  const auto a = gen_written();
  const auto b = gen_written();
  const auto qa = *Quantity::parse(a.text);
  const auto qb = *Quantity::parse(b.text);
  // Rounding up to a nano-unit (and the binary cap) is monotone: it can merge two amounts
  // but never reverse them.
  const i128 lhs = a.num * b.den;
  const i128 rhs = b.num * a.den;
  if (lhs < rhs) RC_ASSERT(qa <= qb);
  if (lhs > rhs) RC_ASSERT(qa >= qb);
  if (lhs == rhs) RC_ASSERT(qa == qb);
  if (qa < qb) RC_ASSERT(lhs < rhs);
  RC_ASSERT((qa <=> qb) == (qa.nano() <=> qb.nano()));
}

}  // namespace
}  // namespace kci::k8s
