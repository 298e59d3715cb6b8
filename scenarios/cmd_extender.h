// `kci-vk extender --listen HOST:PORT (--kubeconfig PATH [--context NAME] | --in-cluster)
// [--qps N] [--burst N]`: seed 000's scheduler extender as a server. The cluster view is
// kept by informers over the HTTP KubeClient on a real-time loop; kube-scheduler's POSTs are
// answered by ExtenderService::handle on that loop; serves until SIGINT or SIGTERM.
// Must not: be linked into anything but the command line (and its tests).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>

#include "core/result.h"
#include "scenarios/cli_cluster.h"

namespace kci::cli {

//! What the command line says.
struct ExtenderFlags : ClusterFlags {
  std::string host = "0.0.0.0";
  std::uint16_t port = 80;  //!< seed 000's Deployment serves on containerPort 80
  bool real_cluster = false;  //!< --real-cluster: in-cluster unless --kubeconfig
};

//! Parses the flags after "extender"; `help` is set for --help. Errors name the flag.
Result<ExtenderFlags> parse_extender_flags(int argc, char** argv, bool& help);

//! The running extender: loop, HTTP client, service and server. Stop it (or destroy it) from
//! the thread that started it.
class ExtenderProcess {
 public:
  //! Loads the configuration, checks that the API server answers, starts the informers and
  //! the HTTP server. `log` receives the service's lines.
  static Result<std::unique_ptr<ExtenderProcess>> start(const ExtenderFlags& flags,
                                                        std::function<void(const std::string&)> log);
  ~ExtenderProcess();
  //! The port served (after start; useful with port 0).
  std::uint16_t port() const;
  //! The API server's URL and where the configuration came from.
  std::string describe() const;
  //! True once nodes, pods and the ConfigMap have been listed.
  bool synced();
  //! Non-terminal pods on each virtual node as the extender sees them (status, tests).
  std::map<std::string, std::int64_t> pods_on_virtual_nodes();
  void stop();

  struct State;

 private:
  explicit ExtenderProcess(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

//! Runs the extender command (argv[1] == "extender"); returns the exit code.
int run_extender(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace kci::cli
