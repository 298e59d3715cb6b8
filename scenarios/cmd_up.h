// `kci-vk up`: the embedded cluster, for people. The simulated world of a scenario (fake
// API server with kube-scheduler and the controllers, fake KCI, the virtual kubelets, seed
// 000's extender in the scheduler's chain, the profile webhook in the admission chain, the
// ElasticWorkload controller) driven in real time instead of on a virtual clock, its API
// served on 127.0.0.1 with a kubeconfig written, and each virtual node's kubelet API on a
// port of its own, so kubectl get/describe/logs behave as seeds 000 and 001 show.
// Serves until SIGINT or SIGTERM.
// Must not: be linked into anything but the command line (and its tests).
#pragma once

#include <ostream>

namespace kci::cli {

int run_up(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace kci::cli
