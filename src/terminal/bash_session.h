// BashSession: one persistent bash that runs commands one after another, keeping its
// working directory and variables, and tells when each command ends and its exit code.
//
// bash runs a small driver loop (`bash -c`, so never interactive) on a raw pty: it
// reads a NUL-terminated command, runs it with `eval` in the shell itself with stdin
// from /dev/null, then reads a NUL-terminated nonce, which the command cannot see,
// and prints "\n__MH_DONE_<nonce>_<status>\n". The pty makes C-c work: on a time-out
// the foreground process group gets SIGINT (bash traps it and goes on); if the
// sentinel does not come within the grace period, the whole shell (its sandbox) is
// killed and a fresh one started. Output (stdout and stderr together) keeps its head
// and tail. Not thread-safe; owns the shell.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/status.h"
#include "terminal/pty_process.h"

namespace mh::terminal {

struct BashOptions {
  // How to start the shell: argv must end with DriverArgv() (launch.h adds the sandbox).
  PtyOptions pty;
  size_t output_head_bytes = 16 * 1024;
  size_t output_tail_bytes = 16 * 1024;
  // After C-c, how long to wait for the command to end before restarting the shell.
  std::chrono::milliseconds interrupt_grace{2000};
};

struct BashCommandResult {
  std::string output;  // Head and tail, the cut marked.
  bool truncated = false;
  uint64_t output_bytes = 0;     // All bytes printed, kept or not.
  std::optional<int> exit_code;  // When the command completed (also after C-c).
  bool timed_out = false;        // The time limit ran out.
  bool restarted = false;        // The shell was killed or exited; a new one started.
  std::string note;              // What happened, for the model ("" when it just ran).
  std::chrono::milliseconds duration{0};
};

class BashSession {
 public:
  // Starts the shell. Errors: as PtyProcess::Start.
  static Result<std::unique_ptr<BashSession>> Start(BashOptions options);

  // Runs `command` with a time limit. A non-zero exit, a time-out or a shell that
  // exited are results; errors only when no shell can be started (kInternal...).
  Result<BashCommandResult> Run(const std::string& command, std::chrono::milliseconds timeout);

  // `bash -c DRIVER`: the program that runs the driver loop.
  static std::vector<std::string> DriverArgv();

 private:
  explicit BashSession(BashOptions options) : options_(std::move(options)) {}
  Status Restart();

  // What became of one command's output; see Run.
  struct Collected;
  bool Collect(Collected& collected, const std::string& nonce,
               std::chrono::steady_clock::time_point deadline);

  BashOptions options_;
  std::unique_ptr<PtyProcess> shell_;
};

}  // namespace mh::terminal
