// Who a request comes from, as kube-apiserver's authenticators say: a static token file
// (--token-auth-file, CSV `token,user,uid[,"group1,group2"]`), a client certificate (user =
// its subject's CN, groups = its O entries), and the groups every authenticated user gets
// (system:authenticated; a ServiceAccount's system:serviceaccounts and
// system:serviceaccounts:<namespace>).
//
// Must not: read sockets or certificates itself (the HTTP server extracts CN and O), or
// decide what a user may do (rbac.h does).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "fake-apiserver/api_server.h"

namespace kci::apiserver {

//! The users of a static token file, by token.
using TokenUsers = std::map<std::string, RequestUser, std::less<>>;

//! Parses a token file's text: one CSV record per line, `token,user,uid` and optionally a
//! fourth field with the groups, comma-separated (quote it: "group1,group2"); blank lines are
//! skipped. An error names `path`, the line and what the line needs. Users are returned as
//! authenticated_user() completes them.
Result<TokenUsers> parse_token_auth_file(std::string_view text, const std::string& path);
//! Reads and parses the file; an unreadable file is an error naming it.
Result<TokenUsers> load_token_auth_file(const std::string& path);

//! The user a verified client certificate names: user = the subject's CN, groups = its O
//! entries; completed by authenticated_user().
RequestUser certificate_user(std::string common_name, std::vector<std::string> organizations);

//! Adds the groups kube-apiserver adds to an authenticated user: system:authenticated, and
//! for "system:serviceaccount:<ns>:<name>" system:serviceaccounts and
//! system:serviceaccounts:<ns> (what its ServiceAccount token authenticator gives).
RequestUser authenticated_user(RequestUser user);

//! The user of requests that bring no credentials to a server that asks for none.
RequestUser anonymous_user();

}  // namespace kci::apiserver
