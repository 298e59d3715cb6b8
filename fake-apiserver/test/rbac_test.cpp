// RBAC and authentication as kube-apiserver has them: rule matching (verbs, groups,
// subresources, wildcards, resourceNames, nonResourceURLs), binding scope (a RoleBinding
// grants in its namespace only, also when it refers to a ClusterRole), subjects (users,
// groups, ServiceAccounts), the Forbidden message word for word, validation of the RBAC
// objects, the static token file, and over HTTP: 401 for no credentials, 403 with a
// Forbidden Status for a known user without a grant.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "fake-apiserver/authentication.h"
#include "fake-apiserver/http_server.h"
#include "fake-apiserver/owner_loop.h"
#include "fake-apiserver/rbac.h"
#include "fake-apiserver/test/fixture.h"

namespace kci::apiserver {
namespace {

using testing::Cluster;

const kube::ResourceRef kClusterRoles{"rbac.authorization.k8s.io", "v1", "clusterroles", "", ""};
const kube::ResourceRef kClusterRoleBindings{"rbac.authorization.k8s.io", "v1", "clusterrolebindings", "", ""};
const kube::ResourceRef kRoles{"rbac.authorization.k8s.io", "v1", "roles", "", ""};
const kube::ResourceRef kRoleBindings{"rbac.authorization.k8s.io", "v1", "rolebindings", "", ""};

Json role(const std::string& kind, const std::string& name, Json rules, const std::string& ns = "") {
  Json meta = {{"name", name}};
  if (!ns.empty()) meta["namespace"] = ns;
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"}, {"kind", kind}, {"metadata", meta}, {"rules", rules}};
}

Json binding(const std::string& kind, const std::string& name, const std::string& role_kind,
             const std::string& role_name, Json subjects, const std::string& ns = "") {
  Json meta = {{"name", name}};
  if (!ns.empty()) meta["namespace"] = ns;
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", kind},
          {"metadata", meta},
          {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", role_kind}, {"name", role_name}}},
          {"subjects", subjects}};
}

Json sa(const std::string& name, const std::string& ns) {
  return {{"kind", "ServiceAccount"}, {"name", name}, {"namespace", ns}};
}

RequestUser service_account(const std::string& ns, const std::string& name) {
  RequestUser u;
  u.username = "system:serviceaccount:" + ns + ":" + name;
  u.groups.clear();
  return authenticated_user(u);
}

RequestAttributes resource(const std::string& verb, const std::string& group, const std::string& res,
                           const std::string& ns = "", const std::string& name = "", const std::string& sub = "") {
  RequestAttributes a;
  a.resource_request = true;
  a.verb = verb;
  a.api_group = group;
  a.resource = res;
  a.ns = ns;
  a.name = name;
  a.subresource = sub;
  return a;
}

RequestAttributes path(const std::string& p) {
  RequestAttributes a;
  a.verb = "get";
  a.path = p;
  return a;
}

// ---- rules -----------------------------------------------------------------------------------

TEST(RbacRules, VerbsGroupsResourcesAndWildcards) {
  const Json rule = {{"apiGroups", {""}}, {"resources", {"pods"}}, {"verbs", {"get", "list"}}};
  EXPECT_TRUE(rule_allows(rule, resource("get", "", "pods", "default", "x")));
  EXPECT_TRUE(rule_allows(rule, resource("list", "", "pods", "default")));
  EXPECT_FALSE(rule_allows(rule, resource("watch", "", "pods", "default")));
  EXPECT_FALSE(rule_allows(rule, resource("get", "apps", "pods", "default", "x")));
  EXPECT_FALSE(rule_allows(rule, resource("get", "", "nodes", "", "x")));
  const Json any = {{"apiGroups", {"*"}}, {"resources", {"*"}}, {"verbs", {"*"}}};
  EXPECT_TRUE(rule_allows(any, resource("deletecollection", "apps", "deployments", "default")));
  EXPECT_TRUE(rule_allows(any, resource("update", "", "pods", "default", "x", "status")));
  EXPECT_FALSE(rule_allows(any, path("/version")));  // resource rules never allow paths
}

TEST(RbacRules, SubresourcesAreNamedResourceSlashSubresource) {
  const Json pods = {{"apiGroups", {""}}, {"resources", {"pods"}}, {"verbs", {"update"}}};
  EXPECT_FALSE(rule_allows(pods, resource("update", "", "pods", "default", "x", "status")));
  const Json status = {{"apiGroups", {""}}, {"resources", {"pods/status"}}, {"verbs", {"update"}}};
  EXPECT_TRUE(rule_allows(status, resource("update", "", "pods", "default", "x", "status")));
  EXPECT_FALSE(rule_allows(status, resource("update", "", "pods", "default", "x")));
  EXPECT_FALSE(rule_allows(status, resource("update", "", "pods", "default", "x", "binding")));
  const Json any_status = {{"apiGroups", {""}}, {"resources", {"*/status"}}, {"verbs", {"update"}}};
  EXPECT_TRUE(rule_allows(any_status, resource("update", "", "nodes", "", "n", "status")));
  EXPECT_FALSE(rule_allows(any_status, resource("update", "", "nodes", "", "n")));
}

TEST(RbacRules, ResourceNamesLimitNamedRequestsAndNameSelectedLists) {
  const Json rule = {{"apiGroups", {""}},
                     {"resources", {"configmaps"}},
                     {"resourceNames", {"extender-conf"}},
                     {"verbs", {"get", "list", "watch"}}};
  EXPECT_TRUE(rule_allows(rule, resource("get", "", "configmaps", "kube-system", "extender-conf")));
  EXPECT_FALSE(rule_allows(rule, resource("get", "", "configmaps", "kube-system", "other")));
  EXPECT_FALSE(rule_allows(rule, resource("list", "", "configmaps", "kube-system")));
  // A list or watch selecting metadata.name carries that name, as kube-apiserver derives it.
  HttpRequest req{"GET", "/api/v1/namespaces/kube-system/configmaps?fieldSelector=metadata.name%3Dextender-conf&watch=true",
                  "", "", ""};
  const RequestAttributes watch = request_attributes(req);
  EXPECT_EQ(watch.verb, "watch");
  EXPECT_EQ(watch.name, "extender-conf");
  EXPECT_TRUE(rule_allows(rule, watch));
  req.target = "/api/v1/namespaces/kube-system/configmaps?fieldSelector=metadata.name%3Dother";
  EXPECT_EQ(request_attributes(req).verb, "list");
  EXPECT_FALSE(rule_allows(rule, request_attributes(req)));
}

TEST(RbacRules, NonResourceUrlsExactAndPrefix) {
  const Json rule = {{"nonResourceURLs", {"/version", "/apis/*"}}, {"verbs", {"get"}}};
  EXPECT_TRUE(rule_allows(rule, path("/version")));
  EXPECT_TRUE(rule_allows(rule, path("/apis/apps/v1")));
  EXPECT_FALSE(rule_allows(rule, path("/apis")));
  EXPECT_FALSE(rule_allows(rule, path("/versionz")));
  EXPECT_FALSE(rule_allows(rule, resource("get", "", "pods", "default", "x")));
}

TEST(RbacRules, RequestAttributesFollowKubeApiserver) {
  auto attrs = [](const std::string& method, const std::string& target) {
    return request_attributes(HttpRequest{method, target, "", "", ""});
  };
  EXPECT_EQ(attrs("GET", "/api/v1/nodes").verb, "list");
  EXPECT_EQ(attrs("GET", "/api/v1/watch/nodes").verb, "watch");
  EXPECT_EQ(attrs("DELETE", "/api/v1/namespaces/default/pods").verb, "deletecollection");
  EXPECT_EQ(attrs("DELETE", "/api/v1/namespaces/default/pods/x").verb, "delete");
  EXPECT_EQ(attrs("PATCH", "/apis/apps/v1/namespaces/a/deployments/d").api_group, "apps");
  const auto binding = attrs("POST", "/api/v1/namespaces/default/pods/x/binding");
  EXPECT_EQ(binding.verb, "create");
  EXPECT_EQ(binding.subresource, "binding");
  EXPECT_EQ(binding.ns, "default");
  const auto version = attrs("GET", "/version?timeout=32s");
  EXPECT_FALSE(version.resource_request);
  EXPECT_EQ(version.path, "/version");
  EXPECT_FALSE(attrs("GET", "/apis/apps/v1").resource_request);
  EXPECT_EQ(attrs("GET", "/api/v1/namespaces/team-a").ns, "team-a");
}

// ---- the authorizer over stored roles ------------------------------------------------------

struct RbacAuthz : ::testing::Test {
  void SetUp() override {
    for (const char* ns : {"team", "ns", "other"})
      ASSERT_TRUE(c.client.create(kube::namespaces(), {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}}).ok());
  }
  void create(const kube::ResourceRef& ref, const Json& object) {
    auto r = c.client.create(ref.in(object["metadata"].value("namespace", "")), object);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  Status check(const RequestUser& u, const RequestAttributes& a) { return authorizer.authorize(u, a); }
  Cluster c;
  RbacAuthorizer authorizer{c.client};
};

TEST_F(RbacAuthz, DeniesByDefaultWithKubeApiserversMessage) {
  const auto u = service_account("kube-system", "virtual-kubelet-sa");
  Status st = check(u, resource("get", "", "pods", "default", "x"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(st.error().message,
            "pods \"x\" is forbidden: User \"system:serviceaccount:kube-system:virtual-kubelet-sa\" cannot get "
            "resource \"pods\" in API group \"\" in the namespace \"default\"");
  st = check(u, resource("list", "", "nodes"));
  EXPECT_EQ(st.error().message,
            "nodes is forbidden: User \"system:serviceaccount:kube-system:virtual-kubelet-sa\" cannot list "
            "resource \"nodes\" in API group \"\" at the cluster scope");
  st = check(u, resource("update", "", "pods", "default", "x", "status"));
  EXPECT_EQ(st.error().message,
            "pods \"x\" is forbidden: User \"system:serviceaccount:kube-system:virtual-kubelet-sa\" cannot update "
            "resource \"pods/status\" in API group \"\" in the namespace \"default\"");
  st = check(u, resource("watch", "apps", "deployments", "a"));
  EXPECT_EQ(st.error().message,
            "deployments.apps is forbidden: User \"system:serviceaccount:kube-system:virtual-kubelet-sa\" cannot "
            "watch resource \"deployments\" in API group \"apps\" in the namespace \"a\"");
  EXPECT_EQ(check(u, path("/metrics")).error().message,
            "forbidden: User \"system:serviceaccount:kube-system:virtual-kubelet-sa\" cannot get path \"/metrics\"");
}

TEST_F(RbacAuthz, MastersBypass) {
  EXPECT_TRUE(check(RequestUser{}, resource("delete", "", "nodes", "", "n")).ok());
}

TEST_F(RbacAuthz, ClusterRoleBindingGrantsEverywhere) {
  create(kClusterRoles, role("ClusterRole", "reader", {{{"apiGroups", {""}}, {"resources", {"pods"}}, {"verbs", {"list"}}}}));
  create(kClusterRoleBindings, binding("ClusterRoleBinding", "reader", "ClusterRole", "reader", {sa("a", "ns1")}));
  EXPECT_TRUE(check(service_account("ns1", "a"), resource("list", "", "pods", "anywhere")).ok());
  EXPECT_TRUE(check(service_account("ns1", "a"), resource("list", "", "pods")).ok());
  EXPECT_FALSE(check(service_account("ns2", "a"), resource("list", "", "pods", "anywhere")).ok());
  EXPECT_FALSE(check(service_account("ns1", "a"), resource("get", "", "pods", "anywhere", "p")).ok());
}

TEST_F(RbacAuthz, RoleBindingGrantsOnlyInItsNamespaceEvenForAClusterRole) {
  create(kClusterRoles, role("ClusterRole", "cm-reader", {{{"apiGroups", {""}}, {"resources", {"configmaps"}}, {"verbs", {"get"}}}}));
  create(kRoles, role("Role", "lease", {{{"apiGroups", {"coordination.k8s.io"}}, {"resources", {"leases"}}, {"verbs", {"update"}}}},
                      "kube-node-lease"));
  create(kRoleBindings, binding("RoleBinding", "cm", "ClusterRole", "cm-reader", {sa("a", "ns1")}, "team"));
  create(kRoleBindings, binding("RoleBinding", "lease", "Role", "lease", {sa("a", "ns1")}, "kube-node-lease"));
  const auto u = service_account("ns1", "a");
  EXPECT_TRUE(check(u, resource("get", "", "configmaps", "team", "c")).ok());
  EXPECT_FALSE(check(u, resource("get", "", "configmaps", "other", "c")).ok());
  EXPECT_FALSE(check(u, resource("get", "", "configmaps", "", "c")).ok());
  EXPECT_TRUE(check(u, resource("update", "coordination.k8s.io", "leases", "kube-node-lease", "n")).ok());
  EXPECT_FALSE(check(u, resource("update", "coordination.k8s.io", "leases", "default", "n")).ok());
  // A Role of another namespace with the same name grants nothing here.
  create(kRoleBindings, binding("RoleBinding", "lease", "Role", "lease", {sa("a", "ns1")}, "default"));
  EXPECT_FALSE(check(u, resource("update", "coordination.k8s.io", "leases", "default", "n")).ok());
}

TEST_F(RbacAuthz, GroupAndUserSubjectsAndServiceAccountDefaultNamespace) {
  create(kClusterRoles, role("ClusterRole", "nodes", {{{"apiGroups", {""}}, {"resources", {"nodes"}}, {"verbs", {"get"}}}}));
  create(kClusterRoleBindings, binding("ClusterRoleBinding", "ops", "ClusterRole", "nodes",
                                       {{{"kind", "Group"}, {"name", "ops"}}, {{"kind", "User"}, {"name", "alice"}}}));
  RequestUser bob{"bob", {"ops"}, ""};
  RequestUser alice{"alice", {}, ""};
  RequestUser carol{"carol", {"dev"}, ""};
  EXPECT_TRUE(check(bob, resource("get", "", "nodes", "", "n")).ok());
  EXPECT_TRUE(check(alice, resource("get", "", "nodes", "", "n")).ok());
  EXPECT_FALSE(check(carol, resource("get", "", "nodes", "", "n")).ok());
  // Every ServiceAccount of a namespace, by its group.
  create(kClusterRoleBindings, binding("ClusterRoleBinding", "sas", "ClusterRole", "nodes",
                                       {{{"kind", "Group"}, {"name", "system:serviceaccounts:ci"}}}));
  EXPECT_TRUE(check(service_account("ci", "any"), resource("get", "", "nodes", "", "n")).ok());
  // A RoleBinding's ServiceAccount subject without a namespace is in the binding's namespace.
  create(kRoles, role("Role", "pods", {{{"apiGroups", {""}}, {"resources", {"pods"}}, {"verbs", {"get"}}}}, "team"));
  create(kRoleBindings, binding("RoleBinding", "pods", "Role", "pods", {{{"kind", "ServiceAccount"}, {"name", "app"}}}, "team"));
  EXPECT_TRUE(check(service_account("team", "app"), resource("get", "", "pods", "team", "p")).ok());
  EXPECT_FALSE(check(service_account("other", "app"), resource("get", "", "pods", "team", "p")).ok());
}

TEST_F(RbacAuthz, BootstrapRolesLetAuthenticatedUsersDiscover) {
  ASSERT_TRUE(create_bootstrap_rbac(c.client).ok());
  ASSERT_TRUE(create_bootstrap_rbac(c.client).ok());  // again: existing ones are kept
  const auto u = service_account("ns", "x");
  for (const char* p : {"/api", "/api/v1", "/apis", "/apis/apps/v1", "/version", "/openapi/v2", "/healthz"})
    EXPECT_TRUE(check(u, path(p)).ok()) << p;
  EXPECT_FALSE(check(u, path("/metrics")).ok());
  EXPECT_FALSE(check(anonymous_user(), path("/api")).ok());
  EXPECT_TRUE(check(anonymous_user(), path("/version")).ok());
  RequestUser master{"root", {"system:masters"}, ""};
  EXPECT_TRUE(check(master, resource("create", "", "pods", "ns")).ok());
  // A non-resource rule granted through a RoleBinding would be ignored: only resource rules
  // apply in a namespace (and a Role cannot hold one: validation refuses it).
  auto r = c.client.create(kRoles.in("ns"), role("Role", "bad", {{{"nonResourceURLs", {"/metrics"}}, {"verbs", {"get"}}}}, "ns"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("rules[0].nonResourceURLs: Invalid value"), std::string::npos) << r.error().message;
}

// ---- validation --------------------------------------------------------------------------------

TEST_F(RbacAuthz, ValidationNamesTheField) {
  auto bad_kind = binding("ClusterRoleBinding", "b", "Role", "r", {sa("a", "ns")});
  auto r = c.client.create(kClusterRoleBindings, bad_kind);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\""),
            std::string::npos)
      << r.error().message;
  r = c.client.create(kRoleBindings.in("ns"), binding("RoleBinding", "b", "Secret", "r", {sa("a", "ns")}, "ns"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("roleRef.kind: Unsupported value: \"Secret\": supported values: \"Role\", \"ClusterRole\""),
            std::string::npos)
      << r.error().message;
  r = c.client.create(kClusterRoleBindings,
                      binding("ClusterRoleBinding", "b", "ClusterRole", "r", {{{"kind", "Robot"}, {"name", "x"}}}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("subjects[0].kind: Unsupported value: \"Robot\": supported values: "
                                   "\"ServiceAccount\", \"User\", \"Group\""),
            std::string::npos)
      << r.error().message;
  r = c.client.create(kClusterRoleBindings, binding("ClusterRoleBinding", "b", "ClusterRole", "r",
                                                    {{{"kind", "ServiceAccount"}, {"name", "x"}}}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("subjects[0].namespace: Required value"), std::string::npos) << r.error().message;
  r = c.client.create(kClusterRoles, role("ClusterRole", "r", {{{"apiGroups", {""}}, {"resources", {"pods"}}}}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("rules[0].verbs: Required value"), std::string::npos) << r.error().message;
  // The default subject apiGroup is filled in; names with ':' are accepted.
  r = c.client.create(kClusterRoleBindings, binding("ClusterRoleBinding", "system:x", "ClusterRole", "r",
                                                    {{{"kind", "User"}, {"name", "alice"}}}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)->at("subjects")[0].value("apiGroup", ""), "rbac.authorization.k8s.io");
}

TEST_F(RbacAuthz, RoleRefIsImmutable) {
  create(kRoleBindings, binding("RoleBinding", "b", "Role", "r1", {sa("a", "ns")}, "ns"));
  auto current = c.client.get(kRoleBindings.in("ns").named("b"));
  ASSERT_TRUE(current.ok());
  Json next = **current;
  next["roleRef"]["name"] = "r2";
  auto r = c.client.update(kRoleBindings.in("ns").named("b"), next);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("roleRef: Invalid value: "), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("cannot change roleRef"), std::string::npos) << r.error().message;
  // Subjects may change.
  next = **current;
  next["subjects"].push_back(sa("b", "ns"));
  EXPECT_TRUE(c.client.update(kRoleBindings.in("ns").named("b"), next).ok());
}

// ---- the token file ------------------------------------------------------------------------

TEST(RbacTokenFile, ParsesUsersGroupsAndServiceAccounts) {
  auto users = parse_token_auth_file(
      "t1,alice,uid-1,\"dev,ops\"\n\n"
      "t2,system:serviceaccount:kube-system:virtual-kubelet-sa,uid-2\r\n"
      "  t3 , bob ,uid-3,solo\n",
      "tokens.csv");
  ASSERT_TRUE(users.ok()) << users.error().message;
  ASSERT_EQ(users->size(), 3u);
  const RequestUser& alice = users->at("t1");
  EXPECT_EQ(alice.username, "alice");
  EXPECT_EQ(alice.uid, "uid-1");
  EXPECT_EQ(alice.groups, (std::vector<std::string>{"dev", "ops", "system:authenticated"}));
  EXPECT_EQ(users->at("t2").groups,
            (std::vector<std::string>{"system:serviceaccounts", "system:serviceaccounts:kube-system",
                                      "system:authenticated"}));
  // Leading spaces are trimmed (Go's TrimLeadingSpace), trailing ones are kept as kube-apiserver keeps them.
  EXPECT_EQ(users->count("t3 "), 1u);
}

TEST(RbacTokenFile, BadLinesNameTheFileTheLineAndWhatIsExpected) {
  auto too_few = parse_token_auth_file("t1,alice,u1\nt2,bob\n", "/etc/tokens.csv");
  ASSERT_FALSE(too_few.ok());
  EXPECT_EQ(too_few.error().message,
            "token auth file /etc/tokens.csv line 2: has 2 field(s); expected token,user,uid[,\"group1,group2\"]");
  auto unquoted = parse_token_auth_file("t1,alice,u1,dev,ops\n", "f");
  ASSERT_FALSE(unquoted.ok());
  EXPECT_NE(unquoted.error().message.find("line 1: has 5 fields; quote the groups as one field"), std::string::npos)
      << unquoted.error().message;
  auto open_quote = parse_token_auth_file("t1,alice,u1,\"dev\n", "f");
  ASSERT_FALSE(open_quote.ok());
  EXPECT_NE(open_quote.error().message.find("line 1: a quoted field is not closed"), std::string::npos);
  auto empty_token = parse_token_auth_file(",alice,u1\n", "f");
  ASSERT_FALSE(empty_token.ok());
  EXPECT_NE(empty_token.error().message.find("the token (field 1) is empty"), std::string::npos);
  auto duplicate = parse_token_auth_file("t,alice,u1\nt,bob,u2\n", "f");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_NE(duplicate.error().message.find("line 2: the token of user \"bob\" is already given to user \"alice\""),
            std::string::npos);
  auto missing = load_token_auth_file("/nonexistent/tokens.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "token auth file /nonexistent/tokens.csv: cannot be read");
}

// ---- over HTTP -------------------------------------------------------------------------------

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Reply {
  int status = 0;
  Json body;
};

struct RbacServed {
  RbacServed() : api(loop.sim()), client(api) {
    HttpServerOptions o;
    o.bearer_token = "admin-token";
    o.authorization_mode = "RBAC";
    auto users = parse_token_auth_file("vk-token,system:serviceaccount:kube-system:virtual-kubelet-sa,u1\n", "t");
    EXPECT_TRUE(users.ok());
    o.token_users = *users;
    EXPECT_TRUE(create_bootstrap_rbac(client).ok());
    server = std::make_unique<HttpServer>(client, loop, loop.sim().clock(), o);
    loop.start();
    EXPECT_TRUE(server->start("127.0.0.1", 0).ok());
  }
  ~RbacServed() {
    server->stop();
    loop.stop();
  }
  Reply call(http::verb verb, const std::string& target, const std::string& token, const std::string& body = {}) {
    asio::io_context ioc;
    tcp::socket s(ioc);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->port()));
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::accept, "application/json");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(s, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(s, buf, res);
    return {static_cast<int>(res.result_int()), Json::parse(res.body(), nullptr, false)};
  }
  RealTimeLoop loop;
  ApiServer api;
  InProcessClient client;
  std::unique_ptr<HttpServer> server;
};

TEST(RbacHttp, UnknownTokenIs401KnownUserWithoutAGrantIs403) {
  RbacServed s;
  EXPECT_EQ(s.call(http::verb::get, "/api/v1/namespaces/default/pods/x", "").status, 401);
  EXPECT_EQ(s.call(http::verb::get, "/api/v1/namespaces/default/pods/x", "wrong").status, 401);
  const Reply r = s.call(http::verb::get, "/api/v1/namespaces/default/pods/x", "vk-token");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body["kind"], "Status");
  EXPECT_EQ(r.body["reason"], "Forbidden");
  EXPECT_EQ(r.body["code"], 403);
  EXPECT_EQ(r.body["message"],
            "pods \"x\" is forbidden: User \"system:serviceaccount:kube-system:virtual-kubelet-sa\" cannot get "
            "resource \"pods\" in API group \"\" in the namespace \"default\"");
  EXPECT_EQ(r.body["details"], (Json{{"name", "x"}, {"kind", "pods"}}));
  const Reply watch = s.call(http::verb::get, "/api/v1/nodes?watch=true", "vk-token");
  EXPECT_EQ(watch.status, 403);
  EXPECT_EQ(watch.body["message"],
            "nodes is forbidden: User \"system:serviceaccount:kube-system:virtual-kubelet-sa\" cannot watch "
            "resource \"nodes\" in API group \"\" at the cluster scope");
  // Discovery is open to every authenticated user; the admin token bypasses RBAC.
  EXPECT_EQ(s.call(http::verb::get, "/apis", "vk-token").status, 200);
  EXPECT_EQ(s.call(http::verb::get, "/api/v1/namespaces/default/pods", "admin-token").status, 200);
}

TEST(RbacHttp, AGrantCreatedOverHttpTakesEffectAtOnce) {
  RbacServed s;
  const Json cr = role("ClusterRole", "node-reader", {{{"apiGroups", {""}}, {"resources", {"nodes"}}, {"verbs", {"list"}}}});
  EXPECT_EQ(s.call(http::verb::post, "/apis/rbac.authorization.k8s.io/v1/clusterroles", "admin-token", cr.dump()).status,
            201);
  const Json crb = binding("ClusterRoleBinding", "node-reader", "ClusterRole", "node-reader",
                           {sa("virtual-kubelet-sa", "kube-system")});
  EXPECT_EQ(
      s.call(http::verb::post, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", "admin-token", crb.dump()).status,
      201);
  EXPECT_EQ(s.call(http::verb::get, "/api/v1/nodes", "vk-token").status, 200);
  EXPECT_EQ(s.call(http::verb::get, "/api/v1/nodes/n1", "vk-token").status, 403);
  // The service account may not grant itself more.
  EXPECT_EQ(s.call(http::verb::post, "/apis/rbac.authorization.k8s.io/v1/clusterroles", "vk-token",
                   role("ClusterRole", "more", {{{"apiGroups", {"*"}}, {"resources", {"*"}}, {"verbs", {"*"}}}}).dump())
                .status,
            403);
  // `kubectl auth can-i`: a SelfSubjectAccessReview, answered for the asking user.
  const Json can_list = {{"apiVersion", "authorization.k8s.io/v1"},
                         {"kind", "SelfSubjectAccessReview"},
                         {"spec", {{"resourceAttributes", {{"verb", "list"}, {"resource", "nodes"}}}}}};
  const Reply yes = s.call(http::verb::post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "vk-token",
                           can_list.dump());
  EXPECT_EQ(yes.status, 201);
  EXPECT_EQ(yes.body["status"]["allowed"], true) << yes.body.dump();
  Json can_delete = can_list;
  can_delete["spec"]["resourceAttributes"]["verb"] = "delete";
  const Reply no = s.call(http::verb::post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "vk-token",
                          can_delete.dump());
  EXPECT_EQ(no.body["status"]["allowed"], false) << no.body.dump();
  // As kubectl sends it: protobuf in Kubernetes' envelope ("k8s\0", runtime.Unknown.raw).
  auto field = [](int number, const std::string& bytes) {
    return std::string(1, static_cast<char>(number << 3 | 2)) + static_cast<char>(bytes.size()) + bytes;
  };
  const std::string attributes = field(2, "list") + field(5, "nodes");
  const std::string proto = std::string("k8s\0", 4) + field(2, field(2, field(1, attributes)));
  const Reply from_kubectl =
      s.call(http::verb::post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "vk-token", proto);
  EXPECT_EQ(from_kubectl.status, 201);
  EXPECT_EQ(from_kubectl.body["spec"]["resourceAttributes"], (Json{{"verb", "list"}, {"resource", "nodes"}}));
  EXPECT_EQ(from_kubectl.body["status"]["allowed"], true) << from_kubectl.body.dump();
  // The same decoder as every protobuf body: a field it does not know is named, not skipped.
  const std::string unknown = std::string("k8s\0", 4) + field(2, field(2, field(1, attributes + field(12, "x"))));
  const Reply refused =
      s.call(http::verb::post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "vk-token", unknown);
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.dump().find("field number 12 is not a field of authorization.v1.ResourceAttributes"),
            std::string::npos)
      << refused.body.dump();
  const Reply neither = s.call(http::verb::post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "vk-token",
                               Json{{"kind", "SelfSubjectAccessReview"}, {"spec", Json::object()}}.dump());
  EXPECT_EQ(neither.status, 422);
  // Discovery lists the RBAC group.
  const Reply rbac = s.call(http::verb::get, "/apis/rbac.authorization.k8s.io/v1", "vk-token");
  EXPECT_EQ(rbac.status, 200);
  EXPECT_NE(rbac.body.dump().find("\"clusterrolebindings\""), std::string::npos);
}

}  // namespace
}  // namespace kci::apiserver
