#include "terminal/pty_session.h"

#include <algorithm>

namespace mh::terminal {
namespace {
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
}  // namespace

const char* WaitOutcomeName(WaitOutcome outcome) {
  switch (outcome) {
    case WaitOutcome::kMatched:
      return "matched";
    case WaitOutcome::kQuiet:
      return "quiet";
    case WaitOutcome::kExited:
      return "exited";
    case WaitOutcome::kTimedOut:
      return "timed out";
  }
  return "?";
}

Result<std::unique_ptr<PtySession>> PtySession::Start(const PtyOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<PtyProcess> process, PtyProcess::Start(options));
  return std::unique_ptr<PtySession>(
      new PtySession(std::move(process), options.rows, options.cols));
}

void PtySession::Consume(const std::string& bytes) {
  screen_.Feed(bytes);
  std::string reply = screen_.TakeOutput();
  if (reply.empty() || ended_) return;
  std::string more;
  // A reply is a few bytes; if the program does not read them within a second it is
  // not waiting for them.
  (void)process_->Write(reply, Clock::now() + milliseconds(1000), more);
  if (!more.empty()) Consume(more);
}

void PtySession::Pump() {
  std::string bytes;
  if (!process_->Read(bytes, milliseconds(0))) ended_ = true;
  Consume(bytes);
}

Status PtySession::SendText(const std::string& text, milliseconds timeout) {
  Pump();
  std::string drained;
  Status status = process_->Write(text, Clock::now() + timeout, drained);
  Consume(drained);
  return status;
}

Status PtySession::SendKeys(const std::vector<std::string>& keys, milliseconds timeout) {
  std::vector<KeyPress> presses;
  for (const std::string& name : keys) {
    ASSIGN_OR_RETURN(KeyPress press, ParseKey(name));
    presses.push_back(press);
  }
  Pump();
  for (const KeyPress& press : presses) screen_.EncodeKey(press);
  return SendText(screen_.TakeOutput(), timeout);
}

bool PtySession::Matches(const WaitCondition& condition, uint64_t scrolled_at_start) const {
  std::string haystack;
  // Lines that scrolled off during the wait count too: fast output must not be missed.
  uint64_t scrolled = screen_.scrolled_lines() - scrolled_at_start;
  const auto& history = screen_.scrollback();
  size_t from = history.size() - std::min<uint64_t>(scrolled, history.size());
  for (size_t i = from; i < history.size(); ++i) haystack += history[i] + "\n";
  haystack += screen_.Text();
  if (!condition.text.empty() && haystack.find(condition.text) != std::string::npos) return true;
  return condition.regex && std::regex_search(haystack, *condition.regex);
}

WaitOutcome PtySession::Wait(const WaitCondition& condition, milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  uint64_t scrolled_at_start = screen_.scrolled_lines();
  bool has_match = !condition.text.empty() || condition.regex.has_value();
  auto last_output = Clock::now();
  Pump();
  for (;;) {
    if (has_match && Matches(condition, scrolled_at_start)) return WaitOutcome::kMatched;
    if (ended_) return WaitOutcome::kExited;
    auto now = Clock::now();
    if (now >= deadline) return WaitOutcome::kTimedOut;
    auto until = deadline;
    if (condition.quiet.count() > 0) {
      if (now - last_output >= condition.quiet) return WaitOutcome::kQuiet;
      until = std::min(until, last_output + condition.quiet);
    }
    std::string bytes;
    auto wait = std::chrono::duration_cast<milliseconds>(until - now) + milliseconds(1);
    bool open = process_->Read(bytes, wait);
    if (!bytes.empty()) last_output = Clock::now();
    if (!open) ended_ = true;
    Consume(bytes);
  }
}

Status PtySession::Resize(int rows, int cols) {
  Pump();
  RETURN_IF_ERROR(process_->Resize(rows, cols));
  screen_.Resize(rows, cols);
  return Status::Ok();
}

std::optional<ExitInfo> PtySession::exit_info() {
  Pump();
  return ended_ ? process_->WaitExit(milliseconds(2000)) : process_->Poll();
}

void PtySession::Close() { process_->Kill(); }

}  // namespace mh::terminal
