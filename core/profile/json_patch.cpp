#include "core/profile/json_patch.h"

namespace kci::profile {

std::string escape_pointer_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string json_pointer(const std::vector<std::string>& tokens) {
  std::string out;
  for (const auto& t : tokens) {
    out += '/';
    out += escape_pointer_token(t);
  }
  return out;
}

namespace {
bool absent(const Json& parent, const std::string& key) {
  auto it = parent.find(key);
  return it == parent.end() || it->is_null();
}

//! The element of an array a token names ("0", "12"), or null when it names none.
Json* array_element(Json& arr, const std::string& token) {
  if (token.empty() || token.size() > 9 || token.find_first_not_of("0123456789") != std::string::npos) return nullptr;
  if (token.size() > 1 && token[0] == '0') return nullptr;  // RFC 6901: no leading zeros
  const auto i = static_cast<std::size_t>(std::stoul(token));
  return i < arr.size() ? &arr[i] : nullptr;
}

//! Steps into `node` by `token`: an object member or an array index; null when impossible
//! (the member is then missing, or the node is a scalar).
Json* step(Json& node, const std::string& token) {
  if (node.is_array()) return array_element(node, token);
  return nullptr;
}
}  // namespace

bool PatchBuilder::add_if_absent(const std::vector<std::string>& path, Json value) {
  if (path.empty() || !doc_.is_object()) return false;
  Json* node = &doc_;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (node->is_array()) {
      node = step(*node, path[i]);
      if (!node) return false;
      continue;
    }
    if (!node->is_object()) return false;
    if (absent(*node, path[i])) {
      // Wrap the value in the objects still missing below this point: one operation.
      Json subtree = std::move(value);
      for (std::size_t j = path.size() - 1; j > i; --j) subtree = Json{{path[j], std::move(subtree)}};
      std::vector<std::string> prefix(path.begin(), path.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      ops_.push_back({{"op", "add"}, {"path", json_pointer(prefix)}, {"value", subtree}});
      (*node)[path[i]] = std::move(subtree);
      return true;
    }
    node = &(*node)[path[i]];
  }
  return false;  // already present
}

bool PatchBuilder::append(const std::vector<std::string>& path, Json element) {
  if (path.empty() || !doc_.is_object()) return false;
  Json* node = &doc_;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    if (node->is_array()) {
      node = step(*node, path[i]);
      if (!node) return false;
      continue;
    }
    if (!node->is_object()) return false;
    if (absent(*node, path[i])) return add_if_absent(path, Json::array({std::move(element)}));
    node = &(*node)[path[i]];
  }
  if (!node->is_object()) return false;
  if (absent(*node, path.back())) return add_if_absent(path, Json::array({std::move(element)}));
  Json& arr = (*node)[path.back()];
  if (!arr.is_array()) return false;
  ops_.push_back({{"op", "add"}, {"path", json_pointer(path) + "/-"}, {"value", element}});
  arr.push_back(std::move(element));
  return true;
}

}  // namespace kci::profile
