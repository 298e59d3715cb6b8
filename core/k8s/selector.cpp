// Label and field selectors: the lexer and parser follow apimachinery's labels.Parse token
// for token (so a string kubectl accepts is accepted here and means the same), the
// validation follows labels.NewRequirement and metav1.LabelSelectorAsSelector.
#include "core/k8s/selector.h"

#include <algorithm>
#include <charconv>

namespace kci::k8s {

namespace {

// ---- validation of keys and values (apimachinery util/validation) ----------------------

// A label value and the name part of a qualified name: at most 63 characters.
constexpr std::size_t kMaxLabelValueLength = 63;
// The DNS-1123 subdomain prefix of a key: at most 253 characters.
constexpr std::size_t kMaxPrefixLength = 253;

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool is_name_part(std::string_view s) {
  if (s.empty() || !is_alnum(s.front()) || !is_alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; });
}

// [a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*
bool is_dns1123_subdomain(std::string_view s) {
  if (s.empty()) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = s.find('.', start);
    const std::string_view label = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (label.empty()) return false;
    auto lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!lower_alnum(label.front()) || !lower_alnum(label.back())) return false;
    for (char c : label)
      if (!lower_alnum(c) && c != '-') return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string quote_text(std::string_view s) {
  // Json::dump escapes control bytes and quotes; invalid UTF-8 is replaced, not thrown on.
  return Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::replace);
}

const char* kNameRule =
    "at most 63 characters of [A-Za-z0-9-_.], starting and ending with an alphanumeric "
    "character";

bool parse_int64(std::string_view s, std::int64_t& out) {
  // strconv.ParseInt(s, 10, 64): an optional sign, then decimal digits only.
  if (s.empty()) return false;
  std::size_t i = 0;
  if (s[0] == '+') i = 1;  // Go accepts a leading '+'; from_chars does not
  if (i == s.size()) return false;
  const char* first = s.data() + i;
  const char* last = s.data() + s.size();
  auto [p, ec] = std::from_chars(first, last, out);
  return ec == std::errc() && p == last;
}

}  // namespace

Status validate_label_key(std::string_view key) {
  std::string_view name = key;
  const std::size_t slash = key.find('/');
  if (slash != std::string_view::npos) {
    const std::string_view prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (name.find('/') != std::string_view::npos)
      return invalid_argument("label key " + quote_text(key) +
                              ": a key is a name with an optional DNS subdomain prefix and one "
                              "'/' (e.g. 'example.com/my-name')");
    if (prefix.empty())
      return invalid_argument("label key " + quote_text(key) + ": the prefix before '/' must be non-empty");
    if (prefix.size() > kMaxPrefixLength || !is_dns1123_subdomain(prefix))
      return invalid_argument("label key " + quote_text(key) + ": the prefix " + quote_text(prefix) +
                              " must be a DNS-1123 subdomain (at most 253 characters of "
                              "[a-z0-9-.], alphanumeric at both ends of each part)");
  }
  if (name.empty())
    return invalid_argument("label key " + quote_text(key) + ": the name part must be non-empty");
  if (name.size() > kMaxLabelValueLength || !is_name_part(name))
    return invalid_argument("label key " + quote_text(key) + ": the name part " + quote_text(name) +
                            " must be " + kNameRule);
  return ok_status();
}

Status validate_label_value(std::string_view value) {
  if (value.empty()) return ok_status();
  if (value.size() > kMaxLabelValueLength || !is_name_part(value))
    return invalid_argument("label value " + quote_text(value) + " must be empty or " + kNameRule);
  return ok_status();
}

std::string_view selector_op_text(SelectorOp op) {
  switch (op) {
    case SelectorOp::kEquals: return "=";
    case SelectorOp::kDoubleEquals: return "==";
    case SelectorOp::kNotEquals: return "!=";
    case SelectorOp::kIn: return "in";
    case SelectorOp::kNotIn: return "notin";
    case SelectorOp::kExists: return "exists";
    case SelectorOp::kDoesNotExist: return "!";
    case SelectorOp::kGreaterThan: return ">";
    case SelectorOp::kLessThan: return "<";
  }
  return "?";
}

// ---- Requirement -------------------------------------------------------------------------

