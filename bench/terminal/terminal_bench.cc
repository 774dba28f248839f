// Round trip: type `echo $((N+1000))` Enter into bash and wait until the screen shows
// the result. Once through PtySession (libvterm, on demand reads), once through tmux
// (send-keys, then capture-pane until the result shows). Prints medians in ms.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "terminal/pty_session.h"

namespace {

using Clock = std::chrono::steady_clock;

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::string Capture(const char* command) {
  std::string out;
  FILE* pipe = popen(command, "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  pclose(pipe);
  return out;
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::vector<double> BenchPty(int rounds) {
  mh::terminal::PtyOptions options;
  options.argv = {"setsid", "-w", "-c", "bash", "--norc", "--noprofile", "-i"};
  options.env = {"PATH=/usr/bin:/bin", "HOME=/tmp", "TERM=xterm-256color", "PS1=$ "};
  auto session = mh::terminal::PtySession::Start(options);
  if (!session.ok()) return {};
  mh::terminal::WaitCondition settle;
  settle.quiet = std::chrono::milliseconds(300);
  (*session)->Wait(settle, std::chrono::seconds(5));
  std::vector<double> times;
  for (int i = 0; i < rounds; ++i) {
    auto start = Clock::now();
    (void)(*session)->SendText("echo $((" + std::to_string(i) + "+1000))\r",
                               std::chrono::seconds(5));
    mh::terminal::WaitCondition until;
    until.regex.emplace("\\n" + std::to_string(i + 1000) + "\\n\\$");
    (*session)->Wait(until, std::chrono::seconds(5));
    times.push_back(Ms(Clock::now() - start));
    (*session)->SendText("clear\r", std::chrono::seconds(5)).ok();
    (*session)->Wait(settle, std::chrono::seconds(5));
  }
  return times;
}

std::vector<double> BenchTmux(int rounds) {
  std::system(
      "tmux -L mhbench kill-server 2>/dev/null; "
      "env -i PATH=/usr/bin:/bin HOME=/tmp TERM=xterm-256color PS1='$ ' "
      "tmux -L mhbench -f /dev/null new-session -d -x 80 -y 24 bash --norc --noprofile -i");
  std::system("sleep 0.3");
  std::vector<double> times;
  for (int i = 0; i < rounds; ++i) {
    std::string result = std::to_string(i + 1000);
    auto start = Clock::now();
    std::string send = "tmux -L mhbench send-keys 'echo $((" + std::to_string(i) + "+1000))' Enter";
    std::system(send.c_str());
    for (int tries = 0; tries < 1000; ++tries) {
      std::string screen = Capture("tmux -L mhbench capture-pane -p");
      if (screen.find("\n" + result + "\n") != std::string::npos) break;
    }
    times.push_back(Ms(Clock::now() - start));
    std::system("tmux -L mhbench send-keys clear Enter; sleep 0.05");
  }
  std::system("tmux -L mhbench kill-server");
  return times;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 50;
  std::vector<double> pty = BenchPty(rounds);
  std::vector<double> tmux = BenchTmux(rounds);
  std::printf("rounds %d\n", rounds);
  std::printf("pty_session send+wait median %.3f ms (min %.3f)\n", Median(pty),
              pty.empty() ? 0 : *std::min_element(pty.begin(), pty.end()));
  std::printf("tmux send-keys+capture-pane median %.3f ms (min %.3f)\n", Median(tmux),
              tmux.empty() ? 0 : *std::min_element(tmux.begin(), tmux.end()));
  return 0;
}
