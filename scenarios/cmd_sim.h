// `kci-vk sim PATH... [--seed N] [--repeat N --random-seeds] [--junit FILE] [--json FILE]
// [--html FILE] [--quiet]`: replays scenario files (folders are searched for *.yaml, in
// name order) and exits 0 only if every expectation held.
// Must not: be linked into anything but the command line.
#pragma once

#include <ostream>

namespace kci::cli {

//! Runs the sim command (argv[1] == "sim"); returns the exit code.
int run_sim(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace kci::cli
