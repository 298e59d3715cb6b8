// `kci-vk extender` end to end: the fake API server's HTTP face holds seed 000's cluster; the
// extender process (HTTP KubeClient from a kubeconfig, informers on a real-time loop, the HTTP
// server) answers the bodies kube-scheduler sends.
#include "provider/extender/extender_server.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <sstream>
#include <thread>

#include "fake-apiserver/api_server.h"
#include "fake-apiserver/http_server.h"
#include "fake-apiserver/inprocess_client.h"
#include "fake-apiserver/kubeconfig.h"
#include "fake-apiserver/owner_loop.h"
#include "scenarios/cli.h"
#include "scenarios/cmd_extender.h"
#include "fake-apiserver/local_pki.h"

namespace kci::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using kube::Json;
using namespace std::chrono_literals;

constexpr const char* kToken = "extender-token";
constexpr const char* kVk3 = "rbkci-virtual-kubelet";
constexpr const char* kVk1 = "cn-zhangjiakou.vnd-8vbahalwna5205drcwvr";

template <class F>
bool eventually(F&& cond, std::chrono::milliseconds deadline = 3000ms) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (cond()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return cond();
}

struct Reply {
  int status = 0;
  std::string body;
  Json json() const { return Json::parse(body, nullptr, false); }
};

Reply call(std::uint16_t port, http::verb verb, const std::string& target, const std::string& body = {}) {
  asio::io_context ioc;
  tcp::socket s(ioc);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  http::write(s, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res);
  return {static_cast<int>(res.result_int()), res.body()};
}

//! Seed 000's cluster behind the fake API server's HTTP face, and a kubeconfig to reach it.
struct Seed000Cluster {
  std::unique_ptr<tls::LocalPki> pki;
  apiserver::RealTimeLoop loop;
  apiserver::ApiServer api{loop.sim()};
  apiserver::InProcessClient client{api};
  std::unique_ptr<apiserver::HttpServer> server;
  std::filesystem::path dir;
  std::string kubeconfig;

  template <class F>
  auto on_loop(F&& f) {
    std::packaged_task<decltype(f())()> task(std::forward<F>(f));
    auto fut = task.get_future();
    loop.submit([&task] { task(); });
    return fut.get();
  }

