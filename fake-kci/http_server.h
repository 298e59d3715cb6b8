// The fake cloud's HTTP face: the KCI OpenAPI over HTTP/1.1 on a loopback port, for the
// product's real client, for `kci-vk fake-kci` and for the both-faces tests.
//
// Each request (GET query or POST form body) is checked like the real endpoint does:
// AWS Signature V4 with scope <date>/<region>/kci/aws4_request, an unknown access key,
// a bad signature or a date more than 15 minutes off the injected clock is refused with
// the error envelope; then the Action is dispatched to the KciApi, one call at a time.
// Must not: expose Boost.Asio/Beast in this header (pimpl), trust unsigned requests.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/kci/api.h"
#include "core/result.h"

namespace kci::fake_kci {

//! Finds the secret key of an access key; nullopt when unknown.
using SecretLookup = std::function<std::optional<std::string>(const std::string& access_key)>;

class KciHttpServer {
 public:
  //! `api` and `clock` must outlive the server; `seed` drives request ids of refusals.
  KciHttpServer(kcicloud::KciApi& api, const Clock& clock, SecretLookup secrets, std::uint64_t seed = 1);
  ~KciHttpServer();
  KciHttpServer(const KciHttpServer&) = delete;
  KciHttpServer& operator=(const KciHttpServer&) = delete;

  //! Binds `host:port` (port 0 = any free port) and serves on a thread of its own.
  Status start(const std::string& host, std::uint16_t port);
  //! The bound port (after start).
  std::uint16_t port() const;
  //! Stops serving and joins the thread; idempotent.
  void stop();
  //! Runs `f` while no request is being served (to change the cloud from another thread).
  void with_api_locked(const std::function<void()>& f);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kci::fake_kci
