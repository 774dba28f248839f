#include "terminal/bash_session.h"

#include <random>

#include "sandbox/output_buffer.h"

namespace mh::terminal {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The command's stdin is /dev/null so it cannot eat the nonce or later commands; the
// nonce is read only after the command has run, so the command cannot print it.
constexpr const char* kDriver = R"(trap : INT
while IFS= read -r -d '' __mh_cmd; do
  eval "$__mh_cmd" < /dev/null
  __mh_status=$?
  IFS= read -r -d '' __mh_nonce
  printf '\n__MH_DONE_%s_%d\n' "$__mh_nonce" "$__mh_status"
done)";

std::string NewNonce() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(rng()));
  return buffer;
}

// Bytes held back from the output until we know they are not the sentinel's start.
constexpr size_t kHoldBack = 64;

}  // namespace

struct BashSession::Collected {
  Collected(size_t head, size_t tail) : output(head, tail) {}
  sandbox::HeadTailBuffer output;
  std::string pending;  // Not yet in `output`: may hold the start of the sentinel.
  std::optional<int> exit_code;
  bool eof = false;
};

std::vector<std::string> BashSession::DriverArgv() {
  return {"bash", "--norc", "--noprofile", "-c", kDriver};
}

Result<std::unique_ptr<BashSession>> BashSession::Start(BashOptions options) {
  std::unique_ptr<BashSession> session(new BashSession(std::move(options)));
  RETURN_IF_ERROR(session->Restart());
  return session;
}

Status BashSession::Restart() {
  shell_.reset();
  PtyOptions pty = options_.pty;
  pty.raw = true;
  ASSIGN_OR_RETURN(shell_, PtyProcess::Start(pty));
  return Status::Ok();
}

// Reads until the sentinel with `nonce`, the shell's end, or `deadline`. True when
// the command completed (exit_code set).
bool BashSession::Collect(Collected& c, const std::string& nonce,
                          SteadyClock::time_point deadline) {
  const std::string marker = "\n__MH_DONE_" + nonce + "_";
  for (;;) {
    size_t at = c.pending.find(marker);
    if (at != std::string::npos) {
      size_t digits = at + marker.size();
      size_t end = c.pending.find('\n', digits);
      if (end != std::string::npos) {
        c.output.Append(std::string_view(c.pending).substr(0, at));
        c.exit_code = std::atoi(c.pending.c_str() + digits);
        c.pending.clear();
        return true;
      }
    } else if (c.pending.size() > kHoldBack) {
      size_t keep_from = c.pending.size() - kHoldBack;
      c.output.Append(std::string_view(c.pending).substr(0, keep_from));
      c.pending.erase(0, keep_from);
    }
    auto left = std::chrono::duration_cast<milliseconds>(deadline - SteadyClock::now());
    if (c.eof || left.count() <= 0) return false;
    if (!shell_->Read(c.pending, left)) c.eof = true;
  }
}

Result<BashCommandResult> BashSession::Run(const std::string& command, milliseconds timeout) {
  if (!shell_ || shell_->Poll()) RETURN_IF_ERROR(Restart());
  auto start = SteadyClock::now();
  auto deadline = start + timeout;
  std::string nonce = NewNonce();
  Collected c(options_.output_head_bytes, options_.output_tail_bytes);
  BashCommandResult result;
  std::string input = command;
  input += '\0';
  input += nonce;
  input += '\0';
  Status written = shell_->Write(input, deadline, c.pending);
  bool done = written.ok() && Collect(c, nonce, deadline);
  if (!done && !c.eof) {
    result.timed_out = true;
    (void)shell_->Write("\x03", SteadyClock::now() + milliseconds(500), c.pending);
    done = Collect(c, nonce, SteadyClock::now() + options_.interrupt_grace);
  }
  c.output.Append(c.pending);
  std::string seconds = std::to_string(timeout.count() / 1000.0);
  seconds.erase(seconds.find_last_not_of('0') + 1);
  if (seconds.back() == '.') seconds.pop_back();
  if (done && result.timed_out) {
    result.note = "timed out after " + seconds + "s: interrupted with C-c";
  } else if (!done) {
    std::optional<ExitInfo> ended = c.eof ? shell_->Poll() : std::nullopt;
    result.note =
        result.timed_out || !c.eof
            ? "timed out after " + seconds + "s and did not stop on C-c"
            : "the shell exited" + (ended ? " (" + ended->Describe() + ")" : std::string());
    result.note += "; the shell was restarted: cwd and variables were reset";
    result.restarted = true;
    RETURN_IF_ERROR(Restart());
  }
  result.exit_code = done ? c.exit_code : std::nullopt;
  result.output = c.output.Text();
  result.truncated = c.output.truncated();
  result.output_bytes = c.output.total_bytes();
  result.duration = std::chrono::duration_cast<milliseconds>(SteadyClock::now() - start);
  return result;
}

}  // namespace mh::terminal
