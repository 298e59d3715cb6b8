#include "core/kci/wire.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace kci::kcicloud {
namespace {

CreateContainerGroupRequest full() {
  CreateContainerGroupRequest r;
  r.container_group_name = "web-1";
  r.multi_subnet_ids = {"s1", "s2"};
  r.security_group_ids = {"sg-1"};
  r.kci_type = "RBKCI";
  r.instance_families = {"S6", "I3"};
  r.charge_type = "Spot";
  r.spot_strategy = "SpotAsPriceGo";
  r.project_id = "106123";
  r.cpu = 0.5;
  r.memory = 1.5;
  r.retain_ip = true;
  r.retain_ip_hours = 3;
  r.system_disk = SystemDisk{"SSD3.0", 40};
  r.dns_config = DnsConfig{{"10.254.0.10"}, {"svc.cluster.local"}, {"ndots:5"}};
  r.host_aliases = {HostAlias{"1.2.3.4", {"a", "b"}}};
  r.restart_policy = "OnFailure";
  r.image_registry_credentials = {{"hub.example", "u", "p&w=d"}};
  r.volumes = {Volume{.name = "e", .type = "EmptyDirVolume", .medium = "Memory", .size_limit = "1Gi"},
               Volume{.name = "n", .type = "NFSVolume", .server = "nfs", .path = "/x", .read_only = true},
               Volume{.name = "c", .type = "ConfigFileVolume", .config_files = {{"f", "Zg=="}}}};
  ContainerSpec c{.name = "main", .image = "nginx", .image_pull_policy = "Always", .command = {"sh"}, .args = {"-c", "x y"},
                  .cpu = 0.25, .memory = 0.5, .gpu = 1, .working_dir = "/w"};
  c.env = {{"K", "v=1&2"}};
  c.ports = {80};
  c.volume_mounts = {{"e", "/e", true}};
  c.privileged = true;
  c.liveness_probe = ProbeSpec{.handler = {.http_get_path = "/healthz", .http_get_port = 80, .http_get_scheme = "HTTP",
                                           .http_get_headers = {{"X-A", "b"}}},
                               .initial_delay_seconds = 3, .period_seconds = 10, .failure_threshold = 4};
  c.readiness_probe = ProbeSpec{.handler = {.tcp_socket_port = 80}, .timeout_seconds = 2, .success_threshold = 1};
  c.startup_probe = ProbeSpec{.handler = {.exec_command = {"cat", "/ready"}}};
  c.pre_stop = ProbeHandler{.exec_command = {"/bin/sh", "-c", "echo Container stopping..."}};
  r.containers = {c, ContainerSpec{.name = "side", .image = "busybox"}};
  r.init_containers = {ContainerSpec{.name = "init", .image = "busybox"}};
  r.cluster_dns = "10.254.0.10";
  r.cluster_domain = "cluster.local";
  r.labels = {{"cluster-id", "c1"}};
  r.kube_proxy_enabled = true;
  r.klog_enabled = true;
  r.client_token = "tok";
  r.ingress_bandwidth = 40'000'000;
  r.egress_bandwidth = 10'000'000;
  r.base_image = "img-base";
  r.termination_grace_period_seconds = 45;
  r.auto_match_image_cache = true;
  r.image_cache_id = "imc-2ze5tm5gehgtiiga";
  return r;
}

TEST(Wire, CreateRequestRoundTripsThroughForm) {
  const auto r = full();
  auto parsed = parse_form(encode_form(to_form(r)));
  ASSERT_TRUE(parsed.ok());
  auto reader = FormReader::make(*parsed);
  ASSERT_TRUE(reader.ok());
  (void)reader->get("Action");
  (void)reader->get("Version");
  auto back = from_form<CreateContainerGroupRequest>(*reader);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, r);
}

TEST(Wire, ClientSendsOneBasedLists) {
  const auto p = to_form(full());
  EXPECT_NE(std::find(p.begin(), p.end(), std::pair<std::string, std::string>{"Container.1.Name", "main"}), p.end());
  EXPECT_NE(std::find(p.begin(), p.end(), std::pair<std::string, std::string>{"SecurityGroupId.1", "sg-1"}), p.end());
}

