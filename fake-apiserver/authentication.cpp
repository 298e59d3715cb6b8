#include "fake-apiserver/authentication.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace kci::apiserver {
namespace {

constexpr std::string_view kExpected = "expected token,user,uid[,\"group1,group2\"]";

//! One CSV record as Go's encoding/csv reads it with TrimLeadingSpace (kube-apiserver's
//! reader): fields split at commas, a field may be quoted ("a,b", "" for a quote).
Result<std::vector<std::string>> csv_fields(std::string_view line) {
  std::vector<std::string> fields;
  std::size_t i = 0;
  while (true) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::string field;
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        field.push_back(line[i++]);
      }
      if (!closed) return invalid_argument("a quoted field is not closed");
      if (i < line.size() && line[i] != ',')
        return invalid_argument("unexpected '" + std::string(1, line[i]) + "' after a quoted field");
    } else {
      while (i < line.size() && line[i] != ',') {
        if (line[i] == '"') return invalid_argument("a '\"' inside an unquoted field (quote the whole field)");
        field.push_back(line[i++]);
      }
    }
    fields.push_back(std::move(field));
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  return fields;
}

}  // namespace

Result<TokenUsers> parse_token_auth_file(std::string_view text, const std::string& path) {
  TokenUsers users;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    const std::string where = "token auth file " + path + " line " + std::to_string(line_no) + ": ";
    auto fields = csv_fields(line);
    if (!fields.ok()) return invalid_argument(where + fields.error().message + "; " + std::string(kExpected));
    if (fields->size() < 3)
      return invalid_argument(where + "has " + std::to_string(fields->size()) + " field(s); " + std::string(kExpected));
    if (fields->size() > 4)
      return invalid_argument(where + "has " + std::to_string(fields->size()) +
                              " fields; quote the groups as one field: " + std::string(kExpected));
    const auto& f = *fields;
    if (f[0].empty()) return invalid_argument(where + "the token (field 1) is empty; " + std::string(kExpected));
    if (f[1].empty()) return invalid_argument(where + "the user (field 2) is empty; " + std::string(kExpected));
    if (users.count(f[0]))
      return invalid_argument(where + "the token of user \"" + f[1] + "\" is already given to user \"" +
                              users.find(f[0])->second.username + "\"; every token names one user");
    RequestUser u;
    u.username = f[1];
    u.uid = f[2];
    u.groups.clear();
    if (f.size() == 4) {
      std::string_view groups = f[3];
      while (!groups.empty()) {
        const auto comma = groups.find(',');
        const std::string g(groups.substr(0, comma));
        groups = comma == std::string_view::npos ? std::string_view() : groups.substr(comma + 1);
        if (!g.empty()) u.groups.push_back(g);
      }
    }
    users.emplace(f[0], authenticated_user(std::move(u)));
  }
  return users;
}

Result<TokenUsers> load_token_auth_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalid_argument("token auth file " + path + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  return parse_token_auth_file(text.str(), path);
}

RequestUser certificate_user(std::string common_name, std::vector<std::string> organizations) {
  RequestUser u;
  u.username = std::move(common_name);
  u.groups = std::move(organizations);
  return authenticated_user(std::move(u));
}

RequestUser authenticated_user(RequestUser user) {
  auto add = [&](const std::string& g) {
    if (std::find(user.groups.begin(), user.groups.end(), g) == user.groups.end()) user.groups.push_back(g);
  };
  constexpr std::string_view kServiceAccountPrefix = "system:serviceaccount:";
  if (user.username.rfind(kServiceAccountPrefix, 0) == 0) {
    const std::string rest = user.username.substr(kServiceAccountPrefix.size());
    const auto colon = rest.find(':');
    if (colon != std::string::npos && colon > 0 && colon + 1 < rest.size()) {
      add("system:serviceaccounts");
      add("system:serviceaccounts:" + rest.substr(0, colon));
    }
  }
  add("system:authenticated");
  return user;
}

RequestUser anonymous_user() {
  RequestUser u;
  u.username = "system:anonymous";
  u.groups = {"system:unauthenticated"};
  return u;
}

}  // namespace kci::apiserver
