// Form parameters of the KCI OpenAPI: `a=b&c=d` bodies and queries, RFC 3986
// percent-encoding, and the flattened lists `Name.N` / `Name.N.Field`.
//
// Clients send lists 1-based; the parser accepts 0- and 1-based indices (the official
// SDKs disagree) and orders elements by number. Parsing outside input never throws and
// never crashes: malformed text is an Error naming the offending part.
// Must not: know about actions or JSON (core/kci/wire.h does).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace kci::kcicloud {

//! Ordered name/value pairs, as sent (a multimap: order and duplicates kept).
using FormParams = std::vector<std::pair<std::string, std::string>>;

//! Percent-encodes per RFC 3986: unreserved (A-Z a-z 0-9 - _ . ~) stay, everything else
//! becomes %XX (upper-case hex), space included.
std::string percent_encode(std::string_view text);
//! Decodes %XX escapes; `plus_is_space` for form bodies. Refuses a truncated or non-hex escape.
Result<std::string> percent_decode(std::string_view text, bool plus_is_space);
//! `k=v&k=v` in the given order, each side percent-encoded.
std::string encode_form(const FormParams& params);
//! The SigV4 canonical query string: pairs encoded, then sorted by name, then value.
std::string canonical_query(const FormParams& params);
//! Parses `a=b&c=d` (a missing `=` means an empty value; empty pieces are skipped).
//! Refuses bad escapes, empty names and more than kMaxFormParams pairs.
Result<FormParams> parse_form(std::string_view text);

//! More pairs than any legitimate request carries (5 containers x many fields); a bound
//! against hash-flooding and memory blow-up.
inline constexpr std::size_t kMaxFormParams = 4096;

//! Appends `prefix.<i+1>` = values[i] (1-based, as the client sends).
void flatten_list(FormParams& out, const std::string& prefix, const std::vector<std::string>& values);

//! Read access to parsed parameters with flattened lists, remembering which names were
//! read so that unknown parameters can be refused (the fake is stricter than the cloud).
class FormReader {
 public:
  //! Indexes `params`; refuses a name given twice.
  static Result<FormReader> make(const FormParams& params);

  //! The value of `name`, if present.
  std::optional<std::string> get(const std::string& name) const;
  //! True when `name` or any `name.` sub-key is present.
  bool has_prefix(const std::string& name) const;
  //! The element prefixes of list `name`, ordered by index: for Container.1.Name and
  //! Container.0.Image -> {"Container.0", "Container.1"}. Refuses a non-numeric index.
  Result<std::vector<std::string>> list(const std::string& name) const;
  //! The values of a scalar list `name.N`, ordered by index.
  Result<std::vector<std::string>> values(const std::string& name) const;
  //! Names present but never read (after decoding), for "unknown parameter" refusals.
  std::vector<std::string> unread() const;

 private:
  std::map<std::string, std::string, std::less<>> by_name_;
  mutable std::set<std::string, std::less<>> read_;
};

}  // namespace kci::kcicloud