TEST(Wire, BadValuesNameTheField) {
  auto reader = FormReader::make({{"Cpu", "four"}});
  auto r = from_form<CreateContainerGroupRequest>(*reader);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, "InvalidParameter");
  EXPECT_NE(r.error().message.find("Cpu is \"four\""), std::string::npos);
  auto mr = FormReader::make({{"MaxResults", "101"}});
  EXPECT_FALSE(from_form<DescribeContainerGroupRequest>(*mr).ok());
}

TEST(Wire, ErrorEnvelopeRoundTrip) {
  const Error e = kci_error("NoStock", "S6.4B sold out");
  EXPECT_EQ(e.code, ErrorCode::kResourceExhausted);
  const Error back = parse_error_envelope(400, error_envelope("rid", e));
  EXPECT_EQ(back, e);
  const Error junk = parse_error_envelope(502, "<html>bad gateway</html>");
  EXPECT_EQ(junk.reason, "InternalError");
  EXPECT_EQ(junk.code, ErrorCode::kUnavailable);
  EXPECT_EQ(http_status_for_reason("Throttling"), 429);
  EXPECT_EQ(http_status_for_reason("SignatureDoesNotMatch"), 401);
}

TEST(Wire, ResponsesRoundTripThroughJson) {
  DescribeContainerGroupResponse d;
  d.request_id = "r";
  d.marker = 3;
  d.total_count = 9;
  ContainerGroup g;
  g.container_group_id = "id";
  g.cpu = 4;
  g.memory = 8;
  g.labels = {{"k", "v"}};
  g.network_interfaces = {{"eni", "10.0.0.1", "s", "v", {"sg-1"}}};
  g.containers = {{"c", "img", 2, true, {"Running", "t", "", "", 0}, {"Terminated", "a", "b", "Error", 1}}};
  d.container_groups = {g};
  auto back = from_json<DescribeContainerGroupResponse>(to_json(d));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, d);
  EXPECT_FALSE(from_json<DescribeContainerGroupResponse>("{\"ContainerGroups\": 3}").ok());
  EXPECT_FALSE(from_json<DescribeContainerGroupResponse>("not json").ok());
}

template <class Req>
Result<Req> round_trip(const Req& r) {
  auto parsed = parse_form(encode_form(to_form(r)));
  if (!parsed.ok()) return parsed.error();
  auto reader = FormReader::make(*parsed);
  if (!reader.ok()) return reader.error();
  (void)reader->get("Action");
  (void)reader->get("Version");
  return from_form<Req>(*reader);
}

bool has(const FormParams& p, const std::string& k, const std::string& v) {
  return std::find(p.begin(), p.end(), std::pair<std::string, std::string>{k, v}) != p.end();
}

TEST(Wire, ImageCacheParametersOfCreateContainerGroup) {
  const auto p = to_form(full());
  EXPECT_TRUE(has(p, "AutoMatchImageCache", "true"));
  EXPECT_TRUE(has(p, "ImageCacheId", "imc-2ze5tm5gehgtiiga"));
  CreateContainerGroupRequest plain;
  plain.container_group_name = "x";
  const auto q = to_form(plain);
  EXPECT_TRUE(std::none_of(q.begin(), q.end(), [](const auto& kv) { return kv.first.find("ImageCache") != std::string::npos; }));
  auto bad = FormReader::make({{"AutoMatchImageCache", "yes"}});
  auto r = from_form<CreateContainerGroupRequest>(*bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("AutoMatchImageCache is \"yes\"; expected true or false"), std::string::npos);
}

