// The HTTP KubeClient against the fake API server's real HTTP face over loopback: verbs,
// selectors, patches, errors decoded from Status bodies, watch streams (order, resume after
// the server goes away, 410, bookmarks), an Informer kept over HTTP, and TLS.
//
// Two loops: the server's RealTimeLoop owns the fake API server; a second one runs what the
// client's callers run (watch callbacks, the Informer), as a separate process would.
#include "provider/kube_http/http_kube_client.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "core/kube/informer.h"
#include "fake-apiserver/api_server.h"
#include "fake-apiserver/http_server.h"
#include "fake-apiserver/inprocess_client.h"
#include "fake-apiserver/owner_loop.h"
#include "fake-apiserver/local_pki.h"

namespace kci::provider {
namespace {

using kube::Json;
using namespace std::chrono_literals;

constexpr const char* kToken = "secret-token";

//! Runs `f` on `loop`'s thread and waits for it.
template <class F>
auto on_loop(apiserver::RealTimeLoop& loop, F&& f) {
  using R = decltype(f());
  std::promise<R> p;
  auto fut = p.get_future();
  loop.submit([&] {
    if constexpr (std::is_void_v<R>) {
      f();
      p.set_value();
    } else {
      p.set_value(f());
    }
  });
  return fut.get();
}

//! Polls `cond` until it holds or `deadline` passes.
template <class F>
bool eventually(F&& cond, std::chrono::milliseconds deadline = 3000ms) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (cond()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return cond();
}

struct Served {
  explicit Served(apiserver::HttpServerOptions o = {}, apiserver::ApiServerOptions ao = {})
      : api(loop.sim(), ao), inproc(api), options(std::move(o)) {
    options.bearer_token = kToken;
    loop.start();
    callers.start();
    start_server(0);
  }
  ~Served() {
    if (server) server->stop();
    callers.stop();
    loop.stop();
  }
  void start_server(std::uint16_t port) {
    server = std::make_unique<apiserver::HttpServer>(inproc, loop, loop.sim().clock(), options);
    auto st = server->start("127.0.0.1", port);
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  RestConfig config() const {
    RestConfig c;
    c.server = server->url();
    c.token = kToken;
    c.qps = 0;  // unlimited
    c.timeout = 5s;
    c.origin = "test";
    return c;
  }
  HttpKubeClientOptions client_options() {
    HttpKubeClientOptions o;
    // The callers' loop is a SimExecutor driven in real time: hop through its submit().
    o.dispatch = [this](Executor&, Executor::Task t) { callers.submit(std::move(t)); };
    o.watch_backoff_initial = 20ms;
    o.watch_backoff_max = 200ms;
    return o;
  }
  std::unique_ptr<HttpKubeClient> client(RestConfig c) {
    auto r = HttpKubeClient::create(std::move(c), client_options());
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? std::move(*r) : nullptr;
  }
  std::unique_ptr<HttpKubeClient> client() { return client(config()); }

  apiserver::RealTimeLoop loop;
  apiserver::ApiServer api;
  apiserver::InProcessClient inproc;
  apiserver::HttpServerOptions options;
  std::unique_ptr<apiserver::HttpServer> server;
  apiserver::RealTimeLoop callers;
};

Json pod(const std::string& name, const std::string& app = "web") {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{"app", app}}}}},
          {"spec", {{"containers", {{{"name", "c"}, {"image", "nginx:1.25"}}}}}}};
}

//! Events a watch delivered, as "TYPE name".
struct Recorder {
  std::mutex mu;
  std::vector<std::string> seen;
  std::vector<Error> errors;
  kube::WatchCallback on_event() {
    return [this](const kube::WatchEvent& e) {
      std::lock_guard l(mu);
      seen.push_back(std::string(kube::watch_event_type_name(e.type)) + " " +
                     e.object->value("metadata", Json::object()).value("name", ""));
    };
  }
  kube::WatchErrorCallback on_error() {
    return [this](const Error& e) {
      std::lock_guard l(mu);
      errors.push_back(e);
    };
  }
  std::vector<std::string> events() {
    std::lock_guard l(mu);
    return seen;
  }
  std::size_t error_count() {
    std::lock_guard l(mu);
    return errors.size();
  }
};

