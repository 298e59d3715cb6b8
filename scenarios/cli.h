// The kci-vk command line: parses argv and runs one command. Kept separate from main() so
// tests can run commands and read what they print.
#pragma once

#include <ostream>

namespace kci::cli {

//! Runs `kci-vk <command> ...`; returns the process exit code.
int run(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace kci::cli
