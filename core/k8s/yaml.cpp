#include "core/k8s/yaml.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace kci::k8s {
namespace {

bool is_one_of(std::string_view s, std::initializer_list<std::string_view> words) {
  for (auto w : words)
    if (s == w) return true;
  return false;
}

bool is_decimal_int(std::string_view s) {
  std::size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (i >= s.size()) return false;
  for (; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

//! [-+]? ( .digits | digits ( . digits? )? ) ( [eE] [-+]? digits )?  (YAML 1.1 floats, no inf/nan)
bool is_float(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t from = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > from;
  };
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  } else {
    if (!digits()) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

//! What a plain (unquoted) scalar means under YAML 1.1 as go-yaml v2 resolves it.
Json resolve_plain(const std::string& s) {
  if (s.empty() || is_one_of(s, {"~", "null", "Null", "NULL"})) return nullptr;
  if (is_one_of(s, {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"}))
    return true;
  if (is_one_of(s, {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"}))
    return false;
  if (is_decimal_int(s)) {
    errno = 0;
    char* end = nullptr;
    if (s[0] == '-') {
      const long long v = std::strtoll(s.c_str(), &end, 10);
      if (errno == 0) return static_cast<std::int64_t>(v);
    } else {
      const unsigned long long v = std::strtoull(s.c_str() + (s[0] == '+' ? 1 : 0), &end, 10);
      if (errno == 0) {
        if (v <= static_cast<unsigned long long>(INT64_MAX)) return static_cast<std::int64_t>(v);
        return static_cast<std::uint64_t>(v);
      }
    }
    return std::strtod(s.c_str(), nullptr);  // beyond 64 bits: a float, as go-yaml does
  }
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    errno = 0;
    char* end = nullptr;
    const unsigned long long v = std::strtoull(s.c_str() + 2, &end, 16);
    if (errno == 0 && end && *end == '\0' && v <= static_cast<unsigned long long>(INT64_MAX))
      return static_cast<std::int64_t>(v);
  }
  if (is_float(s)) {
    const double d = std::strtod(s.c_str(), nullptr);
    if (std::isfinite(d)) return d;
  }
  return s;
}

Result<Json> to_json(const YAML::Node& n, int depth) {
  // Nesting deeper than any real manifest is refused rather than risking the stack.
  constexpr int kMaxDepth = 200;
  if (depth > kMaxDepth)
    return invalid_argument("YAML nested more than " + std::to_string(kMaxDepth) + " levels deep");
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return Json(nullptr);
    case YAML::NodeType::Scalar:
      if (n.Tag() == "!" || n.Tag() == "tag:yaml.org,2002:str") return Json(n.Scalar());
      return resolve_plain(n.Scalar());
    case YAML::NodeType::Sequence: {
      Json a = Json::array();
      for (const auto& e : n) {
        KCI_TRY(Json v, to_json(e, depth + 1));
        a.push_back(std::move(v));
      }
      return a;
    }
    case YAML::NodeType::Map: {
      Json o = Json::object();
      for (const auto& kv : n) {
        if (!kv.first.IsScalar())
          return invalid_argument("YAML line " + std::to_string(kv.first.Mark().line + 1) +
                                  ": a map key must be a plain value, not a list or a map");
        KCI_TRY(Json v, to_json(kv.second, depth + 1));
        o[kv.first.Scalar()] = std::move(v);
      }
      return o;
    }
  }
  return Json(nullptr);
}

void emit(YAML::Emitter& out, const Json& j) {
  switch (j.type()) {
    case Json::value_t::object:
      if (j.empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      out << YAML::BeginMap;
      for (const auto& [k, v] : j.items()) {
        out << YAML::Key;
        emit(out, Json(k));
        out << YAML::Value;
        emit(out, v);
      }
      out << YAML::EndMap;
      return;
    case Json::value_t::array:
      if (j.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
      }
      out << YAML::BeginSeq;
      for (const auto& v : j) emit(out, v);
      out << YAML::EndSeq;
      return;
    case Json::value_t::string: {
      const auto& s = j.get_ref<const std::string&>();
      const Json back = resolve_plain(s);
      if (!back.is_string() || back.get_ref<const std::string&>() != s) {
        out << YAML::DoubleQuoted << s;
      } else {
        out << s;
      }
      return;
    }
    case Json::value_t::null: out << YAML::Null; return;
    default: out << j.dump(); return;
  }
}

}  // namespace

Result<std::vector<Json>> yaml_documents(std::string_view text) {
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return invalid_argument("YAML line " + std::to_string(e.mark.line + 1) + ", column " +
                            std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  std::vector<Json> docs;
  for (const auto& n : nodes) {
    KCI_TRY(Json j, to_json(n, 0));
    if (!j.is_null()) docs.push_back(std::move(j));
  }
  return docs;
}

Result<Json> yaml_document(std::string_view text) {
  KCI_TRY(auto docs, yaml_documents(text));
  if (docs.size() != 1)
    return invalid_argument("expected exactly one YAML document, found " +
                            std::to_string(docs.size()));
  return std::move(docs.front());
}

std::string to_yaml(const Json& j) {
  YAML::Emitter out;
  out.SetIndent(2);
  emit(out, j);
  return std::string(out.c_str()) + "\n";
}

}  // namespace kci::k8s