Result<Requirement> Requirement::make(std::string key, SelectorOp op,
                                      std::vector<std::string> values) {
  KCI_TRY_STATUS(validate_label_key(key));
  const std::string where = "requirement on " + quote_text(key) + " with operator '" +
                            std::string(selector_op_text(op)) + "'";
  switch (op) {
    case SelectorOp::kIn:
    case SelectorOp::kNotIn:
      if (values.empty()) return invalid_argument(where + ": needs at least one value, found none");
      break;
    case SelectorOp::kEquals:
    case SelectorOp::kDoubleEquals:
    case SelectorOp::kNotEquals:
      if (values.size() != 1)
        return invalid_argument(where + ": needs exactly one value, found " +
                                std::to_string(values.size()));
      break;
    case SelectorOp::kExists:
    case SelectorOp::kDoesNotExist:
      if (!values.empty())
        return invalid_argument(where + ": takes no values, found " + std::to_string(values.size()));
      break;
    case SelectorOp::kGreaterThan:
    case SelectorOp::kLessThan: {
      if (values.size() != 1)
        return invalid_argument(where + ": needs exactly one integer value, found " +
                                std::to_string(values.size()) + " values");
      std::int64_t n = 0;
      if (!parse_int64(values[0], n))
        return invalid_argument(where + ": the value " + quote_text(values[0]) +
                                " is not an integer (accepted: a 64-bit decimal integer)");
      break;
    }
  }
  for (const auto& v : values) {
    auto st = validate_label_value(v);
    if (!st.ok()) return invalid_argument(where + ": " + st.error().message);
  }
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return Requirement{std::move(key), op, std::move(values)};
}

bool Requirement::matches(const StringMap& labels) const {
  const auto it = labels.find(key);
  const bool has = it != labels.end();
  auto in_values = [&] { return has && std::binary_search(values.begin(), values.end(), it->second); };
  switch (op) {
    case SelectorOp::kIn:
    case SelectorOp::kEquals:
    case SelectorOp::kDoubleEquals: return in_values();
    case SelectorOp::kNotIn:
    case SelectorOp::kNotEquals: return !has || !in_values();
    case SelectorOp::kExists: return has;
    case SelectorOp::kDoesNotExist: return !has;
    case SelectorOp::kGreaterThan:
    case SelectorOp::kLessThan: {
      if (!has || values.size() != 1) return false;
      std::int64_t label = 0, bound = 0;
      if (!parse_int64(it->second, label) || !parse_int64(values[0], bound)) return false;
      return op == SelectorOp::kGreaterThan ? label > bound : label < bound;
    }
  }
  return false;
}

std::string Requirement::to_string() const {
  std::string out;
  if (op == SelectorOp::kDoesNotExist) out += '!';
  out += key;
  switch (op) {
    case SelectorOp::kExists:
    case SelectorOp::kDoesNotExist: return out;
    case SelectorOp::kIn: out += " in ("; break;
    case SelectorOp::kNotIn: out += " notin ("; break;
    default: out += selector_op_text(op);
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += values[i];
  }
  if (op == SelectorOp::kIn || op == SelectorOp::kNotIn) out += ')';
  return out;
}

// ---- the string form's lexer and parser --------------------------------------------------

