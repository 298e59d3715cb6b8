// Flag values shared by the commands: HOST:PORT addresses and non-negative numbers, each
// error naming the flag, the value and what is accepted.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <utility>

#include "core/result.h"

namespace kci::cli {

//! "HOST:PORT" ("[::1]:PORT" for IPv6) with a port in 0-65535 (0 = any free port).
inline Result<std::pair<std::string, std::uint16_t>> parse_host_port(const std::string& flag, const std::string& v) {
  const auto colon = v.rfind(':');
  std::string host = colon == std::string::npos ? std::string() : v.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  const std::string p = colon == std::string::npos ? std::string() : v.substr(colon + 1);
  const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
  if (host.empty() || p.empty() || ec != std::errc() || end != p.data() + p.size() || port > 65535)
    return invalid_argument(flag + " is \"" + v + "\"; expected HOST:PORT with a port in 0-65535");
  return std::pair<std::string, std::uint16_t>{host, static_cast<std::uint16_t>(port)};
}

//! A number >= 0.
inline Result<double> parse_non_negative(const std::string& flag, const std::string& v) {
  double d = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc() || p != v.data() + v.size() || d < 0)
    return invalid_argument(flag + " is \"" + v + "\"; expected a number >= 0");
  return d;
}

}  // namespace kci::cli
