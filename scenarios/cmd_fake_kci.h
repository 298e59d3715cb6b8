// `kci-vk fake-kci --listen 127.0.0.1:PORT --config FILE [--seed N]`: the fake KCI cloud
// served alone over signed HTTP, until SIGINT or SIGTERM.
// Must not: be linked into anything but the command line.
#pragma once

#include <ostream>

namespace kci::cli {

//! Runs the fake-kci command (argv[1] == "fake-kci"); returns the exit code.
int run_fake_kci(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace kci::cli
