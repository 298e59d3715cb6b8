// The HTTP face end to end over loopback: a RealTimeLoop owns the fake API server and its
// in-process client; requests go through real sockets.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "fake-apiserver/api_server.h"
#include "fake-apiserver/http_server.h"
#include "fake-apiserver/inprocess_client.h"
#include "fake-apiserver/kubeconfig.h"
#include "fake-apiserver/owner_loop.h"

namespace kci::apiserver {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using kube::Json;

constexpr const char* kToken = "test-token";
constexpr const char* kTableAccept =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

struct Reply {
  int status = 0;
  std::string content_type;
  std::string body;
  Json json() const { return Json::parse(body, nullptr, false); }
};

//! A running fake API server on a loopback port.
struct Served {
  Served() : api(loop.sim()), client(api), server(client, loop, loop.sim().clock(), options()) {
    loop.start();
    auto st = server.start("127.0.0.1", 0);
    EXPECT_TRUE(st.ok());
  }
  ~Served() {
    server.stop();
    loop.stop();
  }
  static HttpServerOptions options() {
    HttpServerOptions o;
    o.bearer_token = kToken;
    o.kubelet_scheme = "http";  // the kubelet stand-in below serves plain HTTP
    return o;
  }

  Reply call(http::verb verb, const std::string& target, const std::string& body = {},
             const std::string& content_type = "application/json",
             const std::string& accept = "application/json", bool auth = true) {
    asio::io_context ioc;
    tcp::socket s(ioc);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::accept, accept);
    if (auth) req.set(http::field::authorization, std::string("Bearer ") + kToken);
    if (!body.empty()) req.set(http::field::content_type, content_type);
    req.body() = body;
    req.prepare_payload();
    http::write(s, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(s, buf, res);
    Reply r;
    r.status = res.result_int();
    r.content_type = std::string(res[http::field::content_type]);
    r.body = res.body();
    return r;
  }

  RealTimeLoop loop;
  ApiServer api;
  InProcessClient client;
  HttpServer server;
};

std::string pod(const std::string& name) {
  return Json{{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", name}, {"labels", {{"app", "web"}}}}},
              {"spec", {{"containers", {{{"name", "c"}, {"image", "nginx:1.25"}}}}}}}
      .dump();
}

TEST(HttpServer, DiscoveryAndVersion) {
  Served s;
  auto v = s.call(http::verb::get, "/version");
  EXPECT_EQ(v.status, 200);
  EXPECT_EQ(v.json()["major"], "1");
  auto api = s.call(http::verb::get, "/api");
  EXPECT_EQ(api.json()["versions"], Json::array({"v1"}));
  auto apps = s.call(http::verb::get, "/apis/apps/v1");
  EXPECT_EQ(apps.json()["groupVersion"], "apps/v1");
  auto missing = s.call(http::verb::get, "/apis/nope/v1");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json()["kind"], "Status");
  auto oapi = s.call(http::verb::get, "/openapi/v2", {}, {},
                     "application/com.github.proto-openapi.spec.v2@v1.0+protobuf");
  EXPECT_EQ(oapi.status, 200);
  EXPECT_EQ(oapi.content_type, "application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
  EXPECT_EQ(oapi.body.substr(0, 5), std::string("\x0a\x03" "2.0", 5));
}

TEST(HttpServer, RefusesRequestsWithoutTheToken) {
  Served s;
  auto r = s.call(http::verb::get, "/api/v1/namespaces/default/pods", {}, {}, "application/json", false);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.json()["reason"], "Unauthorized");
}

TEST(HttpServer, CreateGetListTableAndErrors) {
  Served s;
  auto created = s.call(http::verb::post, "/api/v1/namespaces/default/pods", pod("web"));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json()["metadata"]["namespace"], "default");
  auto again = s.call(http::verb::post, "/api/v1/namespaces/default/pods", pod("web"));
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.json()["reason"], "AlreadyExists");
  auto got = s.call(http::verb::get, "/api/v1/namespaces/default/pods/web");
  EXPECT_EQ(got.json()["metadata"]["name"], "web");
  auto none = s.call(http::verb::get, "/api/v1/namespaces/default/pods/zz");
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(none.json()["reason"], "NotFound");

  auto list = s.call(http::verb::get, "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb");
  EXPECT_EQ(list.json()["kind"], "PodList");
  EXPECT_EQ(list.json()["items"].size(), 1u);
  auto table = s.call(http::verb::get, "/api/v1/namespaces/default/pods?limit=500", {}, {}, kTableAccept);
  const Json t = table.json();
  EXPECT_EQ(t["kind"], "Table");
  ASSERT_EQ(t["rows"].size(), 1u);
  EXPECT_EQ(t["rows"][0]["cells"][0], "web");
  EXPECT_EQ(t["rows"][0]["cells"][2], "Pending");
  EXPECT_EQ(t["rows"][0]["cells"][4], "0s");
  EXPECT_FALSE(t["metadata"]["resourceVersion"].get<std::string>().empty());

  auto bad_selector = s.call(http::verb::get, "/api/v1/namespaces/default/pods?labelSelector=%3D%3D");
  EXPECT_EQ(bad_selector.status, 400) << bad_selector.body;
  auto cluster_in_ns = s.call(http::verb::get, "/api/v1/namespaces/default/nodes");
  EXPECT_EQ(cluster_in_ns.status, 404);
}

