// Durations in Go/Kubernetes form ("500ms", "30s", "2m", "1h30m", "1.5s"), as scenario files,
// flags and configuration write them, parsed exactly (no floating point).
// Must not: accept bare numbers (ambiguous unit) or negative durations where none is meant.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace kci {

//! Parses a Go duration: one or more <number><unit> with units ns, us (or µs), ms, s, m, h;
//! "0" alone is accepted. Negative values are refused (nothing in kci-vk waits backwards).
//! Resolution is a microsecond; finer parts are rounded up.
Result<Duration> parse_duration(std::string_view text);
//! Go's String() form: "1h30m0s", "500ms", "1.5s", "0s".
std::string format_duration(Duration d);

}  // namespace kci
