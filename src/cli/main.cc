// macrohard: a software company run by AI agents.
//
// main() parses the command line, sets up logging, and hands over to one command.
// Commands are registered by the files beside this one (commands.h).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "base/log.h"
#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"macrohard: a software company run by AI agents"};
  app.set_version_flag("--version", std::string("macrohard ") + MH_VERSION);
  app.require_subcommand(1);
  app.fallthrough();

  std::string log_level = "warn";
  std::string log_file;
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off");
  app.add_option("--log-file", log_file, "append the log to this file as well");

  mh::cli::CommandList commands = mh::cli::RegisterCommands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  mh::Result<mh::LogLevel> level = mh::ParseLogLevel(log_level);
  if (!level.ok()) {
    std::fprintf(stderr, "macrohard: %s\n", level.error().message().c_str());
    return 2;
  }
  mh::Status logging = mh::InitLogging({.level = *level, .to_stderr = true, .file = log_file});
  if (!logging.ok()) {
    std::fprintf(stderr, "macrohard: %s\n", logging.message().c_str());
    return 2;
  }
  try {
    return mh::cli::RunSelected(commands);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "macrohard: internal error: %s\n", e.what());
    return 70;
  }
}