TEST(HttpServer, PatchesScaleAndDelete) {
  Served s;
  const Json deploy = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", {{"name", "web"}}},
      {"spec",
       {{"replicas", 1},
        {"selector", {{"matchLabels", {{"app", "web"}}}}},
        {"template",
         {{"metadata", {{"labels", {{"app", "web"}}}}},
          {"spec", {{"containers", {{{"name", "nginx"}, {"image", "nginx:1.25"}}}}}}}}}}};
  ASSERT_EQ(s.call(http::verb::post, "/apis/apps/v1/namespaces/default/deployments", deploy.dump()).status, 201);
  auto scaled = s.call(http::verb::patch, "/apis/apps/v1/namespaces/default/deployments/web/scale",
                       R"({"spec":{"replicas":3}})", "application/merge-patch+json");
  ASSERT_EQ(scaled.status, 200) << scaled.body;
  EXPECT_EQ(scaled.json()["kind"], "Scale");
  EXPECT_EQ(scaled.json()["spec"]["replicas"], 3);
  auto labelled = s.call(http::verb::patch, "/apis/apps/v1/namespaces/default/deployments/web",
                         R"({"metadata":{"labels":{"tier":"front"}}})",
                         "application/strategic-merge-patch+json");
  ASSERT_EQ(labelled.status, 200) << labelled.body;
  EXPECT_EQ(labelled.json()["metadata"]["labels"]["tier"], "front");
  EXPECT_EQ(labelled.json()["spec"]["replicas"], 3);
  auto jsonpatch = s.call(http::verb::patch, "/apis/apps/v1/namespaces/default/deployments/web",
                          R"([{"op":"replace","path":"/spec/replicas","value":2}])",
                          "application/json-patch+json");
  EXPECT_EQ(jsonpatch.json()["spec"]["replicas"], 2);
  auto ssa = s.call(http::verb::patch, "/apis/apps/v1/namespaces/default/deployments/web", "{}",
                    "application/apply-patch+yaml");
  EXPECT_EQ(ssa.status, 415);
  auto table = s.call(http::verb::get, "/apis/apps/v1/namespaces/default/deployments/web", {}, {}, kTableAccept);
  EXPECT_EQ(table.json()["rows"][0]["cells"][1], "0/2");
  auto del = s.call(http::verb::delete_, "/apis/apps/v1/namespaces/default/deployments/web",
                    R"({"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"})");
  EXPECT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(s.call(http::verb::get, "/apis/apps/v1/namespaces/default/deployments/web").status, 404);
}

//! Reads a chunked watch stream until `want` lines arrived or the deadline passed.
std::vector<Json> read_watch(unsigned short port, const std::string& target, std::size_t want,
                             const std::function<void()>& after_start) {
  asio::io_context ioc;
  tcp::socket s(ioc);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::accept, kTableAccept);
  req.set(http::field::authorization, std::string("Bearer ") + kToken);
  http::write(s, req);
  beast::flat_buffer buf;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  http::read_header(s, buf, parser);
  EXPECT_EQ(parser.get().result_int(), 200);
  after_start();
  std::vector<Json> lines;
  std::string pending;
  char data[4096];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (lines.size() < want && std::chrono::steady_clock::now() < deadline && !parser.is_done()) {
    parser.get().body().data = data;
    parser.get().body().size = sizeof data;
    beast::error_code ec;
    http::read_some(s, buf, parser, ec);
    if (ec && ec != http::error::need_buffer) break;
    pending.append(data, sizeof data - parser.get().body().size);
    std::size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      lines.push_back(Json::parse(pending.substr(0, nl), nullptr, false));
      pending.erase(0, nl + 1);
    }
  }
  return lines;
}

TEST(HttpServer, WatchStreamsTableEvents) {
  Served s;
  ASSERT_EQ(s.call(http::verb::post, "/api/v1/namespaces/default/pods", pod("a")).status, 201);
  auto list = s.call(http::verb::get, "/api/v1/namespaces/default/pods").json();
  const std::string rv = list["metadata"]["resourceVersion"];
  auto lines = read_watch(s.server.port(),
                          "/api/v1/namespaces/default/pods?watch=true&resourceVersion=" + rv, 2, [&] {
                            EXPECT_EQ(s.call(http::verb::post, "/api/v1/namespaces/default/pods", pod("b")).status, 201);
                            EXPECT_EQ(s.call(http::verb::delete_, "/api/v1/namespaces/default/pods/b?gracePeriodSeconds=0").status, 200);
                          });
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[0]["type"], "ADDED");
  EXPECT_EQ(lines[0]["object"]["kind"], "Table");
  EXPECT_EQ(lines[0]["object"]["rows"][0]["cells"][0], "b");
  EXPECT_FALSE(lines[0]["object"]["columnDefinitions"].empty());
  // Column definitions come with the first event only, as kube-apiserver sends them.
  EXPECT_TRUE(lines[1]["object"]["columnDefinitions"].empty());
}

