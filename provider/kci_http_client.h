// The product's KCI client: KciApi over signed HTTP, to the real endpoint or to
// `kci-vk fake-kci`. Requests are form POSTs (lists 1-based) signed with AWS Signature
// V4 (scope <date>/<region>/kci/aws4_request); replies and the error envelope are
// decoded into Result, the KCI code in Error::reason.
// Must not: expose Boost.Asio/Beast here (pimpl); read the wall clock itself (the Clock
// given dates the signature); include fake-kci/. Plain HTTP for now; HTTPS later.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/kci/api.h"

namespace kci::provider {

//! Where and who.
struct KciHttpClientOptions {
  std::string host = "127.0.0.1";        //!< address to connect to
  std::uint16_t port = 80;               //!< port
  std::string host_header;               //!< Host header; empty = host:port
  std::string access_key;                //!< access key id
  std::string secret_key;                //!< secret access key
  std::string region = "cn-beijing-6";   //!< signature scope region
  Duration timeout = std::chrono::seconds(10);  //!< per request (connect + round trip)
  bool tls = false;                      //!< HTTPS (the real endpoints); plain HTTP for the fake
  std::string ca_file;                   //!< PEM roots for HTTPS; empty = the system's
};

//! The KCI endpoint for a region (kci-cloud.md): public, or internal with
//! KCI_REQUEST_INTERNAL (seed 001: "集群无公网访问能力时配置该环境变量通过内网请求金山云api").
std::string kci_endpoint_host(bool internal);

//! "http://host:port" or "https://host[:port]" into the options; errors name the URL.
Status parse_kci_endpoint(const std::string& url, KciHttpClientOptions& options);

//! Where a command's KCI calls go: `endpoint` (--kci-endpoint) when given, else the real
//! endpoint over HTTPS (internal with `internal`); keys and region are left to the caller.
Result<KciHttpClientOptions> kci_endpoint_options(const std::string& endpoint, bool internal);

class KciHttpClient final : public kcicloud::KciApi {
 public:
  //! `clock` dates each signature and must outlive the client.
  KciHttpClient(KciHttpClientOptions options, const Clock& clock);
  ~KciHttpClient() override;

  //! Signs with these keys from the next call on (TEMP_AKSK_CM rotation); thread-safe.
  void set_credentials(const std::string& access_key, const std::string& secret_key);

  Result<kcicloud::CreateContainerGroupResponse> create_container_group(
      const kcicloud::CallContext& ctx, const kcicloud::CreateContainerGroupRequest& req) override;
  Result<kcicloud::DescribeContainerGroupResponse> describe_container_group(
      const kcicloud::CallContext& ctx, const kcicloud::DescribeContainerGroupRequest& req) override;
  Result<kcicloud::DeleteContainerGroupResponse> delete_container_group(
      const kcicloud::CallContext& ctx, const kcicloud::DeleteContainerGroupRequest& req) override;
  Result<kcicloud::DescribeContainerLogResponse> describe_container_log(
      const kcicloud::CallContext& ctx, const kcicloud::DescribeContainerLogRequest& req) override;
  Result<kcicloud::DescribeContainerGroupEventsResponse> describe_container_group_events(
      const kcicloud::CallContext& ctx, const kcicloud::DescribeContainerGroupEventsRequest& req) override;
  Result<kcicloud::DescribeContainerGroupCountResponse> describe_container_group_count(
      const kcicloud::CallContext& ctx, const kcicloud::DescribeContainerGroupCountRequest& req) override;
  Result<kcicloud::DescribeKciPackagesResponse> describe_kci_packages(
      const kcicloud::CallContext& ctx, const kcicloud::DescribeKciPackagesRequest& req) override;
  Result<kcicloud::DescribeRegionsResponse> describe_regions(
      const kcicloud::CallContext& ctx, const kcicloud::DescribeRegionsRequest& req) override;
  Result<kcicloud::CreateImageCacheResponse> create_image_cache(
      const kcicloud::CallContext& ctx, const kcicloud::CreateImageCacheRequest& req) override;
  Result<kcicloud::DescribeImageCachesResponse> describe_image_caches(
      const kcicloud::CallContext& ctx, const kcicloud::DescribeImageCachesRequest& req) override;
  Result<kcicloud::DeleteImageCacheResponse> delete_image_cache(
      const kcicloud::CallContext& ctx, const kcicloud::DeleteImageCacheRequest& req) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kci::provider
