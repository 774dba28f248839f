// Built-in role prompts. Plain text; no thread-safety concerns.
#pragma once

#include <string>
#include <string_view>

namespace mh::agent {

// The system prompt of a single engineer solving one task in a repository that commands
// see at `workdir` (e.g. "/testbed"). Names the tools' conventions: relative paths,
// one command per run_command in a fresh shell, submit with a summary when done.
std::string EngineerPrompt(std::string_view workdir);

}  // namespace mh::agent