TEST(HttpKubeClient, CrudAndErrorsMappedFromStatus) {
  Served s;
  auto c = s.client();
  ASSERT_TRUE(c);
  auto created = c->create(kube::pods("default"), pod("web"));
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_FALSE((*created)->at("metadata").value("uid", "").empty());

  auto again = c->create(kube::pods("default"), pod("web"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(again.error().reason, "AlreadyExists");

  auto got = c->get(kube::pods("default", "web"));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)->at("metadata").at("name"), "web");

  auto missing = c->get(kube::pods("default", "nope"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().reason, "NotFound");
  EXPECT_NE(missing.error().message.find("nope"), std::string::npos) << missing.error().message;

  // A stale resourceVersion: 409 Conflict.
  Json stale = **got;
  stale["metadata"]["labels"]["v"] = "1";
  ASSERT_TRUE(c->update(kube::pods("default", "web"), stale).ok());
  stale["metadata"]["labels"]["v"] = "2";
  auto conflict = c->update(kube::pods("default", "web"), stale);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code, ErrorCode::kConflict);
  EXPECT_EQ(conflict.error().reason, "Conflict");

  // 422 Invalid.
  Json bad = pod("bad");
  bad["spec"]["containers"] = Json::array();
  auto invalid = c->create(kube::pods("default"), bad);
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().reason, "Invalid");
  EXPECT_EQ(kube::http_status_of(invalid.error()), 422);

  // Namespace taken from the object when the ref has none.
  auto other = c->create(kube::pods(), pod("from-object"));
  ASSERT_TRUE(other.ok()) << other.error().message;
  EXPECT_EQ((*other)->at("metadata").at("namespace"), "default");

  kube::DeleteOptions now;
  now.gracePeriodSeconds = 0;
  ASSERT_TRUE(c->remove(kube::pods("default", "web"), now).ok());
  EXPECT_EQ(c->get(kube::pods("default", "web")).error().code, ErrorCode::kNotFound);
  kube::DeleteOptions pre;
  pre.preconditionUid = "not-the-uid";
  auto precondition = c->remove(kube::pods("default", "from-object"), pre);
  ASSERT_FALSE(precondition.ok());
  EXPECT_EQ(precondition.error().code, ErrorCode::kConflict);

  // Every call above went over one kept-alive connection.
  EXPECT_EQ(c->connections_opened(), 1u);
  auto version = c->get_raw("/version");
  ASSERT_TRUE(version.ok());
  EXPECT_NE(version->find("gitVersion"), std::string::npos);
}

TEST(HttpKubeClient, RefusedWithoutTheToken) {
  Served s;
  RestConfig cfg = s.config();
  cfg.token = "wrong";
  auto c = s.client(cfg);
  auto r = c->list(kube::pods("default"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnauthorized);
}

TEST(HttpKubeClient, ListsWithSelectorsAndPages) {
  Served s;
  auto c = s.client();
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(c->create(kube::pods("default"), pod("p" + std::to_string(i), i % 2 ? "odd" : "even")).ok());
  ASSERT_TRUE(c->create(kube::namespaces(), Json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "other"}}}}).ok());
  Json elsewhere = pod("x");
  elsewhere["metadata"]["namespace"] = "other";
  ASSERT_TRUE(c->create(kube::pods("other"), elsewhere).ok());

  kube::ListOptions odd;
  odd.labelSelector = "app in (odd)";
  auto l = c->list(kube::pods("default"), odd);
  ASSERT_TRUE(l.ok()) << l.error().message;
  ASSERT_EQ(l->items.size(), 2u);
  EXPECT_EQ(l->items[0]->value("kind", ""), "Pod");
  EXPECT_EQ(l->items[0]->value("apiVersion", ""), "v1");
  EXPECT_FALSE(l->resourceVersion.empty());

  kube::ListOptions by_name;
  by_name.fieldSelector = "metadata.name=p3";
  auto one = c->list(kube::pods("default"), by_name);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->items.size(), 1u);
  EXPECT_EQ(one->items[0]->at("metadata").at("name"), "p3");

  auto all = c->list(kube::pods());
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->items.size(), 6u);

  kube::ListOptions page;
  page.limit = 2;
  std::vector<std::string> names;
  for (int guard = 0; guard < 10; ++guard) {
    auto p = c->list(kube::pods("default"), page);
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_LE(p->items.size(), 2u);
    for (const auto& i : p->items) names.push_back(i->at("metadata").at("name"));
    if (p->continue_.empty()) break;
    page.continue_ = p->continue_;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"p0", "p1", "p2", "p3", "p4"}));

  kube::ListOptions broken;
  broken.labelSelector = "==";
  auto bad = c->list(kube::pods("default"), broken);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

