// AWS Signature Version 4 as Kingsoft uses it, unchanged: signing (the client) and
// verification (the fake's HTTP face), plus the Authorization header's grammar.
//
// HMAC-SHA256 and SHA-256 are pure functions (OpenSSL libcrypto); the time of the request
// is a parameter, never read from a clock. Parsing outside headers never throws.
// Must not: read clocks, hold secrets beyond a call, know about KCI actions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace kci::kcicloud::sigv4 {

//! The only algorithm accepted.
inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

//! Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);
//! Raw HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256(std::string_view key, std::string_view data);
//! Lower-case hex of raw bytes.
std::string hex(std::string_view bytes);

//! What a signature covers.
struct Request {
  std::string method;  //!< GET | POST
  std::string path;    //!< "/" for KCI
  std::string canonical_query;  //!< already canonical (see form.h canonical_query)
  std::vector<std::pair<std::string, std::string>> headers;  //!< name (any case), value
  std::string body;    //!< payload (hashed)
};

//! The scope of a credential: date (YYYYMMDD), region, service.
struct Scope {
  std::string date;     //!< YYYYMMDD
  std::string region;   //!< e.g. cn-beijing-6
  std::string service;  //!< "kci"
  bool operator==(const Scope&) const = default;
};

//! The canonical request for `req`, signing the headers named in `signed_headers`
//! (lower-case, ';'-separated, sorted). Values are trimmed and inner spaces collapsed.
std::string canonical_request(const Request& req, std::string_view signed_headers);
//! The string to sign for a canonical request at `amz_date` (YYYYMMDDTHHMMSSZ).
std::string string_to_sign(std::string_view amz_date, const Scope& scope, std::string_view canonical_request);
//! The signing key: HMAC chain "AWS4"+secret -> date -> region -> service -> "aws4_request".
std::string signing_key(std::string_view secret, const Scope& scope);
//! The hex signature of `req`.
std::string signature(const Request& req, std::string_view signed_headers, std::string_view amz_date,
                      const Scope& scope, std::string_view secret);
//! The sorted, ';'-joined lower-case names of every header in `req`.
std::string all_signed_headers(const Request& req);

//! A parsed Authorization header.
struct Authorization {
  std::string access_key_id;   //!< Credential's first part
  Scope scope;                 //!< Credential's date/region/service
  std::string signed_headers;  //!< SignedHeaders
  std::string signature;       //!< Signature (hex)
  bool operator==(const Authorization&) const = default;
};
//! Builds `AWS4-HMAC-SHA256 Credential=AK/date/region/service/aws4_request, SignedHeaders=..., Signature=...`.
std::string format_authorization(const Authorization& auth);
//! Parses an Authorization header; errors say which part is missing or malformed.
Result<Authorization> parse_authorization(std::string_view header);

//! Signs `req` in place: adds X-Amz-Date (and Host if given) and Authorization headers.
void sign(Request& req, std::string_view access_key_id, std::string_view secret, std::string_view amz_date,
          std::string_view region, std::string_view service);

//! `YYYYMMDDTHHMMSSZ` for seconds since the Unix epoch.
std::string amz_date(long long unix_seconds);
//! Seconds since the Unix epoch of an `YYYYMMDDTHHMMSSZ` text, or an error.
Result<long long> parse_amz_date(std::string_view text);

//! Compares two strings in time independent of where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace kci::kcicloud::sigv4
