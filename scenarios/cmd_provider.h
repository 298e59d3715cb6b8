// `kci-vk provider`: the KCI virtual kubelet as a process (seed 001's Deployment runs it).
// The cluster is reached through the HTTP KubeClient (kubeconfig or in-cluster), KCI through
// the signed HTTP client; the virtual kubelet runs on a real-time loop and its kubelet API
// is served on --listen (HTTPS with a certificate). Serves until SIGINT or SIGTERM.
//
// Settings: the seed flags (--nodename, --cluster-dns, --disable-taint ...) and the KCI_*
// variables, read by core/translate/node_settings. Required: KCI_CLUSTER_ID, KCI_REGION,
// and KCI_ACCESS_KEY with KCI_SECRET_KEY or TEMP_AKSK_CM (which wins when both are set, as
// seed 000 warns). Without --real-cluster the command refuses to reach the real KCI
// endpoint: --kci-endpoint must name one (a `kci-vk fake-kci`), so a test never bills an
// account. Keys never appear in output or errors.
// Must not: be linked into anything but the command line (and its tests).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>

#include "core/result.h"
#include "core/translate/node_settings.h"
#include "scenarios/cli_cluster.h"

namespace kci::cli {

//! What the command line and the environment say.
struct ProviderFlags : ClusterFlags {  // --kube-qps and --kube-burst: ClusterFlags' qps and burst
  translate::NodeSettings settings;
  std::string host = "0.0.0.0";
  std::uint16_t port = 10250;  //!< the kubelet port
  std::string tls_cert_file, tls_key_file;
  bool real_cluster = false;
  std::string kci_endpoint;  //!< empty with --real-cluster = the public (or internal) endpoint
  std::string kci_ca_file;
  double kci_qps = 50, kci_burst = 100;
  std::string capacity_cpu = "1000", capacity_memory = "4Ti", capacity_pods = "1000";
};

//! Parses the flags after "provider" and the variables in `env` (name -> value, as in the
//! process environment); `help` is set for --help. Errors name the flag or variable.
Result<ProviderFlags> parse_provider_flags(int argc, char** argv, const std::map<std::string, std::string>& env,
                                           bool& help);

//! The running provider. Stop it (or destroy it) from the thread that started it.
class ProviderProcess {
 public:
  //! Connects to the API server, registers the node, starts the loops and the kubelet API.
  static Result<std::unique_ptr<ProviderProcess>> start(const ProviderFlags& flags);
  ~ProviderProcess();
  std::uint16_t port() const;
  std::string describe() const;
  //! One line of state: groups, pods, whether start-up reconciliation ran.
  std::string status_line();
  void stop();

  struct State;

 private:
  explicit ProviderProcess(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

int run_provider(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace kci::cli
