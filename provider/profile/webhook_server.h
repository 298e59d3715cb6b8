// The admission webhook's HTTPS face (`kci-vk webhook`): TLS on a TCP port, POST /mutate
// with an AdmissionReview body answered by a handler (ProfileWebhook::handle), GET /healthz.
//
// A body over the AdmissionReview limit, a method or path it does not serve, or a content
// type that is not JSON is refused with the HTTP status and a Status body saying what is
// accepted. One I/O thread; calls into the handler are serialised.
// Must not: expose Boost.Asio/Beast or OpenSSL in this header (pimpl), serve plain HTTP.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "provider/profile/profile_webhook.h"

namespace kci::profile {

//! Answers one AdmissionReview body.
using ReviewHandler = std::function<WebhookReply(std::string_view body)>;

class WebhookServer {
 public:
  explicit WebhookServer(ReviewHandler handler);
  ~WebhookServer();
  WebhookServer(const WebhookServer&) = delete;
  WebhookServer& operator=(const WebhookServer&) = delete;

  //! Loads the PEM certificate chain and key, binds `host:port` (0 = any free port) and
  //! serves on a thread of its own. Errors name the file or the address.
  Status start(const std::string& host, std::uint16_t port, const std::string& cert_file,
               const std::string& key_file);
  //! The bound port (after start).
  std::uint16_t port() const;
  //! Stops serving and joins the thread; idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kci::profile