TEST(HttpKubeClient, PatchesAndSubresources) {
  Served s;
  auto c = s.client();
  const Json deploy = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", {{"name", "web"}, {"namespace", "default"}}},
      {"spec",
       {{"replicas", 1},
        {"selector", {{"matchLabels", {{"app", "web"}}}}},
        {"template",
         {{"metadata", {{"labels", {{"app", "web"}}}}},
          {"spec", {{"containers", {{{"name", "nginx"}, {"image", "nginx:1.25"}}}}}}}}}}};
  ASSERT_TRUE(c->create(kube::deployments("default"), deploy).ok());
  const auto ref = kube::deployments("default", "web");
  auto scaled = c->scale(ref, 3);
  ASSERT_TRUE(scaled.ok()) << scaled.error().message;
  EXPECT_EQ((*scaled)->value("kind", ""), "Scale");
  auto scale = c->get_subresource(ref, "scale");
  ASSERT_TRUE(scale.ok());
  EXPECT_EQ((*scale)->at("spec").at("replicas"), 3);

  auto smp = c->patch(ref, kube::PatchType::kStrategicMerge, Json{{"metadata", {{"labels", {{"tier", "front"}}}}}});
  ASSERT_TRUE(smp.ok()) << smp.error().message;
  EXPECT_EQ((*smp)->at("metadata").at("labels").at("tier"), "front");
  auto merge = c->patch(ref, kube::PatchType::kMerge, Json{{"metadata", {{"labels", {{"tier", nullptr}}}}}});
  ASSERT_TRUE(merge.ok());
  EXPECT_FALSE((*merge)->at("metadata").value("labels", Json::object()).contains("tier"));
  auto json = c->patch(ref, kube::PatchType::kJson, Json::array({{{"op", "replace"}, {"path", "/spec/replicas"}, {"value", 2}}}));
  ASSERT_TRUE(json.ok()) << json.error().message;
  EXPECT_EQ((*json)->at("spec").at("replicas"), 2);
  auto bad = c->patch(ref, kube::PatchType::kJson, Json::array({{{"op", "test"}, {"path", "/spec/replicas"}, {"value", 9}}}));
  EXPECT_FALSE(bad.ok());

  // Status subresource and binding.
  ASSERT_TRUE(c->create(kube::nodes(), Json{{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", "n1"}}}}).ok());
  auto node = c->get(kube::nodes("n1"));
  Json st = **node;
  st["status"] = {{"allocatable", {{"cpu", "4"}, {"memory", "8Gi"}, {"pods", "110"}}}};
  auto updated = c->update_status(kube::nodes("n1"), st);
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ((*updated)->at("status").at("allocatable").at("cpu"), "4");
  ASSERT_TRUE(c->create(kube::pods("default"), pod("bound")).ok());
  auto bound = c->bind(kube::pods("default", "bound"), "n1");
  ASSERT_TRUE(bound.ok()) << bound.error().message;
  EXPECT_EQ(c->get(kube::pods("default", "bound")).value()->at("spec").value("nodeName", ""), "n1");

  kube::WriteOptions dry;
  dry.dryRun = true;
  ASSERT_TRUE(c->create(kube::pods("default"), pod("dry"), dry).ok());
  EXPECT_EQ(c->get(kube::pods("default", "dry")).error().code, ErrorCode::kNotFound);
}

TEST(HttpKubeClient, WatchDeliversEventsInOrder) {
  Served s;
  auto c = s.client();
  auto listed = c->list(kube::pods("default"));
  ASSERT_TRUE(listed.ok());
  Recorder rec;
  kube::WatchOptions wo;
  wo.resourceVersion = listed->resourceVersion;
  auto handle = on_loop(s.callers, [&] {
    return c->watch(kube::pods("default"), wo, s.callers.executor(), rec.on_event(), rec.on_error());
  });
  ASSERT_TRUE(handle.ok());
  ASSERT_TRUE(c->create(kube::pods("default"), pod("a")).ok());
  ASSERT_TRUE(c->patch(kube::pods("default", "a"), kube::PatchType::kMerge, Json{{"metadata", {{"labels", {{"x", "1"}}}}}}).ok());
  kube::DeleteOptions now;
  now.gracePeriodSeconds = 0;
  ASSERT_TRUE(c->remove(kube::pods("default", "a"), now).ok());
  ASSERT_TRUE(eventually([&] { return rec.events().size() >= 3; })) << rec.events().size();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"ADDED a", "MODIFIED a", "DELETED a"}));
  on_loop(s.callers, [&] { (*handle)->stop(); });
  // Nothing after stop.
  ASSERT_TRUE(c->create(kube::pods("default"), pod("b")).ok());
  on_loop(s.callers, [] {});
  EXPECT_EQ(rec.events().size(), 3u);
  EXPECT_EQ(rec.error_count(), 0u);
}

