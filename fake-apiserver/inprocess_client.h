// The in-process KubeClient: direct calls into a fake ApiServer, objects passed as shared
// immutable JSON trees, never as text. The simulator's and the benchmarks' fast path.
//
// Each client carries the identity admission sees (userInfo); several clients may share
// one server. Single-threaded like the server: call it from the server's Executor thread.
// Must not: add behaviour of its own; every rule lives in ApiServer.
#pragma once

#include "core/kube/kube_client.h"
#include "fake-apiserver/api_server.h"

namespace kci::apiserver {

class InProcessClient final : public kube::KubeClient {
 public:
  explicit InProcessClient(ApiServer& server, RequestUser user = {})
      : server_(server), user_(std::move(user)) {}

  Result<kube::Object> get(const kube::ResourceRef& ref) override { return server_.get(ref); }
  Result<kube::Object> get_subresource(const kube::ResourceRef& ref,
                                       std::string_view sub) override {
    return server_.get_subresource(ref, sub);
  }
  Result<kube::ObjectList> list(const kube::ResourceRef& ref,
                                const kube::ListOptions& options = {}) override {
    return server_.list(ref, options);
  }
  Result<std::unique_ptr<kube::WatchHandle>> watch(const kube::ResourceRef& ref,
                                                   const kube::WatchOptions& options,
                                                   Executor& executor, kube::WatchCallback on_event,
                                                   kube::WatchErrorCallback on_error) override {
    return server_.watch(ref, options, executor, std::move(on_event), std::move(on_error));
  }
  Result<kube::Object> create(const kube::ResourceRef& ref, Json object,
                              const kube::WriteOptions& options = {}) override {
    return server_.create(ref, std::move(object), options, user_);
  }
  Result<kube::Object> update(const kube::ResourceRef& ref, Json object,
                              const kube::WriteOptions& options = {}) override {
    return server_.update(ref, std::move(object), options, user_);
  }
  Result<kube::Object> patch(const kube::ResourceRef& ref, kube::PatchType type, const Json& patch,
                             const kube::WriteOptions& options = {}) override {
    return server_.patch(ref, type, patch, options, user_);
  }
  Result<kube::Object> remove(const kube::ResourceRef& ref,
                              const kube::DeleteOptions& options = {}) override {
    return server_.remove(ref, options, user_);
  }
  Result<kube::Object> create_subresource(const kube::ResourceRef& ref, std::string_view sub,
                                          Json body) override {
    return server_.create_subresource(ref, sub, std::move(body), user_);
  }

  // Defaults repeat the interface's: default arguments follow the static type.
  //! The server behind this client.
  ApiServer& server() { return server_; }

 private:
  ApiServer& server_;
  RequestUser user_;
};

}  // namespace kci::apiserver
