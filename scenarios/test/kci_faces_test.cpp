// One suite, two faces: the same KCI calls against the fake cloud in-process and over
// signed HTTP (fake-kci's server + the product's client) must give the same answers.
#include <gtest/gtest.h>

#include <functional>

#include "core/kci/form.h"
#include "core/kci/sigv4.h"
#include "core/kci/wire.h"
#include "fake-kci/fake_cloud.h"
#include "fake-kci/http_server.h"
#include "provider/kci_http_client.h"

namespace kci {
namespace {

using namespace kcicloud;
using fake_kci::FakeKciCloud;

constexpr const char* kCloud = R"(
stock: {cn-beijing-6a: {S6.4B: 3}}
subnets: {subnet-a: {zone: cn-beijing-6a, freeIps: 2}, subnet-b: {zone: cn-beijing-6b}}
securityGroups: {sg-1: {}}
quotas: {containerGroups: 4}
users: {sub-a: {accessKey: AKsuba, secretKey: SKsuba, projects: ["106123"]}}
scripts: [{image: job, exitAfter: 20s, exitCode: 2, logs: [one, two, three]}]
)";

// A cloud plus the API a test talks to: the cloud itself or an HTTP client to it.
struct Face {
  VirtualClock clock;
  std::unique_ptr<FakeKciCloud> cloud;
  std::unique_ptr<fake_kci::KciHttpServer> server;
  std::map<std::string, std::unique_ptr<provider::KciHttpClient>> clients;
  bool http = false;