TEST(HttpKubeClient, WatchResumesAfterTheServerCutsTheConnection) {
  Served s;
  auto c = s.client();
  Recorder rec;
  kube::WatchOptions wo;
  wo.resourceVersion = c->list(kube::pods("default"))->resourceVersion;
  auto handle = on_loop(s.callers, [&] {
    return c->watch(kube::pods("default"), wo, s.callers.executor(), rec.on_event(), rec.on_error());
  });
  ASSERT_TRUE(handle.ok());
  ASSERT_TRUE(c->create(kube::pods("default"), pod("before")).ok());
  ASSERT_TRUE(eventually([&] { return rec.events().size() == 1; }));

  // The server goes away (every connection closed); a change happens meanwhile.
  const auto port = s.server->port();
  s.server->stop();
  auto during = on_loop(s.loop, [&] { return s.inproc.create(kube::pods("default"), pod("during")); });
  ASSERT_TRUE(during.ok());
  s.start_server(port);
  ASSERT_TRUE(c->create(kube::pods("default"), pod("after")).ok());
  ASSERT_TRUE(eventually([&] { return rec.events().size() >= 3; })) << rec.events().size();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"ADDED before", "ADDED during", "ADDED after"}));
  EXPECT_EQ(rec.error_count(), 0u);
  on_loop(s.callers, [&] { (*handle)->stop(); });
}

TEST(HttpKubeClient, WatchReopensWhenTheServerEndsTheStream) {
  Served s;
  HttpKubeClientOptions o = s.client_options();
  o.watch_timeout = 1s;  // the server ends each stream after a second
  auto made = HttpKubeClient::create(s.config(), o);
  ASSERT_TRUE(made.ok());
  auto& c = *made;
  Recorder rec;
  kube::WatchOptions wo;
  wo.resourceVersion = c->list(kube::pods("default"))->resourceVersion;
  auto handle = on_loop(s.callers, [&] {
    return c->watch(kube::pods("default"), wo, s.callers.executor(), rec.on_event(), rec.on_error());
  });
  ASSERT_TRUE(handle.ok());
  ASSERT_TRUE(c->create(kube::pods("default"), pod("p")).ok());
  ASSERT_TRUE(eventually([&] { return rec.events().size() == 1; }));  // the stream is open
  // Keep changing the pod until the stream has been reopened; no change may be lost.
  const std::size_t opened = c->connections_opened();
  int changes = 0;
  const auto until = std::chrono::steady_clock::now() + 4s;
  while (c->connections_opened() < opened + 1 && std::chrono::steady_clock::now() < until) {
    ++changes;
    ASSERT_TRUE(c->patch(kube::pods("default", "p"), kube::PatchType::kMerge,
                         Json{{"metadata", {{"labels", {{"n", std::to_string(changes)}}}}}})
                    .ok());
    ASSERT_TRUE(eventually([&] { return rec.events().size() == static_cast<std::size_t>(changes) + 1; }));
  }
  EXPECT_GE(c->connections_opened(), opened + 1);
  auto ev = rec.events();
  ASSERT_EQ(ev.size(), static_cast<std::size_t>(changes) + 1);
  for (int i = 1; i <= changes; ++i) EXPECT_EQ(ev[static_cast<std::size_t>(i)], "MODIFIED p");
  EXPECT_EQ(rec.error_count(), 0u);
  on_loop(s.callers, [&] { (*handle)->stop(); });
}

