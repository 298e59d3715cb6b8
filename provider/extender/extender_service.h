// The scheduler extender of seed 000 at run time: a live view of the cluster kept by watch
// (never a list per request), the extender-conf ConfigMap re-read on change, and the
// protocol's verbs answered from them. The fake scheduler calls handle() in-process; the
// HTTP server (`kci-vk extender`) calls the same function.
//
// A malformed configuration is reported (log line and a Warning event on the ConfigMap
// naming the key and the value) and the last good one is kept.
// Must not: count pods itself beyond what the cluster says (an extender restart must not
// change the split), or block.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/extender/protocol.h"
#include "core/extender/watermark.h"
#include "core/kube/informer.h"
#include "core/kube/kube_client.h"
#include "core/runtime/executor.h"

namespace kci::extender {

//! An HTTP answer: status code and JSON body.
struct HttpReply {
  int status = 200;
  std::string body;
};

class ExtenderService final : public NodeDirectory {
 public:
  //! `log` receives one line per notable happening (config loaded, config refused).
  ExtenderService(kube::KubeClient& kube, Executor& executor, std::function<void(const std::string&)> log = {});
  ~ExtenderService() override;

  //! Starts the watches.
  void start();
  //! True once nodes, pods and the ConfigMap have been listed.
  bool synced() const;

  //! Answers POST <prefix>/<verb>: `path` may carry any prefix ("/scheduler/priorities/group_score").
  HttpReply handle(const std::string& path, const std::string& body);

  //! The configuration in force and the cluster as the policy sees it.
  const WatermarkConfig& config() const { return config_; }
  const WatermarkSnapshot& snapshot() const { return snapshot_; }
  //! The last configuration error, if the ConfigMap is malformed.
  const std::optional<std::string>& config_error() const { return config_error_; }

  std::optional<bool> is_virtual(const std::string& node_name) const override;

 private:
  //! What one pod adds to the snapshot.
  struct Contribution {
    std::string node;
    std::int64_t cpu_milli = 0, memory = 0;
  };
  void on_pod(const kube::Object& obj, bool deleted);
  void on_node(const kube::Object& obj, bool deleted);
  void on_config(const kube::Object& obj, bool deleted);
  void add(const Contribution& c, int sign);
  void recount_node(const std::string& node);

  kube::KubeClient& kube_;
  Executor& executor_;
  std::function<void(const std::string&)> log_;
  std::unique_ptr<kube::Informer> node_informer_, pod_informer_, config_informer_;
  //! node -> role: worker (counts), virtual, or other (masters...).
  enum class Role { kOther, kWorker, kVirtual };
  std::map<std::string, Role> roles_;
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> worker_allocatable_;  //!< node -> cpu milli, memory
  std::map<std::string, Contribution> pods_;  //!< pod key -> what it adds
  WatermarkConfig config_;
  std::optional<std::string> config_error_;
  WatermarkSnapshot snapshot_;
};

}  // namespace kci::extender
