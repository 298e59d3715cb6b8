// `kci-vk translate`: the dry run of the pod translation — prints the CreateContainerGroup
// request KCI would get as JSON (exit 0), or the refusal (exit 2).
// Must not: talk to a cluster or a cloud; everything comes from the files given.
#pragma once

#include <ostream>

namespace kci::cli {

//! Runs `kci-vk translate -f POD.yaml [--node NODE.yaml] [--set KEY=VALUE...]` (argv from
//! the word after "translate"); returns the exit code.
int run_translate(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace kci::cli
