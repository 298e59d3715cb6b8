#include "core/k8s/json_patch.h"

#include <algorithm>
#include <charconv>
#include <vector>

namespace kci::k8s {

using Json = nlohmann::json;

namespace {

Error patch_error(std::size_t index, const Json& op, std::string why) {
  std::string what = "operation " + std::to_string(index);
  if (op.is_object()) {
    what += " (" + op.value("op", std::string("?")) + " " + op.value("path", std::string("?")) + ")";
  }
  return invalid_argument("json patch " + what + ": " + why);
}

//! Splits a pointer into unescaped tokens; nullopt when malformed.
std::optional<std::vector<std::string>> tokens_of(const std::string& ptr) {
  std::vector<std::string> out;
  if (ptr.empty()) return out;
  if (ptr[0] != '/') return std::nullopt;
  std::size_t i = 1;
  std::string cur;
  for (; i <= ptr.size(); ++i) {
    if (i == ptr.size() || ptr[i] == '/') {
      out.push_back(cur);
      cur.clear();
      continue;
    }
    if (ptr[i] == '~') {
      if (i + 1 >= ptr.size()) return std::nullopt;
      if (ptr[i + 1] == '0') cur.push_back('~');
      else if (ptr[i + 1] == '1') cur.push_back('/');
      else return std::nullopt;
      ++i;
    } else {
      cur.push_back(ptr[i]);
    }
  }
  return out;
}

//! Parses an array index token; "-" -> size (append) when allowed.
std::optional<std::size_t> index_of(const std::string& tok, std::size_t size, bool allow_end) {
  if (tok == "-") return allow_end ? std::optional<std::size_t>(size) : std::nullopt;
  if (tok.empty() || (tok.size() > 1 && tok[0] == '0')) return std::nullopt;
  std::size_t v = 0;
  auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
  if (ec != std::errc() || p != tok.data() + tok.size()) return std::nullopt;
  return v;
}

//! The parent container of a path and the last token; null when the parent is missing.
Json* parent_of(Json& doc, const std::vector<std::string>& toks) {
  Json* cur = &doc;
  for (std::size_t i = 0; i + 1 < toks.size(); ++i) {
    if (cur->is_object()) {
      auto it = cur->find(toks[i]);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array()) {
      auto idx = index_of(toks[i], cur->size(), false);
      if (!idx || *idx >= cur->size()) return nullptr;
      cur = &(*cur)[*idx];
    } else {
      return nullptr;
    }
  }
  return cur;
}

Result<Json> get_at(Json& doc, const std::vector<std::string>& toks) {
  if (toks.empty()) return doc;
  Json* p = parent_of(doc, toks);
  if (!p) return invalid_argument("path does not exist");
  if (p->is_object()) {
    auto it = p->find(toks.back());
    if (it == p->end()) return invalid_argument("path does not exist");
    return *it;
  }
  if (p->is_array()) {
    auto idx = index_of(toks.back(), p->size(), false);
    if (!idx || *idx >= p->size()) return invalid_argument("array index out of range");
    return (*p)[*idx];
  }
  return invalid_argument("path does not exist");
}

Status add_at(Json& doc, const std::vector<std::string>& toks, Json value) {
  if (toks.empty()) {
    doc = std::move(value);
    return ok_status();
  }
  Json* p = parent_of(doc, toks);
  if (!p) return invalid_argument("the parent of the path does not exist");
  if (p->is_object()) {
    (*p)[toks.back()] = std::move(value);
    return ok_status();
  }
  if (p->is_array()) {
    auto idx = index_of(toks.back(), p->size(), true);
    if (!idx || *idx > p->size()) return invalid_argument("array index out of range");
    p->insert(p->begin() + static_cast<std::ptrdiff_t>(*idx), std::move(value));
    return ok_status();
  }
  return invalid_argument("the parent of the path is not an object or array");
}

Status remove_at(Json& doc, const std::vector<std::string>& toks) {
  if (toks.empty()) return invalid_argument("cannot remove the whole document");
  Json* p = parent_of(doc, toks);
  if (!p) return invalid_argument("path does not exist");
  if (p->is_object()) {
    if (p->erase(toks.back()) == 0) return invalid_argument("path does not exist");
    return ok_status();
  }
  if (p->is_array()) {
    auto idx = index_of(toks.back(), p->size(), false);
    if (!idx || *idx >= p->size()) return invalid_argument("array index out of range");
    p->erase(p->begin() + static_cast<std::ptrdiff_t>(*idx));
    return ok_status();
  }
  return invalid_argument("path does not exist");
}

}  // namespace

Result<Json> apply_json_patch(const Json& document, const Json& patch) {
  if (!patch.is_array())
    return invalid_argument("json patch: expected an array of operations, found " +
                            std::string(patch.type_name()));
  Json doc = document;
  for (std::size_t i = 0; i < patch.size(); ++i) {
    const Json& op = patch[i];
    if (!op.is_object()) return patch_error(i, op, "expected an object");
    const std::string name = op.value("op", "");
    auto path_it = op.find("path");
    if (path_it == op.end() || !path_it->is_string())
      return patch_error(i, op, "missing \"path\"");
    auto toks = tokens_of(*path_it);
    if (!toks) return patch_error(i, op, "malformed JSON pointer");
    auto need_value = [&]() -> const Json* {
      auto v = op.find("value");
      return v == op.end() ? nullptr : &*v;
    };
    auto from_toks = [&]() -> std::optional<std::vector<std::string>> {
      auto f = op.find("from");
      if (f == op.end() || !f->is_string()) return std::nullopt;
      return tokens_of(*f);
    };
    Status st = ok_status();
    if (name == "add") {
      const Json* v = need_value();
      if (!v) return patch_error(i, op, "missing \"value\"");
      st = add_at(doc, *toks, *v);
    } else if (name == "remove") {
      st = remove_at(doc, *toks);
    } else if (name == "replace") {
      const Json* v = need_value();
      if (!v) return patch_error(i, op, "missing \"value\"");
      st = remove_at(doc, *toks);
      if (st.ok()) st = add_at(doc, *toks, *v);
      if (toks->empty()) { doc = *v; st = ok_status(); }
    } else if (name == "move" || name == "copy") {
      auto from = from_toks();
      if (!from) return patch_error(i, op, "missing or malformed \"from\"");
      if (name == "move" && toks->size() > from->size() &&
          std::equal(from->begin(), from->end(), toks->begin()))
        return patch_error(i, op, "cannot move a value into one of its children");
      auto v = get_at(doc, *from);
      if (!v.ok()) return patch_error(i, op, "from: " + v.error().message);
      if (name == "move") st = remove_at(doc, *from);
      if (st.ok()) st = add_at(doc, *toks, std::move(v).value());
    } else if (name == "test") {
      const Json* v = need_value();
      if (!v) return patch_error(i, op, "missing \"value\"");
      auto cur = get_at(doc, *toks);
      if (!cur.ok()) return patch_error(i, op, cur.error().message);
      if (*cur != *v) return patch_error(i, op, "test failed: found " + cur->dump());
    } else {
      return patch_error(i, op, "unknown op \"" + name +
                                    "\" (accepted: add, remove, replace, move, copy, test)");
    }
    if (!st.ok()) return patch_error(i, op, st.error().message);
  }
  return doc;
}

Json apply_merge_patch(const Json& document, const Json& patch) {
  if (!patch.is_object()) return patch;
  Json out = document.is_object() ? document : Json::object();
  for (const auto& [k, v] : patch.items()) {
    if (v.is_null()) {
      out.erase(k);
    } else {
      auto it = out.find(k);
      out[k] = apply_merge_patch(it == out.end() ? Json() : *it, v);
    }
  }
  return out;
}

namespace {

//! Merge keys of list fields, by field name; the same names mean the same thing in every
//! built-in kind we patch (core/v1 PodSpec and its templates, NodeStatus, workload status).
std::string_view merge_key_of(std::string_view field) {
  if (field == "containers" || field == "initContainers" || field == "ephemeralContainers" ||
      field == "env" || field == "volumes" || field == "imagePullSecrets" ||
      field == "ownerReferences")
    return field == "ownerReferences" ? "uid" : "name";
  if (field == "volumeMounts") return "mountPath";
  if (field == "volumeDevices") return "devicePath";
  if (field == "ports") return "containerPort";
  if (field == "conditions") return "type";
  if (field == "addresses") return "type";
  if (field == "hostAliases") return "ip";
  if (field == "taints") return "key";
  return {};
}

//! Lists merged as sets of primitives (patchStrategy merge without a key).
bool is_primitive_merge_list(std::string_view field) { return field == "finalizers"; }

Result<Json> strategic(const Json& doc, const Json& patch);

Result<Json> merge_list(const Json& doc, const Json& patch, std::string_view key) {
  Json out = doc.is_array() ? doc : Json::array();
  for (const auto& el : patch) {
    if (!el.is_object()) return invalid_argument("strategic merge patch: list element is not an object");
    const std::string directive = el.value("$patch", "");
    if (directive == "replace") return invalid_argument("strategic merge patch: $patch replace inside a list element");
    auto kv = el.find(std::string(key));
    if (kv == el.end()) {
      if (directive.empty()) out.push_back(el);
      continue;
    }
    auto it = std::find_if(out.begin(), out.end(), [&](const Json& e) {
      return e.is_object() && e.contains(std::string(key)) && e.at(std::string(key)) == *kv;
    });
    if (directive == "delete") {
      if (it != out.end()) out.erase(it);
      continue;
    }
    if (it == out.end()) {
      Json clean = el;
      KCI_TRY(clean, strategic(Json::object(), clean));
      out.push_back(std::move(clean));
    } else {
      KCI_TRY(*it, strategic(*it, el));
    }
  }
  return out;
}

Result<Json> strategic(const Json& doc, const Json& patch) {
  if (!patch.is_object()) return patch;
  Json out = doc.is_object() ? doc : Json::object();
  if (patch.value("$patch", "") == "replace") {
    Json r = patch;
    r.erase("$patch");
    return r;
  }
  if (patch.value("$patch", "") == "delete") return Json();
  std::vector<std::string> retain;
  if (auto rk = patch.find("$retainKeys"); rk != patch.end() && rk->is_array())
    for (const auto& k : *rk)
      if (k.is_string()) retain.push_back(k);
  for (const auto& [k, v] : patch.items()) {
    if (k == "$patch" || k == "$retainKeys") continue;
    if (k.starts_with("$deleteFromPrimitiveList/")) {
      const std::string field = k.substr(25);
      if (auto it = out.find(field); it != out.end() && it->is_array() && v.is_array()) {
        Json kept = Json::array();
        for (const auto& e : *it)
          if (std::find(v.begin(), v.end(), e) == v.end()) kept.push_back(e);
        *it = std::move(kept);
      }
      continue;
    }
    if (k.starts_with("$setElementOrder/")) continue;
    if (v.is_null()) {
      out.erase(k);
      continue;
    }
    const std::string_view key = merge_key_of(k);
    auto cur = out.find(k);
    if (v.is_array() && !key.empty()) {
      KCI_TRY(out[k], merge_list(cur == out.end() ? Json() : *cur, v, key));
    } else if (v.is_array() && is_primitive_merge_list(k)) {
      Json merged = cur != out.end() && cur->is_array() ? *cur : Json::array();
      for (const auto& e : v)
        if (std::find(merged.begin(), merged.end(), e) == merged.end()) merged.push_back(e);
      out[k] = std::move(merged);
    } else if (v.is_object()) {
      KCI_TRY(Json merged, strategic(cur == out.end() ? Json() : *cur, v));
      if (merged.is_null()) out.erase(k);
      else out[k] = std::move(merged);
    } else {
      out[k] = v;
    }
  }
  if (!retain.empty())
    for (auto it = out.begin(); it != out.end();) {
      if (std::find(retain.begin(), retain.end(), it.key()) == retain.end())
        it = out.erase(it);
      else
        ++it;
    }
  return out;
}

}  // namespace

Result<Json> apply_strategic_merge_patch(const Json& document, const Json& patch,
                                         std::string_view kind) {
  if (!patch.is_object())
    return invalid_argument("strategic merge patch: expected an object, found " +
                            std::string(patch.type_name()));
  (void)kind;  // one merge-key table serves every built-in kind we patch
  return strategic(document, patch);
}

std::string json_pointer(std::initializer_list<std::string_view> segments) {
  std::string out;
  for (auto s : segments) {
    out.push_back('/');
    for (char c : s) {
      if (c == '~') out += "~0";
      else if (c == '/') out += "~1";
      else out.push_back(c);
    }
  }
  return out;
}

}  // namespace kci::k8s
