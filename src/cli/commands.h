// The commands of the `macrohard` binary. Each command file adds its subcommand to the
// app and returns a runner; RunSelected runs the one the user chose.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <vector>

namespace mh::cli {

struct Command {
  CLI::App* app;             // The subcommand; owned by the parent app.
  std::function<int()> run;  // Returns the process exit code.
};
using CommandList = std::vector<Command>;

// Adds every subcommand to `app`.
CommandList RegisterCommands(CLI::App& app);

// Runs the subcommand that was parsed.
int RunSelected(const CommandList& commands);

// One registration function per command file.
Command RegisterVersion(CLI::App& app);
Command RegisterChat(CLI::App& app);
Command RegisterSolve(CLI::App& app);
Command RegisterTool(CLI::App& app);
Command RegisterNew(CLI::App& app);
Command RegisterRun(CLI::App& app);
Command RegisterServe(CLI::App& app);
Command RegisterStatus(CLI::App& app);
Command RegisterLog(CLI::App& app);
Command RegisterIssue(CLI::App& app);
Command RegisterDoctor(CLI::App& app);

}  // namespace mh::cli
