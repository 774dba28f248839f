#include <cstdio>

#include "cli/commands.h"

namespace mh::cli {

Command RegisterVersion(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("version", "print the version");
  return {sub, [] {
            std::printf("macrohard %s\n", MH_VERSION);
            return 0;
          }};
}

}  // namespace mh::cli