namespace {

enum class Tok {
  kEnd, kIdentifier, kIn, kNotIn, kBang, kNotEquals, kEquals, kDoubleEquals, kGreater, kLess,
  kOpen, kClose, kComma,
};

struct Token {
  Tok kind;
  std::string_view text;
  std::size_t pos;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_special(char c) {
  return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

// The lexer of labels.Parse: identifiers are runs of anything but whitespace and the
// special characters; a NUL byte ends the input, as the Go lexer's read() does.
std::vector<Token> lex(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  const std::size_t n = std::min(s.size(), s.find('\0'));
  while (true) {
    while (i < n && is_space(s[i])) ++i;
    if (i >= n) {
      out.push_back({Tok::kEnd, {}, i});
      return out;
    }
    const std::size_t start = i;
    const char c = s[i];
    if (is_special(c)) {
      const char next = i + 1 < n ? s[i + 1] : '\0';
      Tok t;
      std::size_t len = 1;
      switch (c) {
        case '!': t = next == '=' ? (len = 2, Tok::kNotEquals) : Tok::kBang; break;
        case '=': t = next == '=' ? (len = 2, Tok::kDoubleEquals) : Tok::kEquals; break;
        case '>': t = Tok::kGreater; break;
        case '<': t = Tok::kLess; break;
        case '(': t = Tok::kOpen; break;
        case ')': t = Tok::kClose; break;
        default: t = Tok::kComma; break;
      }
      i += len;
      out.push_back({t, s.substr(start, len), start});
      continue;
    }
    while (i < n && !is_space(s[i]) && !is_special(s[i])) ++i;
    const std::string_view word = s.substr(start, i - start);
    const Tok t = word == "in" ? Tok::kIn : word == "notin" ? Tok::kNotIn : Tok::kIdentifier;
    out.push_back({t, word, start});
  }
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text), toks_(lex(text)) {}

  Result<Selector> run() {
    Selector sel;
    while (true) {
      const Token& t = peek_value();
      if (t.kind == Tok::kEnd) return sel;
      if (t.kind != Tok::kIdentifier && t.kind != Tok::kBang)
        return fail(t, "a label key, '!' or the end of the string");
      KCI_TRY(Requirement r, requirement());
      sel.add(std::move(r));
      const Token& after = next_value();
      if (after.kind == Tok::kEnd) return sel;
      if (after.kind != Tok::kComma) return fail(after, "',' or the end of the string");
      const Token& following = peek_value();
      if (following.kind != Tok::kIdentifier && following.kind != Tok::kBang)
        return fail(following, "a label key or '!' after ','");
    }
  }

 private:
  // In the Values context `in` and `notin` are plain identifiers (apimachinery lookahead).
  Tok as_value(Tok k) const { return k == Tok::kIn || k == Tok::kNotIn ? Tok::kIdentifier : k; }
  Token peek_value() const {
    Token t = toks_[pos_];
    t.kind = as_value(t.kind);
    return t;
  }
  Token next_value() {
    Token t = peek_value();
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  Token next_raw() {
    Token t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }

  Error fail(const Token& t, std::string_view expected) const {
    const std::string found =
        t.kind == Tok::kEnd ? std::string("the end of the string") : "'" + std::string(t.text) + "'";
    return invalid_argument("label selector " + quote_text(text_) + ": at position " +
                            std::to_string(t.pos) + ": found " + found + ", expected " +
                            std::string(expected));
  }
  Error wrap(const Token& at, const Error& e) const {
    return invalid_argument("label selector " + quote_text(text_) + ": at position " +
                            std::to_string(at.pos) + ": " + e.message);
  }

  Result<Requirement> requirement() {
    Token key = next_value();
    bool negated = false;
    if (key.kind == Tok::kBang) {
      negated = true;
      key = next_value();
    }
    if (key.kind != Tok::kIdentifier) return fail(key, "a label key");
    auto st = validate_label_key(key.text);
    if (!st.ok()) return wrap(key, st.error());
    const Tok la = peek_value().kind;
    std::optional<SelectorOp> op;
    if (negated) {
      op = SelectorOp::kDoesNotExist;
    } else if (la == Tok::kEnd || la == Tok::kComma) {
      op = SelectorOp::kExists;
    }
    if (op) return made(key, *op, {});

    const Token opt = next_raw();
    switch (opt.kind) {
      case Tok::kIn: op = SelectorOp::kIn; break;
      case Tok::kNotIn: op = SelectorOp::kNotIn; break;
      case Tok::kEquals: op = SelectorOp::kEquals; break;
      case Tok::kDoubleEquals: op = SelectorOp::kDoubleEquals; break;
      case Tok::kNotEquals: op = SelectorOp::kNotEquals; break;
      case Tok::kGreater: op = SelectorOp::kGreaterThan; break;
      case Tok::kLess: op = SelectorOp::kLessThan; break;
      default: return fail(opt, "an operator: '=', '==', '!=', 'in', 'notin', '>' or '<'");
    }
    std::vector<std::string> values;
    if (*op == SelectorOp::kIn || *op == SelectorOp::kNotIn) {
      KCI_TRY(values, set_values());
    } else {
      KCI_TRY(values, exact_value());
    }
    return made(key, *op, std::move(values));
  }

  Result<Requirement> made(const Token& key, SelectorOp op, std::vector<std::string> values) {
    auto r = Requirement::make(std::string(key.text), op, std::move(values));
    if (!r.ok()) return wrap(key, r.error());
    return r;
  }

  // After =, ==, !=, >, <: one identifier, or nothing before ',' / the end (the empty value).
  Result<std::vector<std::string>> exact_value() {
    const Token t = peek_value();
    if (t.kind == Tok::kEnd || t.kind == Tok::kComma) return std::vector<std::string>{""};
    next_value();
    if (t.kind == Tok::kIdentifier) return std::vector<std::string>{std::string(t.text)};
    return fail(t, "a value");
  }

  // `(a,b)`; empty entries (`()`, `(,a)`, `(a,,b)`, `(a,)`) mean the empty value.
  Result<std::vector<std::string>> set_values() {
    const Token open = next_value();
    if (open.kind != Tok::kOpen) return fail(open, "'('");
    std::vector<std::string> out;
    const Token first = peek_value();
    if (first.kind == Tok::kClose) {
      next_value();
      return std::vector<std::string>{""};
    }
    if (first.kind != Tok::kIdentifier && first.kind != Tok::kComma)
      return fail(first, "a value, ',' or ')'");
    while (true) {
      const Token t = next_value();
      if (t.kind == Tok::kIdentifier) {
        out.emplace_back(t.text);
        const Token sep = peek_value();
        if (sep.kind == Tok::kComma) continue;
        if (sep.kind == Tok::kClose) {
          next_value();
          return out;
        }
        return fail(sep, "',' or ')'");
      }
      if (t.kind == Tok::kComma) {
        if (out.empty()) out.emplace_back();  // "(,"
        const Token after = peek_value();
        if (after.kind == Tok::kClose) {
          out.emplace_back();  // ",)"
          next_value();
          return out;
        }
        if (after.kind == Tok::kComma) {
          next_value();
          out.emplace_back();  // ",,"
        }
        continue;
      }
      return fail(t, "',' or a value");
    }
  }

  std::string_view text_;
  std::vector<Token> toks_;
  std::size_t pos_ = 0;
};

}  // namespace

// ---- Selector ------------------------------------------------------------------------------

Selector Selector::nothing() {
  Selector s;
  s.nothing_ = true;
  return s;
}

Result<Selector> Selector::parse(std::string_view text) { return Parser(text).run(); }

Result<Selector> Selector::from_set(const StringMap& labels) {
  Selector s;
  for (const auto& [k, v] : labels) {
    KCI_TRY(Requirement r, Requirement::make(k, SelectorOp::kEquals, {v}));
    s.add(std::move(r));
  }
  return s;
}

Result<Selector> Selector::from_label_selector(const LabelSelector& ls) {
  Selector s;
  for (const auto& [k, v] : ls.matchLabels) {
    auto r = Requirement::make(k, SelectorOp::kEquals, {v});
    if (!r.ok()) return invalid_argument("matchLabels." + k + ": " + r.error().message);
    s.add(std::move(r).value());
  }
  for (std::size_t i = 0; i < ls.matchExpressions.size(); ++i) {
    const auto& e = ls.matchExpressions[i];
    const std::string path = "matchExpressions[" + std::to_string(i) + "]";
    SelectorOp op;
    if (e.operator_ == "In") {
      op = SelectorOp::kIn;
    } else if (e.operator_ == "NotIn") {
      op = SelectorOp::kNotIn;
    } else if (e.operator_ == "Exists") {
      op = SelectorOp::kExists;
    } else if (e.operator_ == "DoesNotExist") {
      op = SelectorOp::kDoesNotExist;
    } else {
      return invalid_argument(path + ".operator: " + quote_text(e.operator_) +
                              " is not a valid label selector operator (accepted: In, NotIn, "
                              "Exists, DoesNotExist)");
    }
    auto r = Requirement::make(e.key, op, e.values);
    if (!r.ok()) return invalid_argument(path + ": " + r.error().message);
    s.add(std::move(r).value());
  }
  return s;
}

Result<Selector> Selector::from_label_selector(const std::optional<LabelSelector>& ls) {
  if (!ls) return nothing();
  return from_label_selector(*ls);
}

Result<LabelSelector> Selector::to_label_selector() const {
  if (nothing_)
    return invalid_argument(
        "a selector that matches nothing has no LabelSelector form (it is an absent selector)");
  LabelSelector out;
  for (const auto& r : reqs_) {
    std::string op;
    switch (r.op) {
      case SelectorOp::kEquals:
      case SelectorOp::kDoubleEquals: {
        // Two equalities on one key cannot both live in matchLabels: keep the second as In.
        if (out.matchLabels.count(r.key) == 0) {
          out.matchLabels[r.key] = r.values.at(0);
          continue;
        }
        op = "In";
        break;
      }
      case SelectorOp::kIn: op = "In"; break;
      case SelectorOp::kNotIn: op = "NotIn"; break;
      case SelectorOp::kExists: op = "Exists"; break;
      case SelectorOp::kDoesNotExist: op = "DoesNotExist"; break;
      default:
        return invalid_argument("requirement " + quote_text(r.to_string()) + ": operator '" +
                                std::string(selector_op_text(r.op)) +
                                "' has no LabelSelector form (accepted: =, ==, in, notin, "
                                "exists, !)");
    }
    out.matchExpressions.push_back(LabelSelectorRequirement{r.key, op, r.values, {}});
  }
  return out;
}

bool Selector::matches(const StringMap& labels) const {
  if (nothing_) return false;
  for (const auto& r : reqs_)
    if (!r.matches(labels)) return false;
  return true;
}

std::string Selector::to_string() const {
  std::string out;
  for (std::size_t i = 0; i < reqs_.size(); ++i) {
    if (i > 0) out += ',';
    out += reqs_[i].to_string();
  }
  return out;
}

void Selector::add(Requirement r) {
  // After the last requirement with a key <= r.key: sorted by key, stable for equal keys.
  auto at = std::upper_bound(reqs_.begin(), reqs_.end(), r.key,
                             [](const std::string& k, const Requirement& x) { return k < x.key; });
  reqs_.insert(at, std::move(r));
}

std::optional<std::string> Selector::required_value(std::string_view key) const {
  for (const auto& r : reqs_) {
    if (r.key != key || r.values.size() != 1) continue;
    if (r.op == SelectorOp::kEquals || r.op == SelectorOp::kDoubleEquals || r.op == SelectorOp::kIn)
      return r.values[0];
  }
  return std::nullopt;
}

// ---- FieldSelector ------------------------------------------------------------------------

namespace {

// Splits on commas not escaped by '\' (fields.splitTerms).
std::vector<std::string_view> split_terms(std::string_view s) {
  std::vector<std::string_view> out;
  if (s.empty()) return out;
  std::size_t start = 0;
  bool escaped = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (escaped) {
      escaped = false;
    } else if (s[i] == '\\') {
      escaped = true;
    } else if (s[i] == ',') {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(s.substr(start));
  return out;
}

std::string escape_field_value(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == ',' || c == '=') out += '\\';
    out += c;
  }
  return out;
}

std::string term_text(const FieldRequirement& t) {
  return t.field + (t.negated ? "!=" : "=") + escape_field_value(t.value);
}

}  // namespace

Result<FieldSelector> FieldSelector::parse(std::string_view text) {
  auto parts = split_terms(text);
  // Kubernetes sorts the raw terms before parsing them.
  std::sort(parts.begin(), parts.end());
  FieldSelector out;
  const std::string accepted = " (accepted: field=value, field==value or field!=value, terms "
                               "joined by ','; escape '\\', ',' and '=' in values with '\\')";
  for (const auto part : parts) {
    if (part.empty()) continue;
    // The first operator outside an escape: "!=", "==" then "=" (fields.splitTerm).
    std::size_t at = std::string_view::npos, len = 0;
    bool negated = false;
    for (std::size_t i = 0; i < part.size() && at == std::string_view::npos; ++i) {
      if (part[i] == '\\') {
        ++i;
        continue;
      }
      const std::string_view rest = part.substr(i);
      if (rest.starts_with("!=")) {
        at = i, len = 2, negated = true;
      } else if (rest.starts_with("==")) {
        at = i, len = 2;
      } else if (rest.starts_with("=")) {
        at = i, len = 1;
      }
    }
    if (at == std::string_view::npos)
      return invalid_argument("field selector " + quote_text(text) + ": term " + quote_text(part) +
                              " has no operator" + accepted);
    const std::string_view field = part.substr(0, at);
    const std::string_view raw = part.substr(at + len);
    std::string value;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      const char c = raw[i];
      if (c == '\\') {
        if (i + 1 >= raw.size() || (raw[i + 1] != '\\' && raw[i + 1] != ',' && raw[i + 1] != '='))
          return invalid_argument("field selector " + quote_text(text) + ": term " + quote_text(part) +
                                  ": invalid escape sequence " +
                                  quote_text(raw.substr(i, 2)) + accepted);
        value += raw[++i];
      } else if (c == ',' || c == '=') {
        return invalid_argument("field selector " + quote_text(text) + ": term " + quote_text(part) +
                                ": unescaped '" + std::string(1, c) + "' in the value" + accepted);
      } else {
        value += c;
      }
    }
    out.terms_.push_back(FieldRequirement{std::string(field), negated, std::move(value)});
  }
  // Sorted by the printed term as well, so to_string() is canonical ("a==x" prints "a=x").
  return from_terms(std::move(out.terms_));
}

