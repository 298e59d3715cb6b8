#include "provider/kci_http_client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>

#include <charconv>
#include <mutex>

#include "core/kci/form.h"
#include "core/kci/sigv4.h"
#include "core/kci/wire.h"

namespace kci::provider {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace kcicloud;

namespace {

class HttpTransport final : public WireTransport {
 public:
  HttpTransport(KciHttpClientOptions o, const Clock& c) : opt_(std::move(o)), clock_(c) {}

  // The access key of the options signs every call; ctx.access_key_id, when set, must be it
  // (the HTTP face cannot sign for a key whose secret it does not hold).
  void set_credentials(const std::string& ak, const std::string& sk) {
    std::lock_guard lock(mu_);
    opt_.access_key = ak;
    opt_.secret_key = sk;
  }

  Result<WireReply> round_trip(const CallContext& ctx, const FormParams& params) override {
    std::string access_key, secret_key;
    {
      std::lock_guard lock(mu_);
      access_key = opt_.access_key;
      secret_key = opt_.secret_key;
    }
    if (!ctx.access_key_id.empty() && ctx.access_key_id != access_key) {
      return make_error(ErrorCode::kInvalidArgument, "the call names access key " + ctx.access_key_id +
                                                          " but this client signs with " + access_key);
    }
    const std::string region = ctx.region.empty() ? opt_.region : ctx.region;
    const std::string host = opt_.host_header.empty() ? opt_.host + ":" + std::to_string(opt_.port) : opt_.host_header;
    sigv4::Request sreq;
    sreq.method = "POST";
    sreq.path = "/";
    sreq.body = encode_form(params);
    sreq.headers = {{"Host", host}, {"Content-Type", "application/x-www-form-urlencoded"}};
    const long long now = std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
    sigv4::sign(sreq, access_key, secret_key, sigv4::amz_date(now), region, "kci");

    try {
      asio::io_context ioc;
      http::request<http::string_body> req{http::verb::post, "/", 11};
      for (const auto& [k, v] : sreq.headers) req.set(k, v);
      req.body() = sreq.body;
      req.keep_alive(false);
      req.prepare_payload();
      beast::flat_buffer buffer;
      http::response<http::string_body> res;
      tcp::resolver resolver(ioc);
      const auto addresses = resolver.resolve(opt_.host, std::to_string(opt_.port));
      if (opt_.tls) {
        ssl::context ctx(ssl::context::tls_client);
        ctx.set_verify_mode(ssl::verify_peer);
        if (opt_.ca_file.empty()) {
          ctx.set_default_verify_paths();
        } else {
          ctx.load_verify_file(opt_.ca_file);
        }
        ctx.set_verify_callback(ssl::host_name_verification(opt_.host));
        beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
        SSL_set_tlsext_host_name(stream.native_handle(), opt_.host.c_str());
        beast::get_lowest_layer(stream).expires_after(opt_.timeout);
        beast::get_lowest_layer(stream).connect(addresses);
        stream.handshake(ssl::stream_base::client);
        http::write(stream, req);
        http::read(stream, buffer, res);
        beast::error_code ec;
        stream.shutdown(ec);
      } else {
        beast::tcp_stream stream(ioc);
        stream.expires_after(opt_.timeout);
        stream.connect(addresses);
        http::write(stream, req);
        http::read(stream, buffer, res);
        beast::error_code ec;
        stream.socket().shutdown(tcp::socket::shutdown_both, ec);
      }
      return WireReply{static_cast<int>(res.result_int()), std::move(res.body())};
    } catch (const boost::system::system_error& e) {
      // A transport failure is a value: the caller retries with back-off.
      return make_error(ErrorCode::kUnavailable, "KCI endpoint " + opt_.host + ":" + std::to_string(opt_.port) +
                                                      " unreachable: " + e.code().message(), "RequestTimeout");
    }
  }

