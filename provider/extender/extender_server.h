// The scheduler extender's HTTP face (`kci-vk extender`): kube-scheduler POSTs ExtenderArgs
// as JSON to <urlPrefix>/<verb> (filterVerb, prioritizeVerb, preemptVerb of its extender
// configuration) and reads the answer; GET /healthz answers "ok" once the handler's view is
// synced (503 before).
//
// Every POST goes to the handler with its path and body (ExtenderService::handle decides:
// 200, 400 for bad bodies, 404 for verbs it does not serve). A method other than POST gets
// 405, a non-JSON Content-Type 415, a body over kMaxBodyBytes 413, each with an
// {"Error": "..."} body saying what is accepted. One I/O thread; calls into the handler are
// made from it, one at a time, and may block (the command hops to its own loop).
// Must not: expose Boost.Asio/Beast in this header (pimpl).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "provider/extender/extender_service.h"

namespace kci::extender {

//! Answers one POST: the request path ("/scheduler/priorities/group_score") and the body.
using ExtenderHandler = std::function<HttpReply(const std::string& path, const std::string& body)>;

class ExtenderServer {
 public:
  //! A NodeList of a few thousand nodes fits comfortably.
  static constexpr std::size_t kMaxBodyBytes = 64 * 1024 * 1024;

  //! `ready` tells /healthz whether to answer 200 (unset: always ready).
  explicit ExtenderServer(ExtenderHandler handler, std::function<bool()> ready = {});
  ~ExtenderServer();
  ExtenderServer(const ExtenderServer&) = delete;
  ExtenderServer& operator=(const ExtenderServer&) = delete;

  //! Binds `host:port` (0 = any free port) and serves plain HTTP on a thread of its own.
  //! Errors name the address.
  Status start(const std::string& host, std::uint16_t port);
  //! The bound port (after start).
  std::uint16_t port() const;
  //! Stops serving and joins the thread; idempotent.
  void stop();

  //! Sockets and sessions, defined in the .cpp.
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kci::extender