TEST(HttpKubeClient, WatchFromAnExpiredVersionReportsGone) {
  apiserver::ApiServerOptions ao;
  ao.store.history_per_resource = 2;
  Served s({}, ao);
  auto c = s.client();
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(c->create(kube::pods("default"), pod("p" + std::to_string(i))).ok());
  Recorder rec;
  kube::WatchOptions wo;
  wo.resourceVersion = "2";
  auto handle = on_loop(s.callers, [&] {
    return c->watch(kube::pods("default"), wo, s.callers.executor(), rec.on_event(), rec.on_error());
  });
  ASSERT_TRUE(handle.ok());
  ASSERT_TRUE(eventually([&] { return rec.error_count() == 1; }));
  std::lock_guard l(rec.mu);
  EXPECT_EQ(rec.errors[0].code, ErrorCode::kGone);
  EXPECT_EQ(rec.errors[0].reason, "Expired") << rec.errors[0].message;
  EXPECT_TRUE(rec.seen.empty());
  on_loop(s.callers, [&] { (*handle)->stop(); });
}

TEST(HttpKubeClient, WatchDeliversBookmarksWhenAsked) {
  apiserver::ApiServerOptions ao;
  ao.store.bookmark_interval = 100ms;
  Served s({}, ao);
  auto c = s.client();
  Recorder rec;
  kube::WatchOptions wo;
  wo.resourceVersion = c->list(kube::pods("default"))->resourceVersion;
  wo.allowWatchBookmarks = true;
  auto handle = on_loop(s.callers, [&] {
    return c->watch(kube::pods("default"), wo, s.callers.executor(), rec.on_event(), rec.on_error());
  });
  ASSERT_TRUE(handle.ok());
  ASSERT_TRUE(eventually([&] {
    for (const auto& e : rec.events())
      if (e.rfind("BOOKMARK", 0) == 0) return true;
    return false;
  }));
  on_loop(s.callers, [&] { (*handle)->stop(); });
}

TEST(HttpKubeClient, InformerSyncsOverHttp) {
  Served s;
  auto c = s.client();
  ASSERT_TRUE(c->create(kube::pods("default"), pod("one")).ok());
  std::atomic<int> adds{0}, updates{0}, deletes{0};
  kube::Informer::Handlers h;
  h.on_add = [&](const kube::Object&) { ++adds; };
  h.on_update = [&](const kube::Object&, const kube::Object&) { ++updates; };
  h.on_delete = [&](const kube::Object&) { ++deletes; };
  auto informer = on_loop(s.callers, [&] {
    auto i = std::make_unique<kube::Informer>(*c, s.callers.executor(), kube::pods("default"), kube::ListOptions{}, h);
    i->start();
    return i;
  });
  ASSERT_TRUE(eventually([&] { return on_loop(s.callers, [&] { return informer->synced(); }); }));
  EXPECT_EQ(adds, 1);
  ASSERT_TRUE(c->create(kube::pods("default"), pod("two")).ok());
  ASSERT_TRUE(c->patch(kube::pods("default", "one"), kube::PatchType::kMerge, Json{{"metadata", {{"labels", {{"x", "y"}}}}}}).ok());
  kube::DeleteOptions now;
  now.gracePeriodSeconds = 0;
  ASSERT_TRUE(c->remove(kube::pods("default", "two"), now).ok());
  ASSERT_TRUE(eventually([&] { return adds == 2 && updates >= 1 && deletes == 1; }))
      << adds << " " << updates << " " << deletes;
  auto cached = on_loop(s.callers, [&] { return informer->get("default/one"); });
  ASSERT_TRUE(cached);
  EXPECT_EQ(cached->at("metadata").at("labels").value("x", ""), "y");
  EXPECT_EQ(on_loop(s.callers, [&] { return informer->list().size(); }), 1u);
  on_loop(s.callers, [&] { informer.reset(); });
}