  explicit Face(bool over_http) : http(over_http) {
    auto cfg = fake_kci::parse_cloud_config(kCloud);
    EXPECT_TRUE(cfg.ok());
    cloud = std::make_unique<FakeKciCloud>(*cfg, clock, 42);
    if (http) {
      server = std::make_unique<fake_kci::KciHttpServer>(
          *cloud, clock, [this](const std::string& ak) { return cloud->secret_for(ak); });
      EXPECT_TRUE(server->start("127.0.0.1", 0).ok());
    }
  }
  KciApi& as(const std::string& ak) {
    if (!http) return *cloud;
    auto& c = clients[ak];
    if (!c) {
      provider::KciHttpClientOptions o;
      o.port = server->port();
      o.access_key = ak;
      o.secret_key = cloud->secret_for(ak).value_or("unknown");
      c = std::make_unique<provider::KciHttpClient>(o, clock);
    }
    return *c;
  }
};

// An answer with the request id dropped: JSON of the response, or reason + message.
template <class R>
std::string answer(const Result<R>& r) {
  if (!r.ok()) return "error " + r.error().reason + " [" + error_code_name(r.error().code).data() + "]: " + r.error().message;
  R copy = *r;
  copy.request_id.clear();
  return to_json(copy);
}

CreateContainerGroupRequest request(const std::string& name) {
  CreateContainerGroupRequest r;
  r.container_group_name = name;
  r.subnet_id = "subnet-a";
  r.security_group_ids = {"sg-1"};
  r.instance_type = "S6.4B";
  r.restart_policy = "Never";
  r.labels = {{"cluster-id", "c1"}, {"pod-name", name}};
  r.dns_config = DnsConfig{{"10.254.0.10"}, {"default.svc.cluster.local"}, {"ndots:5"}};
  r.host_aliases = {HostAlias{"10.0.0.1", {"a.local", "b.local"}}};
  r.volumes = {Volume{.name = "cfg", .type = "ConfigFileVolume", .config_files = {{"app.conf", "aGVsbG8="}}}};
  ContainerSpec c{.name = "main", .image = "job:1", .command = {"/bin/sh", "-c"}, .args = {"echo hi"}, .cpu = 4, .memory = 8};
  c.env = {{"A", "1"}, {"B", "x y&z"}};
  c.ports = {80, 443};
  c.volume_mounts = {{"cfg", "/etc/app", true}};
  r.containers = {c};
  r.kube_proxy_enabled = true;
  r.client_token = "tok-" + name;
  return r;
}

// The script every face runs; each step's answer is recorded.
std::vector<std::string> run_script(Face& f) {
  std::vector<std::string> out;
  KciApi& owner = f.as("AKowner");
  KciApi& sub = f.as("AKsuba");
  const CallContext o{"AKowner", ""}, s{"AKsuba", ""};
  out.push_back(answer(owner.describe_regions(o, {})));
  out.push_back(answer(owner.describe_kci_packages(o, {.availability_zone = "cn-beijing-6a"})));
  auto a = owner.create_container_group(o, request("web-a"));
  out.push_back(answer(a));
  out.push_back(answer(owner.create_container_group(o, request("web-a"))));  // same token: same group
  out.push_back(answer(owner.create_container_group(o, request("web-b"))));
  out.push_back(answer(owner.create_container_group(o, request("web-c"))));  // subnet-a out of IPs
  auto bad = request("x");
  bad.security_group_ids = {"sg-1", "sg-2", "sg-3", "sg-4"};
  out.push_back(answer(owner.create_container_group(o, bad)));
  auto theirs = request("theirs");
  theirs.project_id = "999";
  out.push_back(answer(sub.create_container_group(s, theirs)));  // Unauthorized
  out.push_back(answer(owner.describe_container_group(o, {.max_results = 1})));
  f.clock.advance(std::chrono::seconds(15));
  const std::string id = a.ok() ? a->container_group_id : "";
  out.push_back(answer(owner.describe_container_group(o, {.container_group_ids = {id}})));
  f.clock.advance(std::chrono::seconds(30));
  out.push_back(answer(owner.describe_container_group(o, {.container_group_ids = {id}})));
  out.push_back(answer(owner.describe_container_group_events(o, {id})));
  out.push_back(answer(owner.describe_container_log(o, {id, "main", 2})));
  out.push_back(answer(owner.describe_container_log(o, {id, "nope", {}})));
  out.push_back(answer(owner.describe_container_group_count(o, {})));
  out.push_back(answer(sub.describe_container_group(s, {.project_ids = {"0"}})));
  out.push_back(answer(owner.delete_container_group(o, {id})));
  out.push_back(answer(owner.delete_container_group(o, {id})));  // not found
  out.push_back(answer(owner.describe_container_group(o, {})));
  return out;
}

TEST(KciFaces, InProcessAndHttpGiveTheSameAnswers) {
  Face in(false), net(true);
  const auto a = run_script(in);
  const auto b = run_script(net);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << "step " << i;
  // Spot-check that the script exercised what it meant to.
  EXPECT_NE(a[5].find("ResourceInsufficient"), std::string::npos);
  EXPECT_NE(a[6].find("InvalidParameter"), std::string::npos);
  EXPECT_NE(a[7].find("Unauthorized"), std::string::npos);
  EXPECT_NE(a[10].find("\"Failed\""), std::string::npos);
  EXPECT_NE(a[17].find("ContainerGroupNotFound"), std::string::npos);
  EXPECT_EQ(a[2].substr(0, 5), "{\"Con");
  EXPECT_EQ(a[2], a[3]);
}

// Image caches (CreateImageCache, DescribeImageCaches, DeleteImageCache and the cache
// parameters of CreateContainerGroup) through both faces.
std::vector<std::string> run_cache_script(Face& f) {
  std::vector<std::string> out;
  KciApi& owner = f.as("AKowner");
  const CallContext o{"AKowner", ""};
  auto made = owner.create_image_cache(o, {.image_cache_name = "jobs", .images = {"job:1"}, .retention_days = 3});
  out.push_back(answer(made));
  const std::string cache = made.ok() ? made->image_cache_id : "";
  out.push_back(answer(owner.create_image_cache(o, {.image_cache_name = "Bad Name", .images = {"job:1"}})));
  auto pinned = request("pinned");
  pinned.image_cache_id = cache;
  out.push_back(answer(owner.create_container_group(o, pinned)));  // ImageCacheNotComplete
  pinned.image_cache_id = "imc-nosuchcache";
  out.push_back(answer(owner.create_container_group(o, pinned)));  // ImageCacheNotFound
  f.clock.advance(std::chrono::minutes(1));
  out.push_back(answer(owner.describe_image_caches(o, {.match_images = {"docker.io/library/job:1"}})));
  auto matched = request("matched");
  matched.auto_match_image_cache = true;
  auto g = owner.create_container_group(o, matched);
  out.push_back(answer(g));
  out.push_back(answer(owner.describe_container_group_events(o, {g.ok() ? g->container_group_id : ""})));
  out.push_back(answer(owner.delete_image_cache(o, {cache})));
  out.push_back(answer(owner.delete_image_cache(o, {cache})));  // not found
  out.push_back(answer(owner.describe_image_caches(o, {})));
  return out;
}

TEST(KciFaces, ImageCachesGiveTheSameAnswers) {
  Face in(false), net(true);
  const auto a = run_cache_script(in);
  const auto b = run_cache_script(net);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << "step " << i;
  EXPECT_NE(a[0].find("\"ImageCacheId\":\"imc-"), std::string::npos);
  EXPECT_NE(a[1].find("error InvalidParameter [invalid-argument]: ImageCacheName is \"Bad Name\""), std::string::npos);
  EXPECT_NE(a[2].find("error ImageCacheNotComplete [conflict]"), std::string::npos);
  EXPECT_NE(a[3].find("error ImageCacheNotFound [not-found]: The specified image cache imc-nosuchcache does not exist"),
            std::string::npos);
  EXPECT_NE(a[4].find("\"Status\":\"Ready\""), std::string::npos);
  EXPECT_NE(a[6].find("SuccessfulHitImageCache"), std::string::npos);
  EXPECT_EQ(a[7], "{\"RequestId\":\"\"}");
  EXPECT_NE(a[8].find("ImageCacheNotFound"), std::string::npos);
  EXPECT_NE(a[9].find("\"ImageCaches\":[]"), std::string::npos);
}

// Raw HTTP requests, for what the client never sends.
struct RawHttp : ::testing::Test {
  VirtualClock clock;
  FakeKciCloud cloud{fake_kci::CloudConfig::defaults(), clock};
  fake_kci::KciHttpServer server{cloud, clock, [this](const std::string& ak) { return cloud.secret_for(ak); }};
  void SetUp() override { ASSERT_TRUE(server.start("127.0.0.1", 0).ok()); }

