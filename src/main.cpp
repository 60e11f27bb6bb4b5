#include <csignal>
#include <string>
#include <vector>

#include "cli/app.hpp"

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed peer is an error code, not a dead gateway
  return awmg::cli::run(std::vector<std::string>(argv + 1, argv + argc));
}
