// Shared test scaffolding: a simulated executor, a fake API server and a client over it.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/runtime/executor.h"
#include "fake-apiserver/api_server.h"
#include "fake-apiserver/inprocess_client.h"

namespace kci::apiserver::testing {

using kube::Json;

struct Cluster {
  explicit Cluster(ApiServerOptions o = {}) : server(ex, o), client(server) {}
  SimExecutor ex;
  ApiServer server;
  InProcessClient client;
};

inline Json pod_json(const std::string& name, const std::string& ns = "default",
                     Json labels = Json::object()) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", labels}}},
          {"spec", {{"containers", {{{"name", "c"}, {"image", "nginx:1.25"}}}}}}};
}

inline Json node_json(const std::string& name, const std::string& cpu = "4",
                      const std::string& memory = "8Gi", const std::string& pods = "110") {
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", {{"name", name}, {"labels", {{"kubernetes.io/hostname", name}}}}},
          {"status",
           {{"allocatable", {{"cpu", cpu}, {"memory", memory}, {"pods", pods}}},
            {"capacity", {{"cpu", cpu}, {"memory", memory}, {"pods", pods}}},
            {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
}

//! Collects watch events as "TYPE name" strings.
struct Recorder {
  std::vector<std::string> seen;
  std::vector<kube::WatchEvent> events;
  std::vector<Error> errors;
  kube::WatchCallback cb() {
    return [this](const kube::WatchEvent& e) {
      events.push_back(e);
      seen.push_back(std::string(kube::watch_event_type_name(e.type)) + " " +
                     e.object->value("metadata", Json::object()).value("name", ""));
    };
  }
  kube::WatchErrorCallback err() {
    return [this](const Error& e) { errors.push_back(e); };
  }
};

}  // namespace kci::apiserver::testing
