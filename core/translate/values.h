// Parsers for the values users write in annotations and node settings: bandwidths
// ("100M"), decimal amounts ("0.5", "7.8"), comma lists ("sg-1, sg-2"), booleans and
// ECI size specs ("2-4Gi"). Each refusal names what it found and what is accepted.
// Must not: know any annotation key (callers prefix the key to the message); allocate
// more than the result; use regex (this is on the per-pod hot path).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kci::translate {

//! Kubernetes' bandwidth shaping accepts 1k..1P bit/s (pkg/util/bandwidth validateBandwidth).
inline constexpr std::int64_t kMinBandwidthBits = 1000;
//! See kMinBandwidthBits: 1 Pbit/s.
inline constexpr std::int64_t kMaxBandwidthBits = 1000LL * 1000 * 1000 * 1000 * 1000;

//! "100M" -> 100000000 bit/s. Units G, M, k (decimal, as seed 001 says; "K" and "m" too,
//! read as k and M); no unit means bit/s; a fraction is allowed ("1.5M").
Result<std::int64_t> parse_bandwidth(std::string_view text);

//! A non-negative decimal with at most 3 decimals exactly ("0.5" -> 500, "8" -> 8000,
//! "7.8" -> 7800); finer fractions round up. Refuses signs, units, exponents, empty text
//! and values above `max_units` whole units.
Result<std::int64_t> parse_thousandths(std::string_view text, std::int64_t max_units);

//! Splits on commas, trims spaces and tabs, drops empty items ("a, b,," -> {a, b}).
std::vector<std::string> split_list(std::string_view text);

//! "true" / "false" (also "True", "TRUE", "1", "0", as Go's strconv.ParseBool accepts).
Result<bool> parse_bool(std::string_view text);

//! An ECI spec: "2-4Gi" / "2-4G" / "0.5-1Gi" -> CPU milli and memory MiB; nullopt-like
//! error when the text is not of that shape.
struct CpuMemSpec {
  std::int64_t cpu_milli = 0;   //!< CPU in milli-cores
  std::int64_t memory_mib = 0;  //!< memory in MiB
};
//! Parses "<cpu>-<memory>Gi"; the error says what was found.
Result<CpuMemSpec> parse_cpu_mem_spec(std::string_view text);

//! Only digits, at least one (project ids, ports).
bool all_digits(std::string_view text);

//! Trims spaces and tabs on both ends.
std::string_view trim(std::string_view text);

}  // namespace kci::translate