FieldSelector FieldSelector::from_terms(std::vector<FieldRequirement> terms) {
  FieldSelector out;
  out.terms_ = std::move(terms);
  // parse() sorts the raw text of the terms; sorting by the printed term gives that order.
  std::stable_sort(out.terms_.begin(), out.terms_.end(),
                   [](const FieldRequirement& a, const FieldRequirement& b) {
                     return term_text(a) < term_text(b);
                   });
  return out;
}

bool FieldSelector::matches(const StringMap& fields) const {
  for (const auto& t : terms_) {
    const auto it = fields.find(t.field);
    const std::string_view have = it == fields.end() ? std::string_view() : it->second;
    if ((have == t.value) == t.negated) return false;
  }
  return true;
}

Status FieldSelector::check_fields(const std::vector<std::string_view>& supported) const {
  for (const auto& t : terms_) {
    if (std::find(supported.begin(), supported.end(), t.field) != supported.end()) continue;
    std::string list;
    for (const auto s : supported) list += (list.empty() ? "" : ", ") + std::string(s);
    return invalid_argument("field label not supported: " + quote_text(t.field) + " (supported: " +
                            list + ")");
  }
  return ok_status();
}

std::optional<std::string> FieldSelector::required_value(std::string_view field) const {
  for (const auto& t : terms_)
    if (t.field == field && !t.negated) return t.value;
  return std::nullopt;
}

