// Quantity: a Kubernetes resource amount ("100m", "1.5Gi", "2e3"), parsed and printed
// exactly as k8s.io/apimachinery/pkg/api/resource does.
//
// The value is kept as an exact 128-bit integer count of nano-units (10^-9), so comparison
// and arithmetic never drift the way floating point would; 512 GiB in bytes and CPU in
// milli-cores fit with room to spare (the range is 2^127-1 nano-units, about 1.7e29
// units). Amounts outside
// that range are refused with a message; amounts finer than a nano-unit are rounded up,
// as Kubernetes rounds sub-nano values up. Must not: allocate on comparison, depend on locale.
//
// Kubernetes behaviours kept on purpose, because the real API server has them:
//   - binary-SI amounts are capped at 2^63-1 units on parse ("8Ei" -> 9223372036854775807);
//   - a binary-SI amount between -1 and 1 becomes decimal SI on parse, and one that is
//     not a whole number of units or is below 1024 in magnitude prints as decimal SI;
//   - text with no digits but an otherwise valid shape ("-", ".", "k", "Mi") parses as 0;
//   - an exponent is read as int64 and kept as int32, so "1e4294967296" is 1;
//   - surrounding whitespace is refused (the JSON hook trims it first, as
//     Quantity.UnmarshalJSON does).
// Printing a binary-SI amount that is whole but not a multiple of 1024 gives plain digits
// ("2000"), which parse back as decimal SI and then print as "2k": the same in Kubernetes.
// Differences: Kubernetes sometimes keeps the input text for printing ("+1", "1.100"
// print as typed); here printing is always the canonical form ("1", "1100m"). And past
// "Ei" (2^70 units and up, reachable only by arithmetic) Kubernetes drops the suffix and
// prints a wrong amount; here the count goes on in Ei ("1024Ei").
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace kci::k8s {

class Quantity {
 public:
  //! How the amount was written; printing keeps the family (as Kubernetes does).
  enum class Format { kDecimalSI, kBinarySI, kDecimalExponent };

  //! Nano-units per unit: the value is stored in units of 10^-9, Kubernetes' finest scale.
  static constexpr __int128 kNanoPerUnit = 1'000'000'000;
  //! The largest magnitude kept, in nano-units (2^127 - 1, the top of a signed 128-bit
  //! integer); parse refuses more, arithmetic saturates here.
  static constexpr __int128 kMaxNano =
      static_cast<__int128>((static_cast<unsigned __int128>(1) << 127) - 1);
  //! Kubernetes caps binary-SI amounts at MaxInt64 units on parse (its maxAllowed).
  static constexpr __int128 kBinaryCapNano = static_cast<__int128>(INT64_MAX) * kNanoPerUnit;

  Quantity() = default;

  //! Parses the Kubernetes quantity grammar: optional sign, digits with an optional
  //! fraction, then a suffix: binary (Ki Mi Gi Ti Pi Ei), decimal (n u m "" k M G T P E)
  //! or an exponent (e3, E-2). Errors name the text and what is accepted.
  static Result<Quantity> parse(std::string_view text);

  //! From whole units (4 -> "4") and from milli-units (500 -> "500m").
  static Quantity from_units(std::int64_t units, Format format = Format::kDecimalSI);
  static Quantity from_milli(std::int64_t milli, Format format = Format::kDecimalSI);
  //! From a count of bytes printed in binary SI when it divides evenly ("1Gi").
  static Quantity from_bytes(std::int64_t bytes);
  //! From an exact count of nano-units; refused when the magnitude exceeds kMaxNano.
  static Result<Quantity> from_nano(__int128 nano, Format format = Format::kDecimalSI);

  //! Canonical text, as Kubernetes prints it ("0.5" -> "500m", "1024Mi" -> "1Gi").
  std::string to_string() const;

  //! The exact amount in nano-units.
  __int128 nano() const { return nano_; }
  //! Rounded up, away from zero, to whole milli-units (Kubernetes MilliValue);
  //! saturates at the int64 limits where Kubernetes would overflow.
  std::int64_t milli_value() const;
  //! Rounded up, away from zero, to whole units (Kubernetes Value); saturates likewise.
  std::int64_t value() const;
  //! As a double, for reporting only (never for decisions).
  double as_double() const { return static_cast<double>(nano_) / 1e9; }
  Format format() const { return format_; }
  bool is_zero() const { return nano_ == 0; }
  //! True when the amount is below zero.
  bool is_negative() const { return nano_ < 0; }

  //! Exact arithmetic; the result keeps the left operand's format, except that a zero
  //! left operand takes the right one's (as Kubernetes Add/Sub do). Saturates at
  //! +-kMaxNano instead of overflowing.
  Quantity operator+(const Quantity& o) const;
  Quantity operator-(const Quantity& o) const;
  Quantity& operator+=(const Quantity& o);
  Quantity& operator-=(const Quantity& o);
  //! The negated amount, same format (Kubernetes Neg).
  Quantity operator-() const;

  //! Ordering and equality by value only ("1Gi" == "1073741824").
  std::strong_ordering operator<=>(const Quantity& o) const { return nano_ <=> o.nano_; }
  bool operator==(const Quantity& o) const { return nano_ == o.nano_; }

 private:
  __int128 nano_ = 0;
  Format format_ = Format::kDecimalSI;
};

//! Decimal text of a 128-bit integer ("-170141183460469231731687303715884105727"), for
//! messages and tests: the standard library has no formatter for __int128.
std::string int128_to_string(__int128 v);

}  // namespace kci::k8s
