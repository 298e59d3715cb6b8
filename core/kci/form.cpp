#include "core/kci/form.h"

#include <algorithm>
#include <charconv>

namespace kci::kcicloud {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_' || c == '.' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Shortens outside text quoted in a message so a hostile input cannot bloat logs.
std::string shown(std::string_view s) {
  // 64 characters identify the culprit without echoing a whole body.
  constexpr std::size_t kShown = 64;
  return s.size() <= kShown ? std::string(s) : std::string(s.substr(0, kShown)) + "...";
}

}  // namespace

std::string percent_encode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (unreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

Result<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return invalid_argument("form: truncated escape \"%\" at the end of \"" + shown(text) + "\"; expected %XX");
      }
      const int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) {
        return invalid_argument("form: bad escape \"" + shown(text.substr(i, 3)) + "\" in \"" + shown(text) +
                                "\"; expected % followed by two hex digits");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string encode_form(const FormParams& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    out += percent_encode(k);
    out.push_back('=');
    out += percent_encode(v);
  }
  return out;
}

std::string canonical_query(const FormParams& params) {
  std::vector<std::pair<std::string, std::string>> enc;
  enc.reserve(params.size());
  for (const auto& [k, v] : params) enc.emplace_back(percent_encode(k), percent_encode(v));
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [k, v] : enc) {
    if (!out.empty()) out.push_back('&');
    out += k;
    out.push_back('=');
    out += v;
  }
  return out;
}

Result<FormParams> parse_form(std::string_view text) {
  FormParams out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t amp = text.find('&', pos);
    if (amp == std::string_view::npos) amp = text.size();
    const std::string_view piece = text.substr(pos, amp - pos);
    pos = amp + 1;
    if (piece.empty()) continue;
    if (out.size() >= kMaxFormParams) {
      return invalid_argument("form: more than " + std::to_string(kMaxFormParams) + " parameters");
    }
    const std::size_t eq = piece.find('=');
    KCI_TRY(std::string name, percent_decode(piece.substr(0, eq), true));
    std::string value;
    if (eq != std::string_view::npos) {
      KCI_TRY(value, percent_decode(piece.substr(eq + 1), true));
    }
    if (name.empty()) {
      return invalid_argument("form: a parameter has an empty name in \"" + shown(piece) + "\"");
    }
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

void flatten_list(FormParams& out, const std::string& prefix, const std::vector<std::string>& values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    out.emplace_back(prefix + "." + std::to_string(i + 1), values[i]);
  }
}

Result<FormReader> FormReader::make(const FormParams& params) {
  FormReader r;
  for (const auto& [k, v] : params) {
    if (!r.by_name_.emplace(k, v).second) {
      return invalid_argument("parameter " + shown(k) + " is given twice; give each name once");
    }
  }
  return r;
}

std::optional<std::string> FormReader::get(const std::string& name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  read_.insert(name);
  return it->second;
}

bool FormReader::has_prefix(const std::string& name) const {
  if (by_name_.count(name)) return true;
  const std::string p = name + ".";
  auto it = by_name_.lower_bound(p);
  return it != by_name_.end() && it->first.compare(0, p.size(), p) == 0;
}

Result<std::vector<std::string>> FormReader::list(const std::string& name) const {
  const std::string p = name + ".";
  std::vector<std::pair<std::uint64_t, std::string>> found;
  for (auto it = by_name_.lower_bound(p); it != by_name_.end() && it->first.compare(0, p.size(), p) == 0; ++it) {
    const std::string_view rest = std::string_view(it->first).substr(p.size());
    const std::string_view index = rest.substr(0, rest.find('.'));
    std::uint64_t n = 0;
    // Indices are small: at most 6 digits keeps the number exact and the list bounded.
    constexpr std::size_t kMaxIndexDigits = 6;
    const auto [end, ec] = std::from_chars(index.data(), index.data() + index.size(), n);
    if (index.empty() || index.size() > kMaxIndexDigits || ec != std::errc() || end != index.data() + index.size()) {
      return invalid_argument("parameter " + shown(it->first) + ": the list index \"" + shown(index) +
                              "\" is not a number; expected " + name + ".N with N = 0, 1, 2...");
    }
    std::string elem = p + std::string(index);
    if (found.empty() || found.back().second != elem) found.emplace_back(n, std::move(elem));
  }
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  std::vector<std::string> out;
  for (std::size_t i = 0; i < found.size(); ++i) {
    // "Container.1" and "Container.01" are the same index written twice.
    if (i > 0 && found[i].first == found[i - 1].first) {
      return invalid_argument("parameter " + name + " has index " + std::to_string(found[i].first) +
                              " written twice (" + found[i - 1].second + ", " + found[i].second + ")");
    }
    out.push_back(found[i].second);
  }
  return out;
}

Result<std::vector<std::string>> FormReader::values(const std::string& name) const {
  KCI_TRY(auto elems, list(name));
  std::vector<std::string> out;
  for (const auto& e : elems) {
    auto v = get(e);
    if (!v) return invalid_argument("parameter " + e + " has sub-keys but " + name + " is a list of plain values");
    out.push_back(std::move(*v));
  }
  return out;
}

std::vector<std::string> FormReader::unread() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : by_name_) {
    if (!read_.count(k)) out.push_back(k);
  }
  return out;
}

}  // namespace kci::kcicloud