std::string FieldSelector::to_string() const {
  std::string out;
  for (const auto& t : terms_) {
    if (!out.empty()) out += ',';
    out += term_text(t);
  }
  return out;
}

// ---- selectable fields per kind (the API server's field label conversions) ---------------

StringMap selectable_fields(const ObjectMeta& meta) {
  return {{"metadata.name", meta.name}, {"metadata.namespace", meta.namespace_}};
}

StringMap selectable_fields(const Pod& pod) {
  StringMap f = selectable_fields(pod.metadata);
  f["spec.nodeName"] = pod.spec.nodeName;
  f["spec.restartPolicy"] = pod.spec.restartPolicy;
  f["spec.schedulerName"] = pod.spec.schedulerName;
  f["spec.serviceAccountName"] = pod.spec.serviceAccountName;
  f["spec.hostNetwork"] = pod.spec.hostNetwork ? "true" : "false";
  f["status.phase"] = pod.status.phase;
  f["status.podIP"] = pod.status.podIP;
  f["status.nominatedNodeName"] = pod.status.nominatedNodeName;
  return f;
}

StringMap selectable_fields(const Node& node) {
  StringMap f = selectable_fields(node.metadata);
  f.erase("metadata.namespace");  // nodes are cluster-scoped
  f["spec.unschedulable"] = node.spec.unschedulable ? "true" : "false";
  return f;
}

StringMap selectable_fields(const Event& e) {
  StringMap f = selectable_fields(e.metadata);
  f["involvedObject.kind"] = e.involvedObject.kind;
  f["involvedObject.namespace"] = e.involvedObject.namespace_;
  f["involvedObject.name"] = e.involvedObject.name;
  f["involvedObject.uid"] = e.involvedObject.uid;
  f["involvedObject.apiVersion"] = e.involvedObject.apiVersion;
  f["involvedObject.resourceVersion"] = e.involvedObject.resourceVersion;
  f["involvedObject.fieldPath"] = e.involvedObject.fieldPath;
  f["reason"] = e.reason;
  f["reportingComponent"] = e.reportingComponent;
  f["source"] = e.source.component;
  f["type"] = e.type;
  return f;
}

StringMap selectable_fields(const Secret& s) {
  StringMap f = selectable_fields(s.metadata);
  f["type"] = s.type;
  return f;
}

}  // namespace kci::k8s
