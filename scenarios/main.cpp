// kci-vk: the one binary. Dispatches to the command named by argv[1].
#include <iostream>
#include <string>

#include "scenarios/cli.h"

int main(int argc, char** argv) {
  try {
    return kci::cli::run(argc, argv, std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "kci-vk: " << e.what() << "\n";
    return 1;
  }
}