TEST(HttpKubeClient, RateLimitSpacesRequests) {
  Served s;
  RestConfig cfg = s.config();
  cfg.qps = 20;
  cfg.burst = 1;
  auto c = s.client(cfg);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c->list(kube::pods("default")).ok());
  // One token at once, then one every 50 ms.
  EXPECT_GE(std::chrono::steady_clock::now() - start, 180ms);
}

TEST(HttpKubeClient, ConnectionRefusedNamesTheServer) {
  RestConfig cfg;
  cfg.server = "http://127.0.0.1:1";
  cfg.timeout = 2s;
  cfg.origin = "test";
  auto c = HttpKubeClient::create(cfg);
  ASSERT_TRUE(c.ok());
  auto r = (*c)->get(kube::pods("default", "x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("http://127.0.0.1:1"), std::string::npos) << r.error().message;

  cfg.server = "ftp://x";
  auto bad = HttpKubeClient::create(cfg);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("ftp://x"), std::string::npos);
}

TEST(HttpKubeClient, WatchGivesUpAfterRepeatedFailures) {
  apiserver::RealTimeLoop callers;
  callers.start();
  RestConfig cfg;
  cfg.server = "http://127.0.0.1:1";  // nothing listens
  cfg.qps = 0;
  cfg.origin = "test";
  HttpKubeClientOptions o;
  o.dispatch = [&](Executor&, Executor::Task t) { callers.submit(std::move(t)); };
  o.watch_max_failures = 2;
  o.watch_backoff_initial = 10ms;
  auto c = HttpKubeClient::create(cfg, o);
  ASSERT_TRUE(c.ok());
  Recorder rec;
  auto handle = on_loop(callers, [&] {
    return (*c)->watch(kube::pods("default"), {}, callers.executor(), rec.on_event(), rec.on_error());
  });
  ASSERT_TRUE(handle.ok());
  ASSERT_TRUE(eventually([&] { return rec.error_count() == 1; }));
  {
    std::lock_guard l(rec.mu);
    EXPECT_EQ(rec.errors[0].code, ErrorCode::kUnavailable);
    EXPECT_NE(rec.errors[0].message.find("gave up after 3 failed attempts"), std::string::npos) << rec.errors[0].message;
    EXPECT_NE(rec.errors[0].message.find("http://127.0.0.1:1"), std::string::npos) << rec.errors[0].message;
  }
  on_loop(callers, [&] { (*handle)->stop(); });
  callers.stop();
}

TEST(HttpKubeClient, StoppingAWatchOnASilentServerIsPrompt) {
  // A server that accepts and never answers.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  boost::asio::ip::tcp::socket held(ioc);
  acceptor.async_accept(held, [](boost::system::error_code) {});
  std::thread io([&] { ioc.run(); });

  apiserver::RealTimeLoop callers;
  callers.start();
  RestConfig cfg;
  cfg.server = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
  cfg.qps = 0;
  cfg.timeout = 30s;
  cfg.origin = "test";
  HttpKubeClientOptions o;
  o.dispatch = [&](Executor&, Executor::Task t) { callers.submit(std::move(t)); };
  auto c = HttpKubeClient::create(cfg, o);
  ASSERT_TRUE(c.ok());
  Recorder rec;
  auto handle = on_loop(callers, [&] {
    return (*c)->watch(kube::pods("default"), {}, callers.executor(), rec.on_event(), rec.on_error());
  });
  ASSERT_TRUE(handle.ok());
  ASSERT_TRUE(eventually([&] { return (*c)->connections_opened() == 1; }));
  const auto start = std::chrono::steady_clock::now();
  on_loop(callers, [&] { (*handle)->stop(); });
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_EQ(rec.error_count(), 0u);
  callers.stop();
  ioc.stop();
  io.join();
}

// ---- TLS ----------------------------------------------------------------------------------

struct TlsServed {
  tls::LocalPki pki;
  std::unique_ptr<Served> served;
  TlsServed() {
    apiserver::HttpServerOptions o;
    o.tls_cert_file = pki.file("server.crt");
    o.tls_key_file = pki.file("server.key");
    served = std::make_unique<Served>(o);
  }
};

TEST(HttpKubeClientTls, VerifiesTheServerAgainstTheCa) {
  TlsServed t;
  RestConfig cfg = t.served->config();
  ASSERT_EQ(cfg.server.rfind("https://", 0), 0u);
  cfg.ca_pem = t.pki.ca_pem;
  auto c = t.served->client(cfg);
  auto created = c->create(kube::pods("default"), pod("secure"));
  ASSERT_TRUE(created.ok()) << created.error().message;
  ASSERT_TRUE(c->get(kube::pods("default", "secure")).ok());
  EXPECT_EQ(c->connections_opened(), 1u);

  // A watch over TLS too.
  Recorder rec;
  kube::WatchOptions wo;
  wo.resourceVersion = c->list(kube::pods("default"))->resourceVersion;
  auto handle = on_loop(t.served->callers, [&] {
    return c->watch(kube::pods("default"), wo, t.served->callers.executor(), rec.on_event(), rec.on_error());
  });
  ASSERT_TRUE(handle.ok());
  ASSERT_TRUE(c->remove(kube::pods("default", "secure")).ok());
  ASSERT_TRUE(eventually([&] { return !rec.events().empty() && rec.events().back().rfind("DELETED", 0) == 0; }));
  EXPECT_EQ(rec.events().back(), "DELETED secure");
  on_loop(t.served->callers, [&] { (*handle)->stop(); });
}

TEST(HttpKubeClientTls, RefusesAServerSignedByAnotherCa) {
  TlsServed t;
  tls::LocalPki other("IP:127.0.0.1", "some other CA");
  RestConfig cfg = t.served->config();
  cfg.ca_pem = other.ca_pem;
  auto c = t.served->client(cfg);
  auto r = c->list(kube::pods("default"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("TLS handshake with " + cfg.server + " failed"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("certificate was refused"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("certificate-authority"), std::string::npos) << r.error().message;

  // The system roots do not know the test CA either.
  cfg.ca_pem.clear();
  EXPECT_FALSE(t.served->client(cfg)->list(kube::pods("default")).ok());

  // insecure-skip-tls-verify accepts it.
  cfg.insecure_skip_tls_verify = true;
  EXPECT_TRUE(t.served->client(cfg)->list(kube::pods("default")).ok());
}

TEST(HttpKubeClientTls, ChecksTheNameInTheCertificate) {
  TlsServed t;
  RestConfig cfg = t.served->config();
  cfg.ca_pem = t.pki.ca_pem;
  cfg.tls_server_name = "kubernetes.default.svc";  // not in the certificate
  auto r = t.served->client(cfg)->list(kube::pods("default"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("TLS handshake"), std::string::npos) << r.error().message;
  cfg.tls_server_name = "localhost";  // in the SAN
  auto ok = t.served->client(cfg)->list(kube::pods("default"));
  EXPECT_TRUE(ok.ok()) << ok.error().message;
}

TEST(HttpKubeClientTls, ServerRefusesMissingKeyFile) {
  tls::LocalPki pki;
  apiserver::RealTimeLoop loop;
  apiserver::ApiServer api(loop.sim());
  apiserver::InProcessClient inproc(api);
  apiserver::HttpServerOptions o;
  o.tls_cert_file = pki.file("server.crt");
  o.tls_key_file = pki.file("absent.key");
  apiserver::HttpServer server(inproc, loop, loop.sim().clock(), o);
  auto st = server.start("127.0.0.1", 0);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("absent.key"), std::string::npos) << st.error().message;
}

}  // namespace
}  // namespace kci::provider
