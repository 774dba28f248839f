#include "cli/commands.h"

namespace mh::cli {

CommandList RegisterCommands(CLI::App& app) {
  return {RegisterVersion(app), RegisterChat(app),  RegisterSolve(app), RegisterTool(app),
          RegisterNew(app),     RegisterRun(app),   RegisterServe(app), RegisterStatus(app),
          RegisterLog(app),     RegisterIssue(app), RegisterDoctor(app)};
}

int RunSelected(const CommandList& commands) {
  for (const Command& command : commands) {
    if (command.app->parsed()) return command.run();
  }
  return 2;
}

}  // namespace mh::cli