  WireReply call(const std::string& ak, const std::string& secret, long long at, const FormParams& params,
                 const std::function<void(sigv4::Request&)>& tamper = {}) {
    // Signed by hand so a test can tamper with the request after signing.
    sigv4::Request r;
    r.method = "POST";
    r.path = "/";
    r.body = encode_form(params);
    r.headers = {{"Host", "127.0.0.1:" + std::to_string(server.port())},
                 {"Content-Type", "application/x-www-form-urlencoded"}};
    sigv4::sign(r, ak, secret, sigv4::amz_date(at), "cn-beijing-6", "kci");
    if (tamper) tamper(r);
    return send(r);
  }
  WireReply send(const sigv4::Request& r);
};

}  // namespace
}  // namespace kci

// A minimal raw sender (Beast) for the refusal tests.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace kci {
namespace {

WireReply RawHttp::send(const sigv4::Request& r) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  boost::asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(10));
  stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), server.port()));
  http::request<http::string_body> req{http::verb::post, "/", 11};
  for (const auto& [k, v] : r.headers) req.set(k, v);
  req.body() = r.body;
  req.keep_alive(false);
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(stream, buf, res);
  return {static_cast<int>(res.result_int()), res.body()};
}

long long secs(TimePoint t) { return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count(); }

const FormParams kRegions{{"Action", "DescribeRegions"}, {"Version", "2020-07-02"}};

