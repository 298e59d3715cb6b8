#include "core/kci/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <chrono>

namespace kci::kcicloud::sigv4 {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Trims and collapses runs of spaces, as the canonical header value requires.
std::string canonical_value(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string shown(std::string_view s) {
  // Enough to recognise the culprit, never a whole hostile header.
  constexpr std::size_t kShown = 64;
  return s.size() <= kShown ? std::string(s) : std::string(s.substr(0, kShown)) + "...";
}

}  // namespace

std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return hex(std::string_view(reinterpret_cast<const char*>(md), sizeof md));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string canonical_request(const Request& req, std::string_view signed_headers) {
  std::string out = req.method + "\n" + (req.path.empty() ? "/" : req.path) + "\n" + req.canonical_query + "\n";
  std::size_t pos = 0;
  while (pos <= signed_headers.size()) {
    std::size_t semi = signed_headers.find(';', pos);
    if (semi == std::string_view::npos) semi = signed_headers.size();
    const std::string name(signed_headers.substr(pos, semi - pos));
    pos = semi + 1;
    if (name.empty()) continue;
    std::string value;
    bool first = true;
    for (const auto& [k, v] : req.headers) {
      if (lower(k) != name) continue;
      if (!first) value.push_back(',');
      value += canonical_value(v);
      first = false;
    }
    out += name + ":" + value + "\n";
  }
  out += "\n";
  out += signed_headers;
  out += "\n";
  out += sha256_hex(req.body);
  return out;
}

std::string string_to_sign(std::string_view amz_date, const Scope& scope, std::string_view creq) {
  return std::string(kAlgorithm) + "\n" + std::string(amz_date) + "\n" + scope.date + "/" + scope.region + "/" +
         scope.service + "/aws4_request\n" + sha256_hex(creq);
}

std::string signing_key(std::string_view secret, const Scope& scope) {
  std::string k = hmac_sha256("AWS4" + std::string(secret), scope.date);
  k = hmac_sha256(k, scope.region);
  k = hmac_sha256(k, scope.service);
  return hmac_sha256(k, "aws4_request");
}

std::string signature(const Request& req, std::string_view signed_headers, std::string_view amz_date,
                      const Scope& scope, std::string_view secret) {
  const std::string sts = string_to_sign(amz_date, scope, canonical_request(req, signed_headers));
  return hex(hmac_sha256(signing_key(secret, scope), sts));
}

std::string all_signed_headers(const Request& req) {
  std::vector<std::string> names;
  for (const auto& [k, v] : req.headers) names.push_back(lower(k));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out.push_back(';');
    out += n;
  }
  return out;
}

std::string format_authorization(const Authorization& a) {
  return std::string(kAlgorithm) + " Credential=" + a.access_key_id + "/" + a.scope.date + "/" + a.scope.region +
         "/" + a.scope.service + "/aws4_request, SignedHeaders=" + a.signed_headers + ", Signature=" + a.signature;
}

