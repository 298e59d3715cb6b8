// Quantity: a Kubernetes resource amount ("100m", "1.5Gi", "2e3"), parsed and printed
// exactly as k8s.io/apimachinery/pkg/api/resource does.
//
// The value is kept as an exact 128-bit integer count of nano-units (10^-9), so comparison
// and arithmetic never drift the way floating point would; 512 GiB in bytes and CPU in
// milli-cores fit with room to spare (the range is about 1.7e20 units). Amounts outside
// that range are refused with a message; amounts finer than a nano-unit are rounded up,
// as Kubernetes rounds sub-nano values up. Must not: allocate on comparison, depend on locale.
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

  //! Canonical text, as Kubernetes prints it ("0.5" -> "500m", "1024Mi" -> "1Gi").
  std::string to_string() const;

  //! The exact amount in nano-units.
  __int128 nano() const { return nano_; }
  //! Rounded up to whole milli-units (Kubernetes MilliValue).
  std::int64_t milli_value() const;
  //! Rounded up to whole units (Kubernetes Value).
  std::int64_t value() const;
  //! As a double, for reporting only (never for decisions).
  double as_double() const { return static_cast<double>(nano_) / 1e9; }
  Format format() const { return format_; }
  bool is_zero() const { return nano_ == 0; }

  //! Exact arithmetic; the result keeps the left operand's format.
  Quantity operator+(const Quantity& o) const;
  Quantity operator-(const Quantity& o) const;
  Quantity& operator+=(const Quantity& o);
  Quantity& operator-=(const Quantity& o);

  //! Ordering and equality by value only ("1Gi" == "1073741824").
  std::strong_ordering operator<=>(const Quantity& o) const { return nano_ <=> o.nano_; }
  bool operator==(const Quantity& o) const { return nano_ == o.nano_; }

 private:
  __int128 nano_ = 0;
  Format format_ = Format::kDecimalSI;
};

}  // namespace kci::k8s
