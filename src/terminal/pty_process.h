// PtyProcess: a program on a pseudo-terminal, in its own session.
//
// Start() opens a pty, forks, and in the child: starts a new session (setsid), makes
// the pty slave its stdin/stdout/stderr, applies rlimits, and execs `argv` with
// exactly `env` (nothing of the parent's environment). The launcher (launch.h) puts
// `setsid -w -c` in front of the program so that the program itself, inside the
// sandbox, is the session leader with the pty as its controlling terminal: keys such
// as C-c signal its foreground process group, never the bubblewrap processes.
//
// The master side is non-blocking. Reading and writing happen in the caller's thread,
// on demand; an idle process costs no thread. The destructor (and Kill) SIGKILLs the
// child's process group and the pty's session and reaps the child; with bubblewrap's
// --die-with-parent and PID namespace that ends everything inside.
// Not thread-safe: one caller at a time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "sandbox/child_setup.h"
#include "sandbox/spawn.h"
#include "sandbox/unique_fd.h"

namespace mh::terminal {

struct PtyOptions {
  std::vector<std::string> argv;  // argv[0] a path or a name looked up in env's PATH.
  std::vector<std::string> env;   // The whole environment.
  std::string cwd;                // Host directory to start in; empty keeps ours.
  int rows = 24;
  int cols = 80;
  // Raw mode for programs driven by a machine (the bash tool): no echo, no line
  // editing, no output post-processing, no input flush on C-c; signals from C-c stay.
  bool raw = false;
  std::vector<sandbox::RlimitSetting> rlimits;
  sandbox::ChildSetup setup;  // The sandbox's RunAs and ChildFiles (sandbox/child_setup.h).
};

// How the program ended.
struct ExitInfo {
  int exit_code = -1;            // When it exited; -1 otherwise.
  int term_signal = 0;           // When a signal killed it.
  std::string Describe() const;  // "exit code 0", "killed by signal 9".
};

class PtyProcess {
 public:
  // Errors: kInvalidArgument (empty argv, bad size), kNotFound (program not found),
  // kInternal (openpty, fork).
  static Result<std::unique_ptr<PtyProcess>> Start(const PtyOptions& options);
  ~PtyProcess();
  PtyProcess(const PtyProcess&) = delete;
  PtyProcess& operator=(const PtyProcess&) = delete;

  // Appends what the program wrote, waiting up to `timeout` for the first bytes
  // (0: no waiting). Returns false once the program's side is closed (it exited and
  // everything was read).
  bool Read(std::string& out, std::chrono::milliseconds timeout);
  // Writes all of `bytes`, by `deadline`; output arriving meanwhile is appended to
  // `drained` so that a program blocked on writing cannot deadlock us.
  // Errors: kDeadlineExceeded, kFailedPrecondition (the program is gone).
  Status Write(std::string_view bytes, std::chrono::steady_clock::time_point deadline,
               std::string& drained);
  // Sets the window size (the program gets SIGWINCH).
  Status Resize(int rows, int cols);
  // The exit status once the child has ended (non-blocking check).
  std::optional<ExitInfo> Poll();
  // Poll, waiting up to `timeout` for the child to end (after the pty closed, it
  // follows within milliseconds).
  std::optional<ExitInfo> WaitExit(std::chrono::milliseconds timeout);
  // Kills everything started and reaps the child. Idempotent.
  void Kill();

  int master_fd() const { return master_.get(); }
  pid_t pid() const { return pid_; }

 private:
  PtyProcess(sandbox::UniqueFd master, pid_t pid) : master_(std::move(master)), pid_(pid) {}

  sandbox::UniqueFd master_;
  pid_t pid_;
  std::optional<ExitInfo> exit_;
  bool eof_ = false;
};

}  // namespace mh::terminal
