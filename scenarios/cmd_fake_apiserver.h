// `kci-vk fake-apiserver --listen 127.0.0.1:PORT [--kubeconfig-out PATH]`: the fake
// Kubernetes API server served alone over HTTP for kubectl and other real clients, with a
// kubeconfig written for them, until SIGINT or SIGTERM.
// Must not: be linked into anything but the command line.
#pragma once

#include <ostream>

namespace kci::cli {

//! Runs the fake-apiserver command (argv[1] == "fake-apiserver"); returns the exit code.
int run_fake_apiserver(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace kci::cli