TEST(Wire, ImageCacheActionsFlattenOneBasedAndRoundTrip) {
  const CreateImageCacheRequest c{"nginx-cache", {"nginx:1.7.9", "redis"}, 40, 7, "106123"};
  const auto p = to_form(c);
  EXPECT_EQ(p.at(0), (std::pair<std::string, std::string>{"Action", "CreateImageCache"}));
  EXPECT_TRUE(has(p, "ImageCacheName", "nginx-cache"));
  EXPECT_TRUE(has(p, "Image.1", "nginx:1.7.9"));
  EXPECT_TRUE(has(p, "Image.2", "redis"));
  EXPECT_TRUE(has(p, "ImageCacheSize", "40"));
  EXPECT_TRUE(has(p, "RetentionDays", "7"));
  auto cb = round_trip(c);
  ASSERT_TRUE(cb.ok()) << cb.error().message;
  EXPECT_EQ(*cb, c);

  const DescribeImageCachesRequest d{{"imc-a", "imc-b"}, "web", "nginx", {"nginx:1.7.9", "redis"}};
  const auto dp = to_form(d);
  EXPECT_EQ(dp.at(0).second, "DescribeImageCaches");
  EXPECT_TRUE(has(dp, "ImageCacheId.2", "imc-b"));
  EXPECT_TRUE(has(dp, "MatchImage.1", "nginx:1.7.9"));
  auto db = round_trip(d);
  ASSERT_TRUE(db.ok()) << db.error().message;
  EXPECT_EQ(*db, d);

  const DeleteImageCacheRequest del{"imc-a"};
  EXPECT_TRUE(has(to_form(del), "ImageCacheId", "imc-a"));
  EXPECT_EQ(to_form(del).at(0).second, "DeleteImageCache");
  auto delb = round_trip(del);
  ASSERT_TRUE(delb.ok());
  EXPECT_EQ(*delb, del);

  auto unknown = FormReader::make({{"ImageCacheName", "x"}, {"Colour", "red"}});
  auto u = from_form<CreateImageCacheRequest>(*unknown);
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.error().message.find("Colour"), std::string::npos);
  auto size = FormReader::make({{"ImageCacheSize", "big"}});
  auto sz = from_form<CreateImageCacheRequest>(*size);
  ASSERT_FALSE(sz.ok());
  EXPECT_NE(sz.error().message.find("ImageCacheSize is \"big\""), std::string::npos);
}

TEST(Wire, ImageCacheRepliesRoundTripAndErrorsDecode) {
  DescribeImageCachesResponse d;
  d.request_id = "r";
  ImageCache c;
  c.image_cache_id = "imc-a";
  c.image_cache_name = "web";
  c.snapshot_id = "s-1";
  c.images = {"nginx:1.7.9"};
  c.status = "Ready";
  c.progress = 100;
  c.image_cache_size_gb = 20;
  c.project_id = "0";
  c.creation_time = "2026-01-01T00:00:00Z";
  c.expire_date_time = "2026-01-08T00:00:00Z";
  c.last_matched_time = "2026-01-02T00:00:00Z";
  c.events = {Event{"t1", "t2", 1, "Normal", "ImageCacheCreate", "Snapshot [s-1] of image cache has been created"}};
  d.image_caches = {c};
  auto back = from_json<DescribeImageCachesResponse>(to_json(d));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, d);
  auto cr = from_json<CreateImageCacheResponse>(to_json(CreateImageCacheResponse{"r", "imc-a"}));
  ASSERT_TRUE(cr.ok());
  EXPECT_EQ(cr->image_cache_id, "imc-a");
  EXPECT_TRUE(from_json<DeleteImageCacheResponse>(to_json(DeleteImageCacheResponse{"r"})).ok());
  EXPECT_FALSE(from_json<DescribeImageCachesResponse>("{\"ImageCaches\": {}}").ok());

  for (const char* code : {"ImageCacheNotFound", "ImageCacheEliminated"}) {
    const Error e = kci_error(code, "gone");
    EXPECT_EQ(e.code, ErrorCode::kNotFound);
    EXPECT_EQ(http_status_for_reason(code), 404);
    EXPECT_EQ(parse_error_envelope(404, error_envelope("rid", e)), e);
  }
  const Error pending = kci_error("ImageCacheNotComplete", "not yet");
  EXPECT_EQ(pending.code, ErrorCode::kConflict);
  EXPECT_EQ(http_status_for_reason("ImageCacheNotComplete"), 409);
}

TEST(Wire, ImageCacheIds) {
  EXPECT_TRUE(is_image_cache_id("imc-2ze5tm5gehgtiiga"));
  EXPECT_FALSE(is_image_cache_id("imc-"));
  EXPECT_FALSE(is_image_cache_id("imc-ABC"));
  EXPECT_FALSE(is_image_cache_id("img-abc"));
  EXPECT_FALSE(is_image_cache_id("imc-" + std::string(61, 'a')));
}

}  // namespace
}  // namespace kci::kcicloud
