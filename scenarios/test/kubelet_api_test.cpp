// The virtual kubelet's HTTP API: what kube-apiserver (logs), metrics-server (summary) and
// Prometheus (/metrics) read from a kubelet, answered from the virtual kubelet's caches and
// KCI; first called directly, then through the HTTP service as a client would.
#include "provider/vk/kubelet_api.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "scenarios/test/vk_world.h"

namespace kci::vk {
namespace {

using namespace vktest;
using provider::HttpRequest;
using provider::HttpResponse;

HttpResponse get(KubeletApi& api, const std::string& path, std::map<std::string, std::string> query = {}) {
  return api.handle(HttpRequest{"GET", path, std::move(query), ""});
}

//! A world whose busybox containers print two lines and exit 3 after 30 s.
fake_kci::CloudConfig scripted_cloud() {
  auto c = fake_kci::CloudConfig::defaults();
  fake_kci::ContainerScript s;
  s.image = "busybox";
  s.exit_after = seconds(30);
  s.exit_code = 3;
  s.logs = {"line one", "line two"};
  c.scripts.push_back(s);
  return c;
}

struct ApiWorld : World {
  ApiWorld() : World(scripted_cloud()) {}
  KubeletApi api_of() { return KubeletApi(*vk); }
  void run_pod(const std::string& name, const std::string& image = "nginx:1.25") {
    Json p = pod(name);
    p["spec"]["containers"][0]["image"] = image;
    p["spec"]["restartPolicy"] = "Never";
    ASSERT_TRUE(client.create(kube::pods("default"), p).ok());
    ex.run_for(seconds(15));
  }
};

TEST(KubeletApi, PodsListsEveryPodBoundToTheNodeWithItsUid) {
  // virtual-kubelet e2e TestGetPods: /pods lists the pod with its UID, on this node.
  ApiWorld w;
  w.start();
  w.run_pod("web-1");
  KubeletApi api(*w.vk);
  auto r = get(api, "/pods");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  auto list = Json::parse(r.body);
  EXPECT_EQ(list["kind"], "PodList");
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["items"][0]["metadata"]["uid"], w.get_pod("web-1").metadata.uid);
  EXPECT_EQ(list["items"][0]["spec"]["nodeName"], kNode);
}

TEST(KubeletApi, RunningPodsListsOnlyPodsWhoseGroupRuns) {
  ApiWorld w;
  w.start();
  w.run_pod("web-1");
  KubeletApi api(*w.vk);
  ASSERT_EQ(Json::parse(get(api, "/runningpods/").body)["items"].size(), 1u);
  // A pod whose group is still being created is not running yet.
  ASSERT_TRUE(w.client.create(kube::pods("default"), w.pod("web-2")).ok());
  w.ex.run_for(seconds(1));
  auto items = Json::parse(get(api, "/runningpods/").body)["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["metadata"]["name"], "web-1");
}

TEST(KubeletApi, ContainerLogsReturnsTheGroupsLogWithTailAndLimit) {
  ApiWorld w;
  w.start();
  w.run_pod("job-1", "busybox:1.36");
  KubeletApi api(*w.vk);
  auto all = get(api, "/containerLogs/default/job-1/nginx");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all.body, "line one\nline two\n");
  EXPECT_EQ(get(api, "/containerLogs/default/job-1/nginx", {{"tailLines", "1"}}).body, "line two\n");
  EXPECT_EQ(get(api, "/containerLogs/default/job-1/nginx", {{"tailLines", "0"}}).body, "");
  EXPECT_EQ(get(api, "/containerLogs/default/job-1/nginx", {{"limitBytes", "6"}}).body, "line o");
  auto stamped = get(api, "/containerLogs/default/job-1/nginx", {{"timestamps", "true"}}).body;
  // RFC 3339 time, a space, the line.
  EXPECT_EQ(stamped.substr(stamped.find(' ') + 1, 9), "line one\n") << stamped;
  EXPECT_EQ(stamped.substr(0, 4), "2024") << stamped;
}

TEST(KubeletApi, ContainerLogsRefusesBadInputNamingIt) {
  ApiWorld w;
  w.start();
  w.run_pod("web-1");
  KubeletApi api(*w.vk);
  auto r = get(api, "/containerLogs/default/web-1/nginx", {{"tailLines", "-1"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("tailLines is \"-1\"; expected an integer >= 0"), std::string::npos) << r.body;
  r = get(api, "/containerLogs/default/web-1/nginx", {{"limitBytes", "x"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("limitBytes is \"x\""), std::string::npos) << r.body;
  r = get(api, "/containerLogs/default/web-1/sidecar");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("container sidecar is not valid for pod web-1; its containers: nginx"), std::string::npos) << r.body;
  r = get(api, "/containerLogs/default/nope/nginx");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("pod default/nope is not on node"), std::string::npos) << r.body;
  r = get(api, "/containerLogs/default/web-1/nginx", {{"previous", "true"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("previous is not supported"), std::string::npos) << r.body;
  r = get(api, "/containerLogs/default/web-1");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(api.handle(HttpRequest{"POST", "/pods", {}, ""}).status, 405);
  EXPECT_EQ(get(api, "/nothing").status, 404);
  EXPECT_EQ(get(api, "/exec/default/web-1/nginx").status, 501);
}

TEST(KubeletApi, AFollowedLogStreamsNewLinesAndEndsWithTheContainer) {
  ApiWorld w;
  w.start();
  w.run_pod("job-1", "busybox:1.36");
  KubeletApi api(*w.vk);
  auto r = get(api, "/containerLogs/default/job-1/nginx", {{"follow", "true"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "line one\nline two\n");
  ASSERT_TRUE(r.stream);
  EXPECT_EQ(r.stream(), std::optional<std::string>(""));  // nothing new yet
  w.ex.run_for(seconds(40));                               // the container exits with 3
  auto more = r.stream();
  ASSERT_TRUE(more.has_value());
  EXPECT_NE(more->find("exited with code 3"), std::string::npos) << *more;
  EXPECT_EQ(more->find("line one"), std::string::npos) << "lines already sent are not sent again: " << *more;
  EXPECT_EQ(r.stream(), std::nullopt) << "the stream ends after the group ended";
}

TEST(KubeletApi, StatsSummaryNamesTheNodePodAndEachContainer) {
  // virtual-kubelet e2e TestGetStatsSummary: a 3-container pod; node, pod and 3 containers.
  ApiWorld w;
  w.start();
  Json p = w.pod("three");
  p["spec"]["containers"] = Json::array({{{"name", "a"}, {"image", "nginx"}}, {{"name", "b"}, {"image", "nginx"}},
                                         {{"name", "c"}, {"image", "nginx"}}});
  ASSERT_TRUE(w.client.create(kube::pods("default"), p).ok());
  w.ex.run_for(seconds(15));
  KubeletApi api(*w.vk);
  auto s = Json::parse(get(api, "/stats/summary").body);
  EXPECT_EQ(s["node"]["nodeName"], kNode);
  ASSERT_EQ(s["pods"].size(), 1u);
  EXPECT_EQ(s["pods"][0]["podRef"]["name"], "three");
  EXPECT_EQ(s["pods"][0]["podRef"]["namespace"], "default");
  EXPECT_EQ(s["pods"][0]["podRef"]["uid"], w.get_pod("three").metadata.uid);
  ASSERT_EQ(s["pods"][0]["containers"].size(), 3u);
  EXPECT_TRUE(s["pods"][0]["containers"][0].contains("startTime"));
  auto m = get(api, "/metrics/resource").body;
  for (const char* c : {"a", "b", "c"})
    EXPECT_NE(m.find(std::string("container_start_time_seconds{container=\"") + c + "\",namespace=\"default\",pod=\"three\"}"),
              std::string::npos)
        << m;
}

TEST(KubeletApi, MetricsCountPodsByPhaseAndKciCallsByActionAndResult) {
  ApiWorld w;
  w.start();
  w.run_pod("web-1");
  KubeletApi api(*w.vk);
  auto r = get(api, "/metrics");
  ASSERT_EQ(r.status, 200);
  const std::string node = std::string("node=\"") + kNode + "\"";
  EXPECT_NE(r.body.find("kci_vk_pods{" + node + ",phase=\"Running\"} 1"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("kci_vk_kci_calls_total{action=\"CreateContainerGroup\",result=\"ok\"} 1"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("kci_vk_kci_call_duration_seconds_count{action=\"CreateContainerGroup\"} 1"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("kci_vk_kci_call_duration_seconds_bucket{action=\"DescribeContainerGroup\",le=\"+Inf\"}"),
            std::string::npos);
  EXPECT_NE(r.body.find("kci_vk_groups_created_total 1"), std::string::npos) << r.body;
  // Every sample line is "name{labels} value" or "name value" (Prometheus text format).
  std::istringstream lines(r.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    EXPECT_NE(line.rfind(' '), std::string::npos) << line;
    EXPECT_EQ(line.rfind("kci_vk_", 0), 0u) << line;
  }
}

TEST(KubeletApi, HealthzIsOkOnceCredentialsAreUsable) {
  ApiWorld w;
  auto o = w.options();
  o.settings.access_key.clear();
  o.settings.secret_key.clear();
  o.settings.temp_aksk_cm = "user-temp-aksk";
  w.start(nullptr, o);
  KubeletApi api(*w.vk);
  auto r = get(api, "/healthz");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("kube-system/user-temp-aksk (TEMP_AKSK_CM)"), std::string::npos) << r.body;
  // A pod waits, with the reason on it, and goes once the ConfigMap appears.
  ASSERT_TRUE(w.client.create(kube::pods("default"), w.pod("web-1")).ok());
  w.ex.run_for(seconds(5));
  auto p = w.get_pod("web-1");
  EXPECT_EQ(p.status.phase, "Pending");
  EXPECT_NE(p.status.message.find("no KCI credentials"), std::string::npos) << p.status.message;
  Json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
             {"metadata", {{"name", "user-temp-aksk"}, {"namespace", "kube-system"}}},
             {"data", {{"ak", "AKowner"}}}};
  ASSERT_TRUE(w.client.create(kube::configmaps("kube-system"), cm).ok());
  w.ex.run_for(seconds(2));
  r = get(api, "/healthz");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("lacks data.sk"), std::string::npos) << r.body;
  cm["data"]["sk"] = "SKowner";
  ASSERT_TRUE(w.client.update(kube::configmaps("kube-system", "user-temp-aksk"), cm).ok());
  w.ex.run_for(seconds(20));
  EXPECT_EQ(get(api, "/healthz").status, 200);
  EXPECT_EQ(w.get_pod("web-1").status.phase, "Running");
  EXPECT_EQ(w.vk->kci_context().access_key_id, "AKowner");
}

TEST(KubeletApi, RotatedTempKeysReachTheKciClientWithoutARestart) {
  ApiWorld w;
  auto o = w.options();
  o.settings.temp_aksk_cm = "user-temp-aksk";
  std::vector<std::string> seen;
  o.on_credentials = [&seen](const std::string& ak, const std::string& sk) { seen.push_back(ak + "/" + sk); };
  Json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
             {"metadata", {{"name", "user-temp-aksk"}, {"namespace", "kube-system"}}},
             {"data", {{"ak", "AKowner"}, {"sk", "SK1"}}}};
  ASSERT_TRUE(w.client.create(kube::configmaps("kube-system"), cm).ok());
  w.start(nullptr, o);
  cm["data"]["sk"] = "SK2";
  ASSERT_TRUE(w.client.update(kube::configmaps("kube-system", "user-temp-aksk"), cm).ok());
  w.ex.run_for(seconds(2));
  EXPECT_EQ(seen, (std::vector<std::string>{"AKowner/SK1", "AKowner/SK2"}));
}

// ---- over HTTP ---------------------------------------------------------------------------

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

//! One GET on 127.0.0.1:port; reads until the server ends the response.
std::pair<int, std::string> http_get(std::uint16_t port, const std::string& target) {
  asio::io_context ioc;
  beast::tcp_stream s(ioc);
  s.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(s, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res);
  return {res.result_int(), res.body()};
}

TEST(HttpService, ServesTheHandlerAndDecodesThePathAndQuery) {
  provider::HttpService svc([](const HttpRequest& r) {
    std::string q;
    for (const auto& [k, v] : r.query) q += k + "=" + v + ";";
    return HttpResponse{200, "text/plain", r.method + " " + r.path + " " + q, {}, {}};
  });
  ASSERT_TRUE(svc.start("127.0.0.1", 0).ok());
  auto [status, body] = http_get(svc.port(), "/containerLogs/a%2Fb/p?tailLines=5&x=a+b%21");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, "GET /containerLogs/a/b/p tailLines=5;x=a b!;");
  svc.stop();
}

TEST(HttpService, StreamsChunksUntilTheStreamEnds) {
  int polls = 0;
  provider::HttpService svc([&polls](const HttpRequest&) {
    HttpResponse r{200, "text/plain", "first\n", {}, std::chrono::milliseconds(1)};
    r.stream = [&polls]() -> std::optional<std::string> {
      ++polls;
      if (polls == 1) return std::string();  // nothing new: no empty chunk is written
      if (polls == 2) return std::string("second\n");
      return std::nullopt;
    };
    return r;
  });
  ASSERT_TRUE(svc.start("127.0.0.1", 0).ok());
  auto [status, body] = http_get(svc.port(), "/follow");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, "first\nsecond\n");
  EXPECT_EQ(polls, 3);
  svc.stop();
}

TEST(HttpService, RefusesACertificateWithoutAKeyAndABadAddress) {
  provider::HttpService svc([](const HttpRequest&) { return HttpResponse{}; });
  auto st = svc.start("127.0.0.1", 0, "cert.pem", "");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("without a private key"), std::string::npos);
  st = svc.start("not-an-ip", 0);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("\"not-an-ip\" is not an IP address"), std::string::npos);
  st = svc.start("127.0.0.1", 0, "/nonexistent/cert.pem", "/nonexistent/key.pem");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("certificate /nonexistent/cert.pem"), std::string::npos) << st.error().message;
}

}  // namespace
}  // namespace kci::vk