Result<Authorization> parse_authorization(std::string_view h) {
  // Headers this long are not signatures; 8 KiB matches common server header limits.
  constexpr std::size_t kMaxHeader = 8192;
  if (h.size() > kMaxHeader) return invalid_argument("Authorization header is longer than 8192 bytes");
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  if (h.substr(0, kAlgorithm.size()) != kAlgorithm ||
      (h.size() > kAlgorithm.size() && h[kAlgorithm.size()] != ' ')) {
    return invalid_argument("Authorization header \"" + shown(h) + "\" does not start with " + std::string(kAlgorithm));
  }
  h.remove_prefix(kAlgorithm.size());
  Authorization a;
  bool have_cred = false, have_sh = false, have_sig = false;
  std::size_t pos = 0;
  while (pos < h.size()) {
    std::size_t comma = h.find(',', pos);
    if (comma == std::string_view::npos) comma = h.size();
    std::string_view part = h.substr(pos, comma - pos);
    pos = comma + 1;
    while (!part.empty() && (part.front() == ' ' || part.front() == '\t')) part.remove_prefix(1);
    while (!part.empty() && (part.back() == ' ' || part.back() == '\t')) part.remove_suffix(1);
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      return invalid_argument("Authorization part \"" + shown(part) + "\" has no '='; expected Name=Value");
    }
    const std::string_view name = part.substr(0, eq), value = part.substr(eq + 1);
    if (name == "Credential") {
      // AK/date/region/service/aws4_request
      std::vector<std::string_view> f;
      std::size_t p = 0;
      while (true) {
        const std::size_t s = value.find('/', p);
        f.push_back(value.substr(p, s == std::string_view::npos ? std::string_view::npos : s - p));
        if (s == std::string_view::npos) break;
        p = s + 1;
      }
      if (f.size() != 5 || f[4] != "aws4_request" || f[0].empty() || f[1].size() != 8 || f[2].empty() ||
          f[3].empty()) {
        return invalid_argument("Authorization Credential \"" + shown(value) +
                                "\" is malformed; expected AK/YYYYMMDD/region/service/aws4_request");
      }
      a.access_key_id = std::string(f[0]);
      a.scope = Scope{std::string(f[1]), std::string(f[2]), std::string(f[3])};
      have_cred = true;
    } else if (name == "SignedHeaders") {
      if (value.empty()) return invalid_argument("Authorization SignedHeaders is empty");
      a.signed_headers = std::string(value);
      have_sh = true;
    } else if (name == "Signature") {
      // SHA-256 HMAC in hex: 64 characters.
      constexpr std::size_t kHexSignature = 64;
      if (value.size() != kHexSignature ||
          !std::all_of(value.begin(), value.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
        return invalid_argument("Authorization Signature \"" + shown(value) + "\" is not 64 hex digits");
      }
      a.signature = std::string(value);
      have_sig = true;
    } else {
      return invalid_argument("Authorization has unknown part \"" + shown(name) +
                              "\"; expected Credential, SignedHeaders, Signature");
    }
  }
  if (!have_cred || !have_sh || !have_sig) {
    return invalid_argument(std::string("Authorization lacks ") +
                            (!have_cred ? "Credential" : !have_sh ? "SignedHeaders" : "Signature"));
  }
  return a;
}

void sign(Request& req, std::string_view ak, std::string_view secret, std::string_view date, std::string_view region,
          std::string_view service) {
  req.headers.emplace_back("X-Amz-Date", std::string(date));
  const std::string sh = all_signed_headers(req);
  Scope scope{std::string(date.substr(0, 8)), std::string(region), std::string(service)};
  Authorization a{std::string(ak), scope, sh, signature(req, sh, date, scope, secret)};
  req.headers.emplace_back("Authorization", format_authorization(a));
}

std::string amz_date(long long unix_seconds) {
  using namespace std::chrono;
  const sys_seconds t{seconds(unix_seconds)};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02lld%02lld%02lldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long long>(hms.hours().count()), static_cast<long long>(hms.minutes().count()),
                static_cast<long long>(hms.seconds().count()));
  return buf;
}

Result<long long> parse_amz_date(std::string_view s) {
  auto bad = [&] {
    return invalid_argument("X-Amz-Date \"" + shown(s) + "\" is not YYYYMMDDTHHMMSSZ");
  };
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return bad();
  auto num = [&](std::size_t at, std::size_t n, int& out) {
    out = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int y, mo, d, h, mi, se;
  if (!num(0, 4, y) || !num(4, 2, mo) || !num(6, 2, d) || !num(9, 2, h) || !num(11, 2, mi) || !num(13, 2, se)) {
    return bad();
  }
  using namespace std::chrono;
  const year_month_day ymd{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || se > 60) return bad();
  return static_cast<long long>(sys_days(ymd).time_since_epoch().count()) * 86400LL + h * 3600LL + mi * 60LL + se;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace kci::kcicloud::sigv4
