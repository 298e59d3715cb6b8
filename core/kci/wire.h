// The KCI OpenAPI on the wire: typed requests <-> form parameters, typed responses <->
// JSON, the error envelope, the server-side dispatch of an Action and the client side
// (WireClient) over any transport.
//
// Both HTTP faces use this one file, so the product's client and the fake's server can
// never disagree on a name. Decoding outside input never throws: a bad value is an
// InvalidParameter error naming the parameter, the value found and what is accepted.
// Must not: open sockets or sign (the transport does), hold state.
#pragma once

#include <string>
#include <string_view>

#include "core/kci/api.h"
#include "core/kci/form.h"

namespace kci::kcicloud {

//! The API version every request carries.
inline constexpr std::string_view kApiVersion = "2020-07-02";

//! Request -> parameters (Action and Version first, lists 1-based).
FormParams to_form(const CreateContainerGroupRequest& r);
FormParams to_form(const DescribeContainerGroupRequest& r);            //!< as above
FormParams to_form(const DeleteContainerGroupRequest& r);              //!< as above
FormParams to_form(const DescribeContainerLogRequest& r);              //!< as above
FormParams to_form(const DescribeContainerGroupEventsRequest& r);      //!< as above
FormParams to_form(const DescribeContainerGroupCountRequest& r);       //!< as above
FormParams to_form(const DescribeKciPackagesRequest& r);               //!< as above
FormParams to_form(const DescribeRegionsRequest& r);                   //!< as above
FormParams to_form(const CreateImageCacheRequest& r);                  //!< as above
FormParams to_form(const DescribeImageCachesRequest& r);               //!< as above
FormParams to_form(const DeleteImageCacheRequest& r);                  //!< as above

//! Response -> JSON body.
std::string to_json(const CreateContainerGroupResponse& r);
std::string to_json(const DescribeContainerGroupResponse& r);          //!< as above
std::string to_json(const DeleteContainerGroupResponse& r);            //!< as above
std::string to_json(const DescribeContainerLogResponse& r);            //!< as above
std::string to_json(const DescribeContainerGroupEventsResponse& r);    //!< as above
std::string to_json(const DescribeContainerGroupCountResponse& r);     //!< as above
std::string to_json(const DescribeKciPackagesResponse& r);             //!< as above
std::string to_json(const DescribeRegionsResponse& r);                 //!< as above
std::string to_json(const CreateImageCacheResponse& r);                //!< as above
std::string to_json(const DescribeImageCachesResponse& r);             //!< as above
std::string to_json(const DeleteImageCacheResponse& r);                //!< as above

//! JSON body -> response; specialised for every response type above.
template <class Response>
Result<Response> from_json(std::string_view body);

//! Parameters -> request (the server side); specialised for every request type.
template <class Request>
Result<Request> from_form(const FormReader& form);

//! The error envelope `{"RequestId": ..., "Error": {"Code": reason, "Message": ...}}`.
std::string error_envelope(std::string_view request_id, const Error& error);
//! An error reply -> Error (reason from Error.Code); a body that is not an envelope
//! becomes InternalError (5xx) or UnknownError, carrying the status and a body excerpt.
Error parse_error_envelope(int http_status, std::string_view body);

//! What a server sends back.
struct WireReply {
  int http_status = 200;  //!< 200 or the error's status
  std::string body;       //!< JSON
};

//! Dispatches `params` (Action, Version, fields) to `api`; unknown actions, bad versions,
//! bad or unknown parameters are refused with the error envelope.
WireReply serve(KciApi& api, const CallContext& ctx, const FormParams& params, std::string_view request_id);

//! How a WireClient reaches a server: sends form parameters, returns the reply; a
//! transport failure (refused, timeout) is an Error with code kUnavailable.
class WireTransport {
 public:
  virtual ~WireTransport() = default;
  //! One round trip.
  virtual Result<WireReply> round_trip(const CallContext& ctx, const FormParams& params) = 0;
};

//! KciApi over a WireTransport: encodes, sends, decodes the reply or the envelope.
class WireClient final : public KciApi {
 public:
  //! `transport` must outlive the client.
  explicit WireClient(WireTransport& transport) : transport_(transport) {}
  Result<CreateContainerGroupResponse> create_container_group(const CallContext& ctx,
                                                              const CreateContainerGroupRequest& req) override;
  Result<DescribeContainerGroupResponse> describe_container_group(const CallContext& ctx,
                                                                  const DescribeContainerGroupRequest& req) override;
  Result<DeleteContainerGroupResponse> delete_container_group(const CallContext& ctx,
                                                              const DeleteContainerGroupRequest& req) override;
  Result<DescribeContainerLogResponse> describe_container_log(const CallContext& ctx,
                                                              const DescribeContainerLogRequest& req) override;
  Result<DescribeContainerGroupEventsResponse> describe_container_group_events(
      const CallContext& ctx, const DescribeContainerGroupEventsRequest& req) override;
  Result<DescribeContainerGroupCountResponse> describe_container_group_count(
      const CallContext& ctx, const DescribeContainerGroupCountRequest& req) override;
  Result<DescribeKciPackagesResponse> describe_kci_packages(const CallContext& ctx,
                                                            const DescribeKciPackagesRequest& req) override;
  Result<DescribeRegionsResponse> describe_regions(const CallContext& ctx,
                                                   const DescribeRegionsRequest& req) override;
  Result<CreateImageCacheResponse> create_image_cache(const CallContext& ctx,
                                                      const CreateImageCacheRequest& req) override;
  Result<DescribeImageCachesResponse> describe_image_caches(const CallContext& ctx,
                                                            const DescribeImageCachesRequest& req) override;
  Result<DeleteImageCacheResponse> delete_image_cache(const CallContext& ctx,
                                                      const DeleteImageCacheRequest& req) override;

 private:
  WireTransport& transport_;
};

}  // namespace kci::kcicloud
