#include "provider/kci_http_client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/kci/form.h"
#include "core/kci/sigv4.h"
#include "core/kci/wire.h"

namespace kci::provider {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace kcicloud;

namespace {

class HttpTransport final : public WireTransport {
 public:
  HttpTransport(KciHttpClientOptions o, const Clock& c) : opt_(std::move(o)), clock_(c) {}

  // The access key of the options signs every call; ctx.access_key_id, when set, must be it
  // (the HTTP face cannot sign for a key whose secret it does not hold).
  Result<WireReply> round_trip(const CallContext& ctx, const FormParams& params) override {
    if (!ctx.access_key_id.empty() && ctx.access_key_id != opt_.access_key) {
      return make_error(ErrorCode::kInvalidArgument, "the call names access key " + ctx.access_key_id +
                                                          " but this client signs with " + opt_.access_key);
    }
    const std::string region = ctx.region.empty() ? opt_.region : ctx.region;
    const std::string host = opt_.host_header.empty() ? opt_.host + ":" + std::to_string(opt_.port) : opt_.host_header;
    sigv4::Request sreq;
    sreq.method = "POST";
    sreq.path = "/";
    sreq.body = encode_form(params);
    sreq.headers = {{"Host", host}, {"Content-Type", "application/x-www-form-urlencoded"}};
    const long long now = std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
    sigv4::sign(sreq, opt_.access_key, opt_.secret_key, sigv4::amz_date(now), region, "kci");

    try {
      asio::io_context ioc;
      beast::tcp_stream stream(ioc);
      stream.expires_after(opt_.timeout);
      tcp::resolver resolver(ioc);
      stream.connect(resolver.resolve(opt_.host, std::to_string(opt_.port)));
      http::request<http::string_body> req{http::verb::post, "/", 11};
      for (const auto& [k, v] : sreq.headers) req.set(k, v);
      req.body() = sreq.body;
      req.keep_alive(false);
      req.prepare_payload();
      http::write(stream, req);
      beast::flat_buffer buffer;
      http::response<http::string_body> res;
      http::read(stream, buffer, res);
      beast::error_code ec;
      stream.socket().shutdown(tcp::socket::shutdown_both, ec);
      return WireReply{static_cast<int>(res.result_int()), std::move(res.body())};
    } catch (const boost::system::system_error& e) {
      // A transport failure is a value: the caller retries with back-off.
      return make_error(ErrorCode::kUnavailable, "KCI endpoint " + opt_.host + ":" + std::to_string(opt_.port) +
                                                      " unreachable: " + e.code().message(), "RequestTimeout");
    }
  }

 private:
  KciHttpClientOptions opt_;
  const Clock& clock_;
};

}  // namespace

struct KciHttpClient::Impl {
  HttpTransport transport;
  WireClient wire;
  Impl(KciHttpClientOptions o, const Clock& c) : transport(std::move(o), c), wire(transport) {}
};

KciHttpClient::KciHttpClient(KciHttpClientOptions options, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), clock)) {}
KciHttpClient::~KciHttpClient() = default;

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

}  // namespace kci::provider