  //! With `tls`, the API server speaks HTTPS and the kubeconfig names the CA file.
  explicit Seed000Cluster(bool tls = false) {
    loop.start();
    apiserver::HttpServerOptions o;
    o.bearer_token = kToken;
    if (tls) {
      pki = std::make_unique<tls::LocalPki>();
      o.tls_cert_file = pki->file("server.crt");
      o.tls_key_file = pki->file("server.key");
    }
    server = std::make_unique<apiserver::HttpServer>(client, loop, loop.sim().clock(), o);
    EXPECT_TRUE(server->start("127.0.0.1", 0).ok());
    dir = std::filesystem::temp_directory_path() / ("kci-extender-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir);
    kubeconfig = (dir / "kubeconfig").string();
    if (tls) {
      std::ofstream(kubeconfig) << "apiVersion: v1\nkind: Config\ncurrent-context: seed\n"
                                << "clusters:\n- name: fake\n  cluster:\n    server: " << server->url()
                                << "\n    certificate-authority: " << pki->file("ca.crt") << "\n"
                                << "users:\n- name: admin\n  user:\n    token: " << kToken << "\n"
                                << "contexts:\n- name: seed\n  context:\n    cluster: fake\n    user: admin\n";
    } else {
      apiserver::KubeconfigSpec spec;
      spec.server = server->url();
      spec.token = kToken;
      std::ofstream(kubeconfig) << apiserver::kubeconfig_yaml(spec);
    }

    on_loop([&] {
      node("10.0.0.179", "node", false, "250m");
      node("10.0.0.96", "node", false, "250m");
      for (const char* m : {"10.0.0.214", "10.0.0.8", "10.0.0.83"}) node(m, "master", false, "4");
      node(kVk3, "agent", true, "1000");
      node(kVk1, "agent", true, "1000");
      // The ConfigMap of seed 000's walk-through.
      Json cm = {{"apiVersion", "v1"},
                 {"kind", "ConfigMap"},
                 {"metadata", {{"name", "extender-conf"}, {"namespace", "kube-system"}}},
                 {"data",
                  {{"cpulimit", "0.5"},
                   {"memlimit", "0.7"},
                   {"weight", std::string("[ { \"nodeName\": \"") + kVk3 + "\", \"weight\": 3 }, { \"nodeName\": \"" +
                                  kVk1 + "\", \"weight\": 1 } ]"}}}};
      EXPECT_TRUE(client.create(kube::configmaps("kube-system"), cm).ok());
    });
  }
  ~Seed000Cluster() {
    server->stop();
    loop.stop();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  void node(const std::string& name, const std::string& role, bool is_virtual, const std::string& cpu) {
    Json labels = {{"kubernetes.io/role", role}};
    if (is_virtual) labels["type"] = "virtual-kubelet";
    Json n = {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", name}, {"labels", labels}}}};
    auto created = client.create(kube::nodes(), n);
    ASSERT_TRUE(created.ok()) << created.error().message;
    Json s = **created;
    s["status"] = {{"allocatable", {{"cpu", cpu}, {"memory", "8Gi"}, {"pods", "110"}}}};
    ASSERT_TRUE(client.update_status(kube::nodes(name), s).ok());
  }

  //! A 100m nginx pod of seed 000's Deployment, created (and bound to `node` when given).
  Json pod(int i, const std::string& node = {}) {
    return on_loop([&] {
      Json p = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", "nginx-" + std::to_string(i)}, {"namespace", "default"}, {"labels", {{"app", "nginx"}}}}},
                {"spec",
                 {{"containers", Json::array({{{"name", "nginx"},
                                               {"image", "nginx"},
                                               {"resources", {{"requests", {{"cpu", "100m"}, {"memory", "100Mi"}}}}}}})}}}};
      auto created = client.create(kube::pods("default"), p);
      EXPECT_TRUE(created.ok());
      if (!node.empty()) {
        EXPECT_TRUE(client.bind(kube::pods("default", p["metadata"]["name"]), node).ok());
      }
      return **created;
    });
  }

  std::vector<std::string> node_names() {
    return on_loop([&] {
      std::vector<std::string> out;
      auto listed = client.list(kube::nodes());
      for (const auto& n : listed->items) out.push_back(n->at("metadata").at("name"));
      return out;
    });
  }
  Json node_list() {
    return on_loop([&] {
      Json items = Json::array();
      auto listed = client.list(kube::nodes());
      for (const auto& n : listed->items) items.push_back(*n);
      return Json{{"kind", "NodeList"}, {"apiVersion", "v1"}, {"metadata", Json::object()}, {"items", items}};
    });
  }
};

std::map<std::string, std::int64_t> scores_of(const Reply& r) {
  std::map<std::string, std::int64_t> out;
  for (const auto& s : r.json()) out[s.at("Host")] = s.at("Score");
  return out;
}

std::unique_ptr<ExtenderProcess> start_extender(const Seed000Cluster& c) {
  ExtenderFlags f;
  f.host = "127.0.0.1";
  f.port = 0;
  f.kubeconfig = c.kubeconfig;
  f.qps = 0;
  auto p = ExtenderProcess::start(f, {});
  EXPECT_TRUE(p.ok()) << p.error().message;
  if (!p.ok()) return nullptr;
  EXPECT_TRUE(eventually([&] { return (*p)->synced(); }));
  return std::move(*p);
}

TEST(ExtenderServer, Seed000GroupScoreOverHttp) {
  Seed000Cluster c;
  auto ext = start_extender(c);
  ASSERT_TRUE(ext);
  const std::uint16_t port = ext->port();
  EXPECT_EQ(call(port, http::verb::get, "/healthz").status, 200);

  // nodeCacheCapable: true: the Pod and the candidate names.
  Json pod = c.pod(0);
  Json names = c.node_names();
  Json by_name = {{"Pod", pod}, {"Nodes", nullptr}, {"NodeNames", names}};
  Reply r = call(port, http::verb::post, "/scheduler/priorities/group_score", by_name.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  auto scores = scores_of(r);
  ASSERT_EQ(scores.size(), 7u) << r.body;
  // Below the 0.5 watermark: the workers score above every virtual node.
  EXPECT_GT(scores["10.0.0.179"], scores[kVk3]);
  EXPECT_GT(scores["10.0.0.96"], scores[kVk1]);

  // nodeCacheCapable: false (seed 000's configuration): the whole NodeList.
  Json with_list = {{"Pod", pod}, {"Nodes", c.node_list()}, {"NodeNames", nullptr}};
  Reply l = call(port, http::verb::post, "/scheduler/priorities/group_score", with_list.dump());
  ASSERT_EQ(l.status, 200) << l.body;
  EXPECT_EQ(scores_of(l), scores);

  // Three 100m pods on the workers: 300m of 500m is over cpulimit 0.5. The extender learns it
  // through its watches and now prefers the virtual node of weight 3.
  c.pod(1, "10.0.0.179");
  c.pod(2, "10.0.0.96");
  c.pod(3, "10.0.0.179");
  ASSERT_TRUE(eventually([&] {
    auto s = scores_of(call(port, http::verb::post, "/scheduler/priorities/group_score", by_name.dump()));
    return s[kVk3] > s["10.0.0.179"] && s[kVk3] > s["10.0.0.96"];
  }));
  // Three of every four go to the weight-3 node: bind as kube-scheduler would, count.
  std::map<std::string, int> placed;
  for (int i = 4; i < 8; ++i) {
    Json p = c.pod(i);
    Json args = {{"Pod", p}, {"Nodes", nullptr}, {"NodeNames", names}};
    std::string best;
    std::int64_t top = -1;
    for (const auto& [host, score] : scores_of(call(port, http::verb::post, "/scheduler/priorities/group_score", args.dump()))) {
      if (score > top) top = score, best = host;
    }
    c.on_loop([&] { EXPECT_TRUE(c.client.bind(kube::pods("default", p["metadata"]["name"]), best).ok()); });
    ++placed[best];
    // Wait until the extender has seen this binding (through its watch) before the next pod.
    ASSERT_TRUE(eventually([&] {
      auto seen = ext->pods_on_virtual_nodes();
      return seen[kVk3] == placed[kVk3] && seen[kVk1] == placed[kVk1];
    })) << best;
  }
  EXPECT_EQ(placed[kVk3], 3);
  EXPECT_EQ(placed[kVk1], 1);

  // The filter verb passes every node through.
  Reply f = call(port, http::verb::post, "/scheduler/predicates/always_true", by_name.dump());
  EXPECT_EQ(f.status, 200) << f.body;
}

TEST(ExtenderServer, BadBodiesGet400WithAMessage) {
  Seed000Cluster c;
  auto ext = start_extender(c);
  ASSERT_TRUE(ext);
  const std::uint16_t port = ext->port();
  Reply not_json = call(port, http::verb::post, "/scheduler/priorities/group_score", "this is not json");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_TRUE(not_json.json().contains("Error")) << not_json.body;

  Reply no_pod = call(port, http::verb::post, "/scheduler/priorities/group_score", R"({"Nodes": null, "NodeNames": ["10.0.0.96"]})");
  EXPECT_EQ(no_pod.status, 400);
  EXPECT_NE(no_pod.json().value("Error", "").find("Pod"), std::string::npos) << no_pod.body;

  Reply ghost = call(port, http::verb::post, "/scheduler/priorities/group_score", R"({"Pod": {}, "NodeNames": ["ghost"]})");
  EXPECT_EQ(ghost.status, 400);
  EXPECT_NE(ghost.json().value("Error", "").find("ghost"), std::string::npos) << ghost.body;

  EXPECT_EQ(call(port, http::verb::post, "/scheduler/bind", R"({"Pod": {}})").status, 404);
  EXPECT_EQ(call(port, http::verb::get, "/scheduler/priorities/group_score").status, 405);
}

TEST(ExtenderServer, ReachesAnHttpsApiServerThroughTheKubeconfigCa) {
  Seed000Cluster c(true);
  ASSERT_EQ(c.server->url().rfind("https://", 0), 0u);
  auto ext = start_extender(c);
  ASSERT_TRUE(ext);
  EXPECT_NE(ext->describe().find("https://127.0.0.1:"), std::string::npos) << ext->describe();
  Json args = {{"Pod", c.pod(0)}, {"Nodes", nullptr}, {"NodeNames", c.node_names()}};
  Reply r = call(ext->port(), http::verb::post, "/scheduler/priorities/group_score", args.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(scores_of(r).size(), 7u);
}

TEST(ExtenderCommand, FlagsAreCheckedAndNamed) {
  auto run = [](std::vector<std::string> args, std::string& out, std::string& err) {
    args.insert(args.begin(), {"kci-vk", "extender"});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    std::ostringstream o, e;
    const int rc = cli::run(static_cast<int>(argv.size()), argv.data(), o, e);
    out = o.str();
    err = e.str();
    return rc;
  };
  std::string out, err;
  EXPECT_EQ(run({"--help"}, out, err), 0);
  for (const char* flag : {"--listen", "--kubeconfig", "--context", "--in-cluster", "--qps", "--burst"})
    EXPECT_NE(out.find(flag), std::string::npos) << flag;
  EXPECT_EQ(run({}, out, err), 2);
  EXPECT_NE(err.find("--kubeconfig PATH or --in-cluster"), std::string::npos) << err;
  EXPECT_EQ(run({"--kubeconfig", "k", "--qps", "fast"}, out, err), 2);
  EXPECT_NE(err.find("--qps is \"fast\""), std::string::npos) << err;
  EXPECT_EQ(run({"--kubeconfig", "k", "--listen", "nowhere"}, out, err), 2);
  EXPECT_NE(err.find("--listen is \"nowhere\""), std::string::npos) << err;
  EXPECT_EQ(run({"--kubeconfig", "k", "--bogus"}, out, err), 2);
  EXPECT_NE(err.find("\"--bogus\""), std::string::npos) << err;
  EXPECT_EQ(run({"--kubeconfig", "k", "--in-cluster"}, out, err), 2);
  EXPECT_EQ(run({"--kubeconfig", "/nonexistent/kubeconfig"}, out, err), 1);
  EXPECT_NE(err.find("/nonexistent/kubeconfig"), std::string::npos) << err;
}

}  // namespace
}  // namespace kci::cli
