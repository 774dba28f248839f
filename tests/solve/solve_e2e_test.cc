// `macrohard solve` end to end: the real binary in a child process, a git repository made
// by the test, commands in bubblewrap, and the scripted model server in this process.
// The crash test SIGKILLs the binary while a model call is held open by the server
// (a `delay` fault), resumes it, and reads the server's request log and a side-effect
// counter to prove that no recorded reply was requested again and no completed tool
// call ran twice.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/json.h"
#include "e2e_support.h"
#include "testing/fake_llm_server.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using mh::Json;

using mh::e2e::Child;
using mh::e2e::ReadFile;

class SolveTest : public mh::e2e::RepoTest {
 protected:
  void SetUp() override { MakeRepo("solve_e2e", {{"README", "a small product\n"}}); }

  void StartServer(const Json& scenario) {
    auto server = mh::testing::FakeLlmServer::Start(mh::DumpJson(scenario), {});
    ASSERT_TRUE(server.ok()) << server.error().ToString();
    server_ = std::move(*server);
  }

  std::vector<std::string> SolveArgs(std::vector<std::string> extra) {
    std::vector<std::string> argv = {MH_MACROHARD_PATH, "solve", "--repo", repo_.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }
  std::string Model() const { return server_->base_url() + "/v1#fake-model"; }

  // Runs solve to its end; returns the exit code, with stdout and stderr kept.
  int Solve(std::vector<std::string> extra) {
    Child child(SolveArgs(std::move(extra)), dir_ / "out", dir_ / "err");
    int code = child.Wait();
    out_ = ReadFile(dir_ / "out");
    err_ = ReadFile(dir_ / "err");
    return code;
  }

  // How many requests the server has seen with `results` tool results.
  int RequestsWith(int results) const {
    int n = 0;
    for (const Json& r : server_->requests()) n += r.value("tool_results", -1) == results;
    return n;
  }

  // Waits (bounded) until a request with `results` tool results has arrived.
  bool WaitForRequestWith(int results) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      if (RequestsWith(results) > 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  std::string Show(const std::string& what) {
    std::string out;
    EXPECT_EQ(Git({"show", what}, &out), 0) << what;
    return out;
  }

  std::unique_ptr<mh::testing::FakeLlmServer> server_;
  std::string out_;
  std::string err_;
};

Json Call(const std::string& name, Json arguments) {
  return {{"name", name}, {"arguments", std::move(arguments)}};
}

Json Turn(int tool_results, Json call) {
  return {{"when", {{"tool_results", tool_results}}}, {"tool_calls", Json::array({call})}};
}

TEST_F(SolveTest, WritesReadsAndSubmitsACommitOnABranch) {
  Json scenario = {
      {"name", "write-read-submit"},
      {"turns",
       {Turn(0, Call("write_file", {{"path", "hello.txt"}, {"content", "hello world\n"}})),
        Turn(1, Call("run_command", {{"command", "cat hello.txt && echo checked >> log.txt"}})),
        {{"when", {{"tool_results", 2}, {"last_contains", "hello world"}}},
         {"text", "The file is there."},
         {"tool_calls", {Call("submit", {{"summary", "Add hello.txt"}})}}}}}};
  StartServer(scenario);

  int code = Solve({"--task", "Create hello.txt saying hello world", "--model", Model(),
                    "--session-id", "ses_e2e"});
  ASSERT_EQ(code, 0) << out_ << err_;
  EXPECT_NE(out_.find("step 1  write_file"), std::string::npos) << out_;
  EXPECT_NE(out_.find("step 2  run_command"), std::string::npos) << out_;
  EXPECT_NE(out_.find("step 3  submit"), std::string::npos) << out_;
  EXPECT_NE(out_.find(" tok  $"), std::string::npos) << out_;
  EXPECT_NE(out_.find("branch macrohard/ses_e2e"), std::string::npos) << out_;

  EXPECT_EQ(Show("macrohard/ses_e2e:hello.txt"), "hello world\n");
  EXPECT_EQ(Show("macrohard/ses_e2e:log.txt"), "checked\n");
  std::string subject;
  Git({"log", "-1", "--format=%s", "macrohard/ses_e2e"}, &subject);
  EXPECT_EQ(subject, "Add hello.txt\n");
  std::string files;
  Git({"ls-tree", "-r", "--name-only", "macrohard/ses_e2e"}, &files);
  EXPECT_EQ(files, "README\nhello.txt\nlog.txt\n") << "the store never lands in the commit";
  std::string status;
  Git({"status", "--porcelain"}, &status);
  EXPECT_EQ(status, "") << "the user's checkout is untouched";
}

TEST_F(SolveTest, SolvesOverResponsesGeminiAndOllamaToo) {
  Json scenario = {{"name", "write-submit"},
                   {"turns",
                    {Turn(0, Call("write_file", {{"path", "hello.txt"}, {"content", "hello\n"}})),
                     Turn(1, Call("submit", {{"summary", "Add hello.txt"}}))}}};
  StartServer(scenario);
  const std::string base = server_->base_url();
  const std::vector<std::pair<std::string, std::string>> forms = {
      {"responses", "responses+" + base + "/v1#fake-model"},
      {"gemini", "gemini+" + base + "/v1beta#fake-model"},
      {"ollama", "ollama+" + base + "#fake-model"}};
  size_t seen = 0;
  for (const auto& [protocol, model] : forms) {
    SCOPED_TRACE(protocol);
    int code =
        Solve({"--task", "Create hello.txt", "--model", model, "--session-id", "ses_" + protocol});
    ASSERT_EQ(code, 0) << out_ << err_;
    EXPECT_EQ(Show("macrohard/ses_" + protocol + ":hello.txt"), "hello\n");
    std::vector<Json> requests = server_->requests();
    ASSERT_EQ(requests.size(), seen + 2);
    for (size_t i = seen; i < requests.size(); ++i) EXPECT_EQ(requests[i]["protocol"], protocol);
    seen = requests.size();
  }
}

TEST_F(SolveTest, FailsWithTheReasonWhenALimitIsReached) {
  StartServer({{"name", "busy"},
               {"turns", {{{"tool_calls", {Call("run_command", {{"command", "true"}})}}}}}});
  int code = Solve({"--task", "loop", "--model", Model(), "--max-steps", "2"});
  EXPECT_EQ(code, 1);
  EXPECT_NE(err_.find("step limit reached"), std::string::npos) << err_;
  EXPECT_NE(err_.find("--resume ses_"), std::string::npos) << err_;
  EXPECT_EQ(RequestsWith(0) + RequestsWith(1), 2);
}

TEST_F(SolveTest, BlockedAgentExitsWithItsQuestion) {
  StartServer({{"name", "ask"},
               {"turns", {Turn(0, Call("ask_for_help", {{"question", "Which database?"}}))}}});
  int code = Solve({"--task", "add storage", "--model", Model()});
  EXPECT_EQ(code, 3);
  EXPECT_NE(err_.find("Which database?"), std::string::npos) << err_;
}

// Each command appends a line to counter.txt: a completed call that ran twice would
// leave a duplicate line. Turns 2 and 3 are held by the server on their first request,
// which gives the kill a deterministic window.
Json CrashScenario() {
  auto counting = [](int results, const std::string& word, bool held) {
    Json turn =
        Turn(results, Call("run_command", {{"command", "echo " + word + " >> counter.txt"}}));
    if (held) turn["fault"] = {{"kind", "delay"}, {"delay_ms", 60'000}, {"times", 1}};
    return turn;
  };
  return {{"name", "crash"},
          {"turns",
           {counting(0, "one", false), counting(1, "two", true), counting(2, "three", true),
            Turn(3, Call("submit", {{"summary", "Count to three"}}))}}};
}

TEST_F(SolveTest, KilledAtAnyStepResumesWithoutRepeatingRepliesOrCalls) {
  StartServer(CrashScenario());
  std::vector<std::string> start = {"--task", "count",        "--model",
                                    Model(),  "--session-id", "ses_crash"};
  {
    // Killed while asking for step 2: step 1's reply and result are recorded.
    Child first(SolveArgs(start), dir_ / "out1", dir_ / "err1");
    ASSERT_TRUE(WaitForRequestWith(1)) << ReadFile(dir_ / "err1");
    first.Kill();
    EXPECT_EQ(first.Wait(), 128 + SIGKILL);
  }
  {
    // Resumed, then killed again while asking for step 3.
    Child second(SolveArgs({"--resume", "ses_crash"}), dir_ / "out2", dir_ / "err2");
    ASSERT_TRUE(WaitForRequestWith(2)) << ReadFile(dir_ / "err2");
    second.Kill();
    EXPECT_EQ(second.Wait(), 128 + SIGKILL);
  }
  ASSERT_EQ(Solve({"--resume", "ses_crash"}), 0) << out_ << err_;
  EXPECT_NE(out_.find("(resumed)"), std::string::npos) << out_;

  // Replies recorded before a kill were never asked for again; only the two requests
  // cut off by a kill were repeated.
  EXPECT_EQ(RequestsWith(0), 1);
  EXPECT_EQ(RequestsWith(1), 2);
  EXPECT_EQ(RequestsWith(2), 2);
  EXPECT_EQ(RequestsWith(3), 1);
  EXPECT_EQ(Show("macrohard/ses_crash:counter.txt"), "one\ntwo\nthree\n");
  std::string subject;
  Git({"log", "-1", "--format=%s", "macrohard/ses_crash"}, &subject);
  EXPECT_EQ(subject, "Count to three\n");

  // A submitted session resumed again only reports its commit.
  ASSERT_EQ(Solve({"--resume", "ses_crash"}), 0) << out_ << err_;
  EXPECT_NE(out_.find("commit "), std::string::npos);
  EXPECT_EQ(RequestsWith(3), 1);
}

}  // namespace

namespace {

// A user's repository without a .gitignore: the agent runs the tests (leaving
// __pycache__), uses git itself (a commit of its own, a stash), and submits.
TEST_F(SolveTest, CommitsWhatGitWouldAddAndSaysWhatItLeftOut) {
  Json scenario = {
      {"name", "junk-and-git"},
      {"turns",
       {Turn(0, Call("run_command",
                     {{"command",
                       "mkdir -p pkg/__pycache__ && echo 'def f(): return 1' > pkg/m.py && "
                       "echo bytecode > pkg/__pycache__/m.cpython-311.pyc && git add pkg/m.py && "
                       "git commit -qm 'agent: add f' && echo fix >> README && git stash -q && "
                       "git stash pop -q && git status --short"}})),
        {{"when", {{"tool_results", 1}, {"last_contains", " M README"}}},
         {"tool_calls", {Call("submit", {{"summary", "Add f and fix README"}})}}}}}};
  StartServer(scenario);
  ASSERT_EQ(Solve({"--task", "add f", "--model", Model(), "--session-id", "ses_junk"}), 0)
      << out_ << err_;
  std::string files;
  Git({"ls-tree", "-r", "--name-only", "macrohard/ses_junk"}, &files);
  EXPECT_EQ(files, "README\npkg/m.py\n") << "no bytecode committed";
  std::string log;
  Git({"log", "--format=%s", "main..macrohard/ses_junk"}, &log);
  EXPECT_EQ(log, "Add f and fix README\nagent: add f\n") << "the agent's own commit is kept";
  EXPECT_NE(out_.find("committed (2):\n  M\tREADME\n  A\tpkg/m.py\n"), std::string::npos) << out_;
  EXPECT_NE(out_.find("left out (ignored by .gitignore or as build output) (1):\n"
                      "  pkg/__pycache__/\n"),
            std::string::npos)
      << out_;
}

TEST_F(SolveTest, SetUpRunsOnceWithTheNetworkAndTheAgentUsesWhatItInstalled) {
  Json scenario = {{"name", "setup"},
                   {"turns",
                    {Turn(0, Call("run_command", {{"command", "greet && cat vendor/dep.txt"}})),
                     {{"when", {{"tool_results", 1}, {"last_contains", "hello from setup"}}},
                      {"tool_calls", {Call("submit", {{"summary", "checked"}})}}}}}};
  StartServer(scenario);
  std::vector<std::string> setup = {
      "--setup",
      "mkdir -p $MH_ENV/bin && printf '#!/bin/sh\\necho hello from setup\\n' > "
      "$MH_ENV/bin/greet && chmod +x $MH_ENV/bin/greet",
      "--setup",
      "mkdir -p vendor && echo dependency > vendor/dep.txt && echo vendor/ > "
      ".git/info/exclude"};
  std::vector<std::string> args = {"--task", "check", "--model", Model(), "--session-id", "ses_s1"};
  args.insert(args.end(), setup.begin(), setup.end());
  ASSERT_EQ(Solve(args), 0) << out_ << err_;
  EXPECT_NE(out_.find("environment: running set-up (2 commands, with the network)"),
            std::string::npos)
      << out_;
  EXPECT_EQ(server_->requests().size(), 2u);
  // The second session finds the set-up done.
  StartServer(scenario);
  args = {"--task", "check", "--model", Model(), "--session-id", "ses_s2"};
  args.insert(args.end(), setup.begin(), setup.end());
  ASSERT_EQ(Solve(args), 0) << out_ << err_;
  EXPECT_EQ(out_.find("environment: running set-up"), std::string::npos) << out_;
}

TEST_F(SolveTest, AnUnusableModelLeavesNothingBehind) {
  int code = Solve({"--task", "x", "--model", "nosuchprovider/some-model"});
  EXPECT_EQ(code, 2) << out_ << err_;
  std::string branches;
  Git({"branch", "--list"}, &branches);
  EXPECT_EQ(branches, "* main\n");
  EXPECT_FALSE(fs::exists(repo_ / ".git" / "macrohard")) << "no store, no workspace";
}

}  // namespace