std::string code_of(const WireReply& r) { return parse_error_envelope(r.http_status, r.body).reason; }

TEST_F(RawHttp, GoodSignaturePasses) {
  auto r = call("AKowner", "SKowner", secs(clock.now()), kRegions);
  EXPECT_EQ(r.http_status, 200) << r.body;
}

TEST_F(RawHttp, OneByteChangeIsRefused) {
  auto r = call("AKowner", "SKowner", secs(clock.now()), kRegions, [](sigv4::Request& req) { req.body.back() = '3'; });
  EXPECT_EQ(r.http_status, 401);
  EXPECT_EQ(code_of(r), "SignatureDoesNotMatch");
}

TEST_F(RawHttp, WrongSecretIsRefused) {
  auto r = call("AKowner", "SKother", secs(clock.now()), kRegions);
  EXPECT_EQ(code_of(r), "SignatureDoesNotMatch");
}

TEST_F(RawHttp, UnknownAccessKeyIsRefused) {
  auto r = call("AKnobody", "x", secs(clock.now()), kRegions);
  EXPECT_EQ(r.http_status, 401);
  EXPECT_EQ(code_of(r), "InvalidAccessKeyId");
}

TEST_F(RawHttp, StaleDateIsRefused) {
  auto r = call("AKowner", "SKowner", secs(clock.now()) - 16 * 60, kRegions);
  EXPECT_EQ(code_of(r), "RequestExpired");
  r = call("AKowner", "SKowner", secs(clock.now()) - 14 * 60, kRegions);
  EXPECT_EQ(r.http_status, 200);
}

TEST_F(RawHttp, MissingAuthorizationIsRefused) {
  auto r = call("AKowner", "SKowner", secs(clock.now()), kRegions, [](sigv4::Request& req) {
    std::erase_if(req.headers, [](const auto& h) { return h.first == "Authorization"; });
  });
  EXPECT_EQ(code_of(r), "IncompleteSignature");
}

TEST_F(RawHttp, UnknownActionAndParameterAreRefused) {
  auto r = call("AKowner", "SKowner", secs(clock.now()), {{"Action", "UpdateContainerGroup"}, {"Version", "2020-07-02"}});
  EXPECT_EQ(r.http_status, 400);
  EXPECT_EQ(code_of(r), "InvalidAction");
  r = call("AKowner", "SKowner", secs(clock.now()),
           {{"Action", "DescribeRegions"}, {"Version", "2020-07-02"}, {"Colour", "red"}});
  EXPECT_EQ(code_of(r), "InvalidParameter");
  EXPECT_NE(r.body.find("Colour"), std::string::npos);
}

TEST_F(RawHttp, ZeroBasedListsAreAccepted) {
  FormParams p{{"Action", "CreateContainerGroup"}, {"Version", "2020-07-02"},
               {"ContainerGroupName", "zero"},     {"SubnetId", "subnet-cn-beijing-6a"},
               {"SecurityGroupId.0", "sg-default"}, {"InstanceType", "S6.2B"},
               {"Container.0.Name", "a"},           {"Container.0.Image", "nginx"},
               {"Container.1.Name", "b"},           {"Container.1.Image", "redis"}};
  auto r = call("AKowner", "SKowner", secs(clock.now()), p);
  ASSERT_EQ(r.http_status, 200) << r.body;
  auto d = cloud.describe_container_group({"AKowner", ""}, {});
  ASSERT_EQ(d->container_groups.size(), 1u);
  ASSERT_EQ(d->container_groups[0].containers.size(), 2u);
  EXPECT_EQ(d->container_groups[0].containers[0].name, "a");
  EXPECT_EQ(d->container_groups[0].containers[1].name, "b");
}

}  // namespace
}  // namespace kci