TEST(HttpServer, WatchEndsAtTimeoutSeconds) {
  Served s;
  const auto start = std::chrono::steady_clock::now();
  // "True": the Python client's spelling, which kube-apiserver (strconv.ParseBool) accepts.
  auto lines = read_watch(s.server.port(), "/api/v1/namespaces/default/pods?watch=True&timeoutSeconds=1", 1, [] {});
  EXPECT_TRUE(lines.empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(8));
}

//! A kubelet stand-in on a loopback port: answers each GET with the target it received
//! (404 for targets under /missing), one connection at a time, until destroyed.
struct EchoKubelet {
  EchoKubelet() : acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    worker = std::thread([this] {
      for (;;) {
        tcp::socket s(ioc);
        boost::system::error_code ec;
        acceptor.accept(s, ec);
        if (ec || stopping) return;
        beast::flat_buffer buf;
        http::request<http::string_body> req;
        http::read(s, buf, req, ec);
        if (ec) continue;
        const std::string target(req.target());
        http::response<http::string_body> res{target.rfind("/missing", 0) == 0 ? http::status::not_found : http::status::ok,
                                              11};
        res.set(http::field::content_type, "text/plain");
        res.body() = "kubelet saw " + target;
        res.prepare_payload();
        http::write(s, res, ec);
      }
    });
  }
  ~EchoKubelet() {
    stopping = true;
    boost::system::error_code ec;
    tcp::socket wake(ioc);
    wake.connect(acceptor.local_endpoint(), ec);
    worker.join();
  }
  int port() const { return acceptor.local_endpoint().port(); }

  asio::io_context ioc;
  tcp::acceptor acceptor;
  std::atomic<bool> stopping{false};
  std::thread worker;
};

TEST(HttpServer, NodesProxyRelaysTheRestOfThePathToTheKubelet) {
  // kube-apiserver's nodes/{name}/proxy/{path}: what `kubectl get --raw` and the harness's
  // kubeletApi checks use to reach a kubelet of a real cluster.
  Served s;
  EchoKubelet kubelet;
  const Json node = {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", "vk-1"}}}};
  ASSERT_EQ(s.call(http::verb::post, "/api/v1/nodes", node.dump()).status, 201);
  Json status = node;
  status["status"] = {{"addresses", {{{"type", "InternalIP"}, {"address", "127.0.0.1"}}}},
                      {"daemonEndpoints", {{"kubeletEndpoint", {{"Port", kubelet.port()}}}}}};
  ASSERT_EQ(s.call(http::verb::put, "/api/v1/nodes/vk-1/status", status.dump()).status, 200);

  auto pods = s.call(http::verb::get, "/api/v1/nodes/vk-1/proxy/runningpods/");
  EXPECT_EQ(pods.status, 200) << pods.body;
  EXPECT_EQ(pods.body, "kubelet saw /runningpods/");
  // The path and query go on as sent, still percent-encoded.
  auto logs = s.call(http::verb::get, "/api/v1/nodes/vk-1/proxy/containerLogs/default/web%2D1/c?tailLines=1&timestamps=true");
  EXPECT_EQ(logs.body, "kubelet saw /containerLogs/default/web%2D1/c?tailLines=1&timestamps=true");
  EXPECT_EQ(s.call(http::verb::get, "/api/v1/nodes/vk-1/proxy").body, "kubelet saw /");
  // The kubelet's own answer is passed on as it is, status, type and body (pods/log instead
  // wraps a kubelet error in a Status, as kube-apiserver does).
  auto missing = s.call(http::verb::get, "/api/v1/nodes/vk-1/proxy/missing/thing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.content_type, "text/plain");
  EXPECT_EQ(missing.body, "kubelet saw /missing/thing");

  auto unknown = s.call(http::verb::get, "/api/v1/nodes/nope/proxy/pods");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.json()["reason"], "NotFound");
  auto post = s.call(http::verb::post, "/api/v1/nodes/vk-1/proxy/run/default/web/c", "{}");
  EXPECT_EQ(post.status, 405) << post.body;
  EXPECT_NE(post.json().value("message", "").find("only GET is relayed"), std::string::npos) << post.body;
  // Discovery lists the subresource, as `kubectl api-resources` shows nodes/proxy.
  bool listed = false;
  const Json core = s.call(http::verb::get, "/api/v1").json();
  for (const auto& r : core["resources"])
    if (r.value("name", "") == "nodes/proxy") listed = r["verbs"] == Json::array({"get"});
  EXPECT_TRUE(listed);
}

TEST(Kubeconfig, NamesClusterUserAndContext) {
  KubeconfigSpec spec;
  spec.server = "http://127.0.0.1:6443";
  spec.token = "abc";
  const std::string y = kubeconfig_yaml(spec);
  EXPECT_NE(y.find("server: \"http://127.0.0.1:6443\""), std::string::npos);
  EXPECT_NE(y.find("token: \"abc\""), std::string::npos);
  EXPECT_NE(y.find("current-context: \"kci-fake\""), std::string::npos);
}

}  // namespace
}  // namespace kci::apiserver
