// `kci-vk webhook --listen HOST:PORT --tls-cert FILE --tls-key FILE [--profile FILE...]`:
// the admission webhook ("profile") served over HTTPS until SIGINT or SIGTERM.
//
// Until the HTTP KubeClient lands, the profile comes from files: YAML documents holding
// Selector objects (kci.ksyun.com/v1, eci.aliyun.com/v1), the kube-system/kci-profile
// ConfigMap and Namespaces (for namespace-label triggers), loaded into a private in-process
// store that the webhook watches exactly as it watches a cluster.
// Must not: be linked into anything but the command line.
#pragma once

#include <ostream>

namespace kci::cli {

//! Runs the webhook command (argv[1] == "webhook"); returns the exit code.
int run_webhook(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace kci::cli
