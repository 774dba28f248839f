// Kills a child that appends events with SIGKILL at random moments, 50 times, and checks
// that every event it acknowledged survived, the log has no gaps and SQLite is intact.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <sstream>

#include "store/crash_payload.h"
#include "store/sqlite.h"
#include "store/test_util.h"

extern char** environ;

namespace mh::store {
namespace {

using Steady = std::chrono::steady_clock;

class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) close(fd_);
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// The child with its stdout on a pipe. Killed and reaped on destruction if still running.
class Child {
 public:
  Child(const std::vector<std::string>& argv) {
    int fds[2];
    MH_CHECK(pipe2(fds, O_CLOEXEC) == 0);
    read_end_ = std::make_unique<UniqueFd>(fds[0]);
    UniqueFd write_end(fds[1]);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    MH_CHECK(rc == 0);
  }
  ~Child() {
    if (pid_ > 0) KillAndWait();
  }

  int fd() const { return read_end_->get(); }

  // SIGKILL, then the wait status.
  int KillAndWait() {
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
  std::unique_ptr<UniqueFd> read_end_;
};

struct Ack {
  int64_t run;
  int64_t item;
};

// Reads what is available (waiting at most until `deadline`) and records complete ack
// lines. Returns false at end of file.
bool ReadAcks(int fd, Steady::time_point deadline, std::string& buffer,
              std::map<int64_t, Ack>& acks) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
  pollfd pfd{.fd = fd, .events = POLLIN, .revents = 0};
  if (poll(&pfd, 1, static_cast<int>(std::max<int64_t>(0, left.count()))) <= 0) return true;
  char chunk[4096];
  ssize_t n = read(fd, chunk, sizeof chunk);
  if (n <= 0) return false;
  buffer.append(chunk, static_cast<size_t>(n));
  size_t newline;
  while ((newline = buffer.find('\n')) != std::string::npos) {
    std::istringstream line(buffer.substr(0, newline));
    int64_t seq, run, item;
    line >> seq >> run >> item;
    acks[seq] = Ack{run, item};
    buffer.erase(0, newline + 1);
  }
  return true;
}

// One run: start the child, let it append for a random while, SIGKILL it, collect acks.
void RunAndKill(const std::string& db, int run, std::mt19937_64& rng,
                std::map<int64_t, Ack>& acks) {
  const char* mode = run % 2 == 0 ? "full" : "normal";
  Child child({MH_STORE_CRASH_CHILD, db, std::to_string(run), mode, std::to_string(rng())});
  std::string buffer;
  const size_t before = acks.size();
  // Every tenth run dies early, maybe while opening or migrating; the rest after their
  // first acknowledgement, a few to tens of milliseconds into the append loop.
  if (run % 10 != 0) {
    const auto give_up = Steady::now() + std::chrono::seconds(20);
    while (acks.size() == before && Steady::now() < give_up) {
      ASSERT_TRUE(ReadAcks(child.fd(), give_up, buffer, acks)) << "child exited early";
    }
    ASSERT_GT(acks.size(), before) << "child never acknowledged an append";
  }
  const auto kill_at = Steady::now() + std::chrono::microseconds(1000 + rng() % 30000);
  while (Steady::now() < kill_at && ReadAcks(child.fd(), kill_at, buffer, acks)) {
  }
  const int status = child.KillAndWait();
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child exited by itself";
  // Acks written before the kill are still in the pipe.
  while (ReadAcks(child.fd(), Steady::now(), buffer, acks)) {
  }
}

TEST(CrashTest, AcknowledgedEventsSurviveSigkillWithoutGaps) {
  TempDir dir;
  const std::string db = dir.File("crash.db");
  std::mt19937_64 rng(20261126);
  std::map<int64_t, Ack> acks;
  for (int run = 0; run < 50; ++run) {
    ASSERT_NO_FATAL_FAILURE(RunAndKill(db, run, rng, acks)) << "run " << run;
  }
  ASSERT_GT(acks.size(), 200u) << "too few appends to mean anything";
  ::testing::Test::RecordProperty("acknowledged_events", static_cast<int>(acks.size()));

  {
    auto raw = sqlite::Db::Open(db, {});
    ASSERT_TRUE(raw.ok());
    auto check = (*raw)->Prepare("PRAGMA integrity_check", "checking integrity");
    ASSERT_TRUE(check.ok());
    ASSERT_TRUE(*check->Step());
    EXPECT_EQ(check->Text(0), "ok");
  }
  auto store = OpenSqliteStore(db);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto events = (*store)->ReadEvents("acme", 0, 10'000'000);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(static_cast<int64_t>(events->size()), *(*store)->LastSeq());
  EXPECT_GE(events->size(), acks.size());
  std::map<int64_t, const Event*> by_seq;
  for (size_t i = 0; i < events->size(); ++i) {
    const Event& event = (*events)[i];
    ASSERT_EQ(event.seq, static_cast<int64_t>(i + 1)) << "gap in the sequence";
    // Unacknowledged but committed events are fine; each must still be whole.
    int64_t run = -1, item = -1;
    std::istringstream(event.payload.substr(4)) >> run;
    const size_t at = event.payload.find(" item ");
    ASSERT_NE(at, std::string::npos) << event.payload;
    item = std::stoll(event.payload.substr(at + 6));
    EXPECT_EQ(event.payload, CrashPayload(run, item));
    EXPECT_EQ(event.session_id, "ses-" + std::to_string(run));
    by_seq[event.seq] = &event;
  }
  for (const auto& [seq, ack] : acks) {
    auto it = by_seq.find(seq);
    ASSERT_NE(it, by_seq.end()) << "acknowledged event " << seq << " is missing";
    EXPECT_EQ(it->second->payload, CrashPayload(ack.run, ack.item)) << "seq " << seq;
  }
}

}  // namespace
}  // namespace mh::store