 private:
  std::mutex mu_;
  KciHttpClientOptions opt_;
  const Clock& clock_;
};

}  // namespace

std::string kci_endpoint_host(bool internal) {
  return internal ? "kci.internal.api.ksyun.com" : "kci.api.ksyun.com";
}

Result<KciHttpClientOptions> kci_endpoint_options(const std::string& endpoint, bool internal) {
  KciHttpClientOptions o;
  if (!endpoint.empty()) {
    KCI_TRY_STATUS(parse_kci_endpoint(endpoint, o));
    return o;
  }
  o.host = kci_endpoint_host(internal);
  o.port = 443;
  o.tls = true;
  o.host_header = o.host;
  return o;
}

Status parse_kci_endpoint(const std::string& url, KciHttpClientOptions& o) {
  const auto bad = [&url](const std::string& why) {
    return invalid_argument("--kci-endpoint is \"" + url + "\": " + why +
                            "; expected http://HOST:PORT or https://HOST[:PORT]");
  };
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    o.tls = true;
    o.port = 443;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    o.tls = false;
    o.port = 80;
    rest = url.substr(7);
  } else {
    return bad("the scheme is neither http nor https");
  }
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find('/') != std::string::npos) return bad("KCI is served at the root path");
  const auto colon = rest.rfind(':');
  o.host = rest.substr(0, colon);
  if (colon != std::string::npos) {
    const std::string p = rest.substr(colon + 1);
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
    if (p.empty() || ec != std::errc() || end != p.data() + p.size() || port == 0 || port > 65535)
      return bad("the port is not 1-65535");
    o.port = static_cast<std::uint16_t>(port);
  }
  if (o.host.empty()) return bad("no host");
  o.host_header = colon == std::string::npos ? o.host : "";
  return {};
}

struct KciHttpClient::Impl {
  HttpTransport transport;
  WireClient wire;
  Impl(KciHttpClientOptions o, const Clock& c) : transport(std::move(o), c), wire(transport) {}
};

KciHttpClient::KciHttpClient(KciHttpClientOptions options, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), clock)) {}
KciHttpClient::~KciHttpClient() = default;

void KciHttpClient::set_credentials(const std::string& access_key, const std::string& secret_key) {
  impl_->transport.set_credentials(access_key, secret_key);
}

Result<CreateContainerGroupResponse> KciHttpClient::create_container_group(const CallContext& c,
                                                                           const CreateContainerGroupRequest& r) {
  return impl_->wire.create_container_group(c, r);
}
Result<DescribeContainerGroupResponse> KciHttpClient::describe_container_group(const CallContext& c,
                                                                               const DescribeContainerGroupRequest& r) {
  return impl_->wire.describe_container_group(c, r);
}
Result<DeleteContainerGroupResponse> KciHttpClient::delete_container_group(const CallContext& c,
                                                                           const DeleteContainerGroupRequest& r) {
  return impl_->wire.delete_container_group(c, r);
}
Result<DescribeContainerLogResponse> KciHttpClient::describe_container_log(const CallContext& c,
                                                                           const DescribeContainerLogRequest& r) {
  return impl_->wire.describe_container_log(c, r);
}
Result<DescribeContainerGroupEventsResponse> KciHttpClient::describe_container_group_events(
    const CallContext& c, const DescribeContainerGroupEventsRequest& r) {
  return impl_->wire.describe_container_group_events(c, r);
}
Result<DescribeContainerGroupCountResponse> KciHttpClient::describe_container_group_count(
    const CallContext& c, const DescribeContainerGroupCountRequest& r) {
  return impl_->wire.describe_container_group_count(c, r);
}
Result<DescribeKciPackagesResponse> KciHttpClient::describe_kci_packages(const CallContext& c,
                                                                         const DescribeKciPackagesRequest& r) {
  return impl_->wire.describe_kci_packages(c, r);
}
Result<DescribeRegionsResponse> KciHttpClient::describe_regions(const CallContext& c, const DescribeRegionsRequest& r) {
  return impl_->wire.describe_regions(c, r);
}
Result<CreateImageCacheResponse> KciHttpClient::create_image_cache(const CallContext& c, const CreateImageCacheRequest& r) {
  return impl_->wire.create_image_cache(c, r);
}
Result<DescribeImageCachesResponse> KciHttpClient::describe_image_caches(const CallContext& c,
                                                                         const DescribeImageCachesRequest& r) {
  return impl_->wire.describe_image_caches(c, r);
}
Result<DeleteImageCacheResponse> KciHttpClient::delete_image_cache(const CallContext& c, const DeleteImageCacheRequest& r) {
  return impl_->wire.delete_image_cache(c, r);
}

}  // namespace kci::provider
