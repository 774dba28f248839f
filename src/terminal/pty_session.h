// PtySession: a program on a pty with a screen model; what the `terminal` tool drives.
//
// Send text and keys, read the screen, wait for text, a regex or quiet output, resize,
// close. Output is read on demand: every call first drains what the program wrote
// (Pump), and waits poll the pty master with a deadline; there is no reader thread.
// Not thread-safe: one caller at a time. Owns the process (killed on destruction).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "base/status.h"
#include "terminal/pty_process.h"
#include "terminal/screen.h"

namespace mh::terminal {

enum class WaitOutcome {
  kMatched,   // The text or pattern is on the screen (or scrolled past during the wait).
  kQuiet,     // No output for the quiet period.
  kExited,    // The program ended first.
  kTimedOut,  // The time limit ran out.
};

const char* WaitOutcomeName(WaitOutcome outcome);

struct WaitCondition {
  std::string text;                    // Non-empty: wait until it appears.
  std::optional<std::regex> regex;     // Set: wait until it matches.
  std::chrono::milliseconds quiet{0};  // Positive: wait until no output for this long.
};

class PtySession {
 public:
  // Errors: as PtyProcess::Start.
  static Result<std::unique_ptr<PtySession>> Start(const PtyOptions& options);

  // Writes `text` as typed (UTF-8, no translation). Errors: as PtyProcess::Write.
  Status SendText(const std::string& text, std::chrono::milliseconds timeout);
  // Sends named keys in order (keys.h). Errors: kInvalidArgument for an unknown key
  // name (nothing is sent then), else as SendText.
  Status SendKeys(const std::vector<std::string>& keys, std::chrono::milliseconds timeout);

  // Drains the program's pending output into the screen (no waiting).
  void Pump();
  // Waits for `condition`; the screen is up to date afterwards.
  WaitOutcome Wait(const WaitCondition& condition, std::chrono::milliseconds timeout);

  Status Resize(int rows, int cols);
  // The exit status once the program has ended.
  std::optional<ExitInfo> exit_info();
  void Close();

  const Screen& screen() const { return screen_; }

 private:
  PtySession(std::unique_ptr<PtyProcess> process, int rows, int cols)
      : process_(std::move(process)), screen_(rows, cols) {}
  // Feeds bytes to the screen and writes its replies (cursor reports) back.
  void Consume(const std::string& bytes);
  bool Matches(const WaitCondition& condition, uint64_t scrolled_at_start) const;

  std::unique_ptr<PtyProcess> process_;
  Screen screen_;
  bool ended_ = false;  // The program's side of the pty is closed.
};

}  // namespace mh::terminal
