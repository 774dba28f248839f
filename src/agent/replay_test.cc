#include "agent/replay.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "agent/fake_model.h"

namespace mh::agent {
namespace {

namespace fs = std::filesystem;

Json Msg(std::string role, std::string content) {
  return {{"role", std::move(role)}, {"content", std::move(content)}};
}

std::string Bash(const std::string& thought, const std::string& command) {
  return "THOUGHT: " + thought + "\n\n```bash\n" + command + "\n```";
}

constexpr const char* kDiff =
    "diff --git a/hello.py b/hello.py\nindex 1111111..2222222 100644\n--- a/hello.py\n"
    "+++ b/hello.py\n@@ -1 +1 @@\n-print('hello')\n+print('hello world')\n";

Json V1Trajectory() {
  return {{"trajectory_format", "mini-swe-agent-1"},
          {"instance_id", "demo__hello-1"},
          {"info",
           {{"exit_status", "Submitted"},
            {"submission", kDiff},
            {"config", {{"environment", {{"cwd", "/testbed"}}}}}}},
          {"messages",
           {Msg("system", "You are a helpful assistant."),
            Msg("user", "Fix the greeting."),
            {{"role", "assistant"},
             {"content", Bash("edit", "sed -i 's/hello/hello world/' hello.py")},
             {"extra",
              {{"response", {{"usage", {{"prompt_tokens", 120}, {"completion_tokens", 7}}}}}}}},
            Msg("user", "<returncode>0</returncode><output></output>"),
            Msg("assistant", "I forgot the block."),
            Msg("user", "Please always provide EXACTLY ONE action in triple backticks."),
            Msg("assistant", Bash("done",
                                  "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git add -A "
                                  "&& git diff --cached")),
            Msg("user", kDiff)}}};
}

Json V11Trajectory() {
  auto call = [](std::string id, std::string command) {
    return Json{{"id", std::move(id)},
                {"type", "function"},
                {"function",
                 {{"name", "bash"}, {"arguments", DumpJson({{"command", std::move(command)}})}}}};
  };
  return {{"trajectory_format", "mini-swe-agent-1.1"},
          {"info", {{"config", {{"environment", {{"cwd", "/testbed"}}}}}}},
          {"messages",
           {Msg("system", "sys"),
            Msg("user", "Fix it."),
            {{"role", "assistant"},
             {"content", nullptr},
             {"tool_calls", {call("call_a", "cat hello.py"), call("call_b", "ls")}}},
            {{"role", "tool"}, {"tool_call_id", "call_a"}, {"content", "print('hello')"}},
            {{"role", "tool"}, {"tool_call_id", "call_b"}, {"content", "hello.py"}},
            {{"role", "assistant"},
             {"content", "Submitting."},
             {"tool_calls", {call("call_c", "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT")}}},
            {{"role", "exit"},
             {"content", ""},
             {"extra", {{"exit_status", "Submitted"}, {"submission", kDiff}}}}}}};
}

TEST(SingleBashBlockTest, FindsExactlyOneBlock) {
  EXPECT_EQ(SingleBashBlock("x\n```bash\nls -la\n```\n"), "ls -la");
  EXPECT_EQ(SingleBashBlock("```bash  \n\ncd a && make\nmake test\n```"), "cd a && make\nmake test")
      << "leading blank lines belong to the opening, as in mini-swe-agent's regex";
  EXPECT_EQ(SingleBashBlock("no block here"), std::nullopt);
  EXPECT_EQ(SingleBashBlock("```bash\nls\n```\nand\n```bash\npwd\n```"), std::nullopt)
      << "two actions are a format error in mini-swe-agent";
  EXPECT_EQ(SingleBashBlock("```bashful\nls\n```"), std::nullopt);
  EXPECT_EQ(SingleBashBlock("```bash\nls"), std::nullopt) << "an unclosed block";
}

TEST(MiniSweAgentTest, V1BlocksBecomeRunCommandAndTheFinalEchoBecomesSubmit) {
  Result<Trajectory> t = ParseMiniSweAgentTrajectory(V1Trajectory(), "v1.json");
  ASSERT_TRUE(t.ok()) << t.error().ToString();
  EXPECT_EQ(t->format, TrajectoryFormat::kMiniSweAgent1);
  EXPECT_EQ(t->cwd, "/testbed");
  EXPECT_EQ(t->submission, kDiff);
  EXPECT_EQ(t->task, "Fix the greeting.");
  ASSERT_EQ(t->turns.size(), 3u);

  const llm::Message& first = t->turns[0].message;
  ASSERT_EQ(first.tool_calls.size(), 1u);
  EXPECT_EQ(first.tool_calls[0].name, "run_command");
  EXPECT_EQ(first.tool_calls[0].arguments["command"], "sed -i 's/hello/hello world/' hello.py");
  EXPECT_EQ(t->turns[0].usage.input_tokens, 120);
  EXPECT_EQ(t->turns[0].usage.output_tokens, 7);

  EXPECT_TRUE(t->turns[1].message.tool_calls.empty()) << "no block: a reply without an action";
  EXPECT_EQ(t->turns[1].usage, llm::Usage{});

  ASSERT_EQ(t->turns[2].message.tool_calls.size(), 1u);
  EXPECT_EQ(t->turns[2].message.tool_calls[0].name, "submit");
  EXPECT_EQ(t->turns[2].message.tool_calls[0].arguments["summary"],
            "Replay of demo__hello-1 (mini-swe-agent-1)");
}

TEST(MiniSweAgentTest, V11ToolCallsBecomeRunCommandAndTheExitMessageGivesTheSubmission) {
  Result<Trajectory> t = ParseMiniSweAgentTrajectory(V11Trajectory(), "v11.json");
  ASSERT_TRUE(t.ok()) << t.error().ToString();
  EXPECT_EQ(t->format, TrajectoryFormat::kMiniSweAgent11);
  EXPECT_EQ(t->submission, kDiff);
  ASSERT_EQ(t->turns.size(), 2u);
  const auto& calls = t->turns[0].message.tool_calls;
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].id, "call_a");
  EXPECT_EQ(calls[0].name, "run_command");
  EXPECT_EQ(calls[0].arguments["command"], "cat hello.py");
  EXPECT_EQ(calls[1].arguments["command"], "ls");
  EXPECT_EQ(t->turns[0].stop_reason, llm::StopReason::kToolUse);
  ASSERT_EQ(t->turns[1].message.tool_calls.size(), 1u);
  EXPECT_EQ(t->turns[1].message.tool_calls[0].name, "submit");
  EXPECT_EQ(t->turns[1].message.Text(), "Submitting.");
}

TEST(MiniSweAgentTest, UnknownOrMissingFormatListsTheKnownOnes) {
  Json j = V1Trajectory();
  j["trajectory_format"] = "swe-agent-0.9";
  Result<Trajectory> t = ParseMiniSweAgentTrajectory(j, "x.json");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(t.error().message().find("unknown trajectory_format 'swe-agent-0.9'"),
            std::string::npos);
  EXPECT_NE(t.error().message().find("mini-swe-agent-1, mini-swe-agent-1.1"), std::string::npos);

  j.erase("trajectory_format");
  t = ParseMiniSweAgentTrajectory(j, "x.json");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message().find("no trajectory_format"), std::string::npos);
}

TEST(MiniSweAgentTest, MalformedTrajectoriesSayWhatIsWrongAndWhere) {
  Json no_messages = V1Trajectory();
  no_messages["messages"] = "oops";
  Result<Trajectory> t = ParseMiniSweAgentTrajectory(no_messages, "a.json");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().message(), "a.json: no messages list");

  Json no_role = V1Trajectory();
  no_role["messages"][2].erase("role");
  t = ParseMiniSweAgentTrajectory(no_role, "b.json");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().message(), "b.json: messages[2] has no role");

  Json bad_args = V11Trajectory();
  bad_args["messages"][2]["tool_calls"][1]["function"]["arguments"] = "{not json";
  t = ParseMiniSweAgentTrajectory(bad_args, "c.json");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code(), StatusCode::kDataLoss);
  EXPECT_NE(t.error().message().find("messages[2].tool_calls[1].function.arguments"),
            std::string::npos)
      << t.error().message();

  Json silent = V1Trajectory();
  silent["messages"] = Json::array({Msg("system", "s"), Msg("user", "task")});
  t = ParseMiniSweAgentTrajectory(silent, "d.json");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message().find("no assistant messages"), std::string::npos);
}

// Collects one completion and the thread it came on.
class Catcher final : public llm::CompletionObserver {
 public:
  explicit Catcher(std::promise<std::pair<Result<llm::ModelResponse>, std::thread::id>>& p)
      : promise_(p) {}
  void OnComplete(Result<llm::ModelResponse> response) override {
    promise_.set_value({std::move(response), std::this_thread::get_id()});
  }

 private:
  std::promise<std::pair<Result<llm::ModelResponse>, std::thread::id>>& promise_;
};

std::pair<Result<llm::ModelResponse>, std::thread::id> Ask(llm::Model& model,
                                                           llm::ModelRequest request = {}) {
  std::promise<std::pair<Result<llm::ModelResponse>, std::thread::id>> promise;
  auto future = promise.get_future();
  model.Complete(std::move(request), std::make_unique<Catcher>(promise));
  return future.get();
}

TEST(ReplayModelTest, AnswersTheRecordedTurnsInOrderThenSaysItRanOut) {
  Result<Trajectory> t = ParseMiniSweAgentTrajectory(V1Trajectory(), "v1.json");
  ASSERT_TRUE(t.ok());
  ReplayModel model(std::move(*t));
  EXPECT_EQ(model.name(), "replay:v1.json");
  std::vector<std::string> tools;
  for (int i = 0; i < 3; ++i) {
    auto [reply, thread] = Ask(model);
    ASSERT_TRUE(reply.ok()) << reply.error().ToString();
    EXPECT_NE(thread, std::this_thread::get_id()) << "OnComplete never comes inside Complete";
    EXPECT_EQ(reply->cost_usd, 0);
    tools.push_back(reply->message.tool_calls.empty() ? "-" : reply->message.tool_calls[0].name);
  }
  EXPECT_EQ(tools, (std::vector<std::string>{"run_command", "-", "submit"}));
  auto [end, thread] = Ask(model);
  ASSERT_FALSE(end.ok());
  EXPECT_EQ(end.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(end.error().message(), "replay: the trajectory has no more turns (3 replayed)");
}

TEST(ReplayModelTest, AResumedSessionContinuesAfterTheRepliesItHas) {
  Result<Trajectory> t = ParseMiniSweAgentTrajectory(V1Trajectory(), "v1.json");
  ASSERT_TRUE(t.ok());
  ReplayModel model(std::move(*t));
  llm::ModelRequest request;
  request.messages = {llm::Message::User("task"), llm::Message::Assistant("one"),
                      llm::Message::User("nudge"), llm::Message::Assistant("two")};
  auto [reply, thread] = Ask(model, request);
  ASSERT_TRUE(reply.ok());
  ASSERT_EQ(reply->message.tool_calls.size(), 1u);
  EXPECT_EQ(reply->message.tool_calls[0].name, "submit");
  EXPECT_EQ(model.replayed(), 3u);
}

TEST(DiffTest, IdenticalIgnoresAbbreviatedBlobIdsAndTrailingSpace) {
  std::string produced = kDiff;
  produced.replace(produced.find("1111111..2222222"), 16, "1111111a..2222222b");
  DiffComparison c = CompareDiffs(kDiff, produced + "\n\n");
  EXPECT_TRUE(c.identical) << c.report;
  EXPECT_EQ(c.report, "replay: the diff is identical to the recorded one (1 file, +1 -1)\n");
}

TEST(DiffTest, DifferentDiffsGetAShortDiffstatOfBoth) {
  std::string other =
      std::string(kDiff) +
      "diff --git a/new.txt b/new.txt\nnew file mode 100644\nindex 0000000..3333333\n"
      "--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1,2 @@\n+a\n+-- not a header\n";
  std::vector<FileStat> stats = DiffStat(other);
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[1], (FileStat{.path = "new.txt", .added = 2, .removed = 0}));
  DiffComparison c = CompareDiffs(kDiff, other);
  EXPECT_FALSE(c.identical);
  EXPECT_EQ(c.report,
            "replay: the diff differs from the recorded one\n"
            "  recorded: 1 file, +1 -1\n"
            "  produced: 2 files, +3 -1\n"
            "  new.txt: recorded absent, produced +2 -0\n"
            "  --- recorded new.txt\n"
            "  +++ produced new.txt\n"
            "  @@ -0,0 +1,7 @@\n"
            "  +diff --git a/new.txt b/new.txt\n"
            "  +new file mode 100644\n"
            "  +--- /dev/null\n"
            "  ++++ b/new.txt\n"
            "  +@@ -0,0 +1,2 @@\n"
            "  ++a\n"
            "  ++-- not a header\n");
}

TEST(DiffTest, TheVerdictShowsTheHunksThatDifferBetweenTheRecordedAndProducedPatch) {
  std::string produced = kDiff;
  produced.replace(produced.find("+print('hello world')"), 21, "+print('hello, world')");
  DiffComparison c = CompareDiffs(kDiff, produced);
  EXPECT_FALSE(c.identical);
  EXPECT_NE(c.report.find("  same files and line counts; the changed lines differ\n"
                          "  --- recorded hello.py\n"
                          "  +++ produced hello.py\n"
                          "  @@ -3,4 +3,4 @@\n"
                          "   +++ b/hello.py\n"
                          "   @@ -1 +1 @@\n"
                          "   -print('hello')\n"
                          "  -+print('hello world')\n"
                          "  ++print('hello, world')\n"),
            std::string::npos)
      << c.report;
}

TEST(DiffTest, APatchWithoutGitHeadersComparesByItsHunks) {
  // mini-swe-agent 2 agents sometimes submit `diff -u` output: no "diff --git" lines.
  std::string plain =
      "--- a/hello.py\n+++ b/hello.py\n@@ -1 +1 @@\n-print('hello')\n"
      "+print('hello world')\n";
  EXPECT_TRUE(CompareDiffs(plain, kDiff).identical) << CompareDiffs(plain, kDiff).report;
  ASSERT_EQ(SplitPatch(plain).size(), 1u);
  EXPECT_EQ(SplitPatch(plain)[0].path, "hello.py");
}

TEST(LineDiffTest, HunksKeepThreeLinesOfContextAndAreBounded) {
  std::string before;
  std::string after;
  for (int i = 1; i <= 20; ++i) {
    before += "line " + std::to_string(i) + "\n";
    after += (i == 10 ? std::string("changed") : "line " + std::to_string(i)) + "\n";
  }
  EXPECT_EQ(LineDiff(before, after, 100),
            "@@ -7,7 +7,7 @@\n line 7\n line 8\n line 9\n-line 10\n+changed\n line 11\n"
            " line 12\n line 13\n");
  EXPECT_EQ(LineDiff(before, after, 3), "@@ -7,7 +7,7 @@\n line 7\n line 8\n... 6 more lines\n");
  EXPECT_EQ(LineDiff(before, before, 100), "");
}

TEST(ExitCodeTest, ReadsRecordedAndLiveExitCodes) {
  EXPECT_EQ(ObservedExitCode("<returncode>0</returncode>\n<output>\n</output>"), 0);
  EXPECT_EQ(ObservedExitCode("<returncode>128</returncode><output>fatal</output>"), 128);
  EXPECT_EQ(ObservedExitCode("{\n  \"returncode\": 1,\n  \"output\": \"\"\n}"), 1);
  EXPECT_EQ(ObservedExitCode("some output\n[exit code 2]\n"), 2);
  EXPECT_EQ(ObservedExitCode("<returncode>-1</returncode>"), -1);
  EXPECT_EQ(ObservedExitCode("Please always provide EXACTLY ONE action"), std::nullopt);
  EXPECT_EQ(RunCommandExitCode("exit code 127 after 0.01 s\nbash: python: not found\n"), 127);
  EXPECT_EQ(RunCommandExitCode("timed out after 120 s: the command ..."), std::nullopt);
  EXPECT_EQ(RunCommandExitCode("killed by signal 9 after 1.00 s\n"), std::nullopt);
}

TEST(ExitCodeTest, TrajectoriesKeepEachCommandsRecordedExitCode) {
  Result<Trajectory> v1 = ParseMiniSweAgentTrajectory(V1Trajectory(), "v1.json");
  ASSERT_TRUE(v1.ok());
  ASSERT_EQ(v1->calls.size(), 1u) << "the submit action is not run, so not compared";
  const RecordedCall& edit = v1->calls.at("replay_0");
  EXPECT_EQ(edit.step, 1);
  EXPECT_EQ(edit.command, "sed -i 's/hello/hello world/' hello.py");
  EXPECT_EQ(edit.exit_code, 0);

  Json j = V11Trajectory();
  j["messages"][3]["extra"] = {{"returncode", 0}};
  j["messages"][4]["content"] = "<returncode>2</returncode><output>ls: no</output>";
  Result<Trajectory> v11 = ParseMiniSweAgentTrajectory(j, "v11.json");
  ASSERT_TRUE(v11.ok());
  EXPECT_EQ(v11->calls.at("call_a").exit_code, 0);
  EXPECT_EQ(v11->calls.at("call_b").exit_code, 2);
  EXPECT_EQ(v11->calls.at("call_b").step, 1);
}

llm::Message ToolResult(const std::string& id, const std::string& text) {
  return llm::Message::ToolResult(id, text);
}

TEST(ExitCodeTest, TheReplayModelWarnsOncePerCommandThatNowExitsDifferently) {
  Json j = V11Trajectory();
  j["messages"][3]["content"] = "<returncode>0</returncode><output></output>";
  j["messages"][4]["content"] = "<returncode>0</returncode><output></output>";
  Result<Trajectory> t = ParseMiniSweAgentTrajectory(j, "v11.json");
  ASSERT_TRUE(t.ok());
  std::vector<std::string> warned;
  ReplayModel model(std::move(*t), [&warned](const ExitCodeMismatch& m) {
    warned.push_back(DescribeMismatch(m));
  });
  Ask(model);
  llm::ModelRequest request;  // What the session sends next: the results of turn 1's calls.
  request.messages = {llm::Message::User("Fix it."), llm::Message::Assistant("", {}),
                      ToolResult("call_a", "exit code 0 after 0.01 s\nprint('hello')\n"),
                      ToolResult("call_b", "exit code 2 after 0.01 s\nls: cannot access\n")};
  Ask(model, request);
  EXPECT_EQ(warned,
            (std::vector<std::string>{"replay: step 1: exit code 2, recorded exit code 0: ls"}));
  Ask(model, request);  // The same results again (a later request): no second warning.
  EXPECT_EQ(warned.size(), 1u);
  EXPECT_EQ(model.compared(), 2u);
  EXPECT_EQ(ExitCodeSummary(model.compared(), model.mismatches()),
            "replay: 1 of 2 commands exited differently from the recording (steps 1)\n");
  EXPECT_EQ(ExitCodeSummary(2, {}), "replay: every command exited as recorded (2 compared)\n");
}

TEST(SubmissionTest, AToolCallRunsSubmissionIsLimitedToThePathsItNames) {
  Json j = V11Trajectory();
  j["messages"][5]["tool_calls"][0]["function"]["arguments"] =
      DumpJson({{"command", "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && cat patch.txt"}});
  Result<Trajectory> v11 = ParseMiniSweAgentTrajectory(j, "v11.json");
  ASSERT_TRUE(v11.ok());
  EXPECT_EQ(v11->scope, SubmissionScope::kRecordedPaths);
  EXPECT_EQ(RecordedSubmissionPaths(*v11), (std::vector<std::string>{"hello.py"}));

  Result<Trajectory> v1 = ParseMiniSweAgentTrajectory(V1Trajectory(), "v1.json");
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(v1->scope, SubmissionScope::kWholeTree) << "git add -A && git diff --cached";
  EXPECT_EQ(RecordedSubmissionPaths(*v1), std::nullopt);
}

class ReplayFileTest : public testing::SessionTest {
 protected:
  fs::path Write(const std::string& name, const std::string& text) {
    fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
};

TEST_F(ReplayFileTest, LoadsFilesByContentAndRefusesWhatItCannotRead) {
  Result<Trajectory> t =
      LoadTrajectory("replay:" + Write("t.json", DumpJson(V11Trajectory())).string());
  ASSERT_TRUE(t.ok()) << t.error().ToString();
  EXPECT_EQ(t->format, TrajectoryFormat::kMiniSweAgent11);

  Result<Trajectory> missing = LoadTrajectory((dir_ / "nope.json").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);

  Result<Trajectory> garbage = LoadTrajectory(Write("g.txt", "hello\n").string());
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(garbage.error().message().find("g.txt:1: neither a JSON trajectory nor JSON lines"),
            std::string::npos)
      << garbage.error().message();

  Result<Trajectory> no_store = LoadTrajectory((dir_ / "none.db#ses_x").string());
  ASSERT_FALSE(no_store.ok());
  EXPECT_EQ(no_store.error().code(), StatusCode::kNotFound);
  EXPECT_FALSE(fs::exists(dir_ / "none.db")) << "a mistyped store is not created";
}

TEST_F(ReplayFileTest, EventLinesGiveTheRecordedRepliesAndUsage) {
  std::string reply =
      DumpJson({{"kind", "model_reply"},
                {"payload",
                 {{"message",
                   {{"role", "assistant"},
                    {"parts", {{{"text", "counting"}}}},
                    {"tool_calls",
                     {{{"id", "c1"}, {"name", "count"}, {"raw_arguments", R"({"note":"x"})"}}}}}},
                  {"usage", {{"input_tokens", 50}, {"output_tokens", 5}}}}}});
  std::string lines = DumpJson({{"kind", "session_started"}, {"payload", {{"task", "count x"}}}}) +
                      "\n" + DumpJson({{"kind", "tool_result"}, {"payload", Json::object()}}) +
                      "\n" + reply + "\n";
  Result<Trajectory> t = LoadTrajectory(Write("s.jsonl", lines).string());
  ASSERT_TRUE(t.ok()) << t.error().ToString();
  EXPECT_EQ(t->format, TrajectoryFormat::kMacrohardSession);
  EXPECT_EQ(t->task, "count x");
  ASSERT_EQ(t->turns.size(), 1u);
  EXPECT_EQ(t->turns[0].message.tool_calls[0].arguments["note"], "x");
  EXPECT_EQ(t->turns[0].usage.input_tokens, 50);

  Result<Trajectory> bad = LoadTrajectory(
      Write("b.jsonl", lines + R"({"kind":"model_reply","payload":{"x":1}})").string());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("event 4 (model_reply): no message"), std::string::npos)
      << bad.error().message();
}

TEST_F(ReplayFileTest, ASessionsToolResultsGiveTheRecordedExitCodes) {
  auto reply = [](const std::string& id, const std::string& command) {
    Json call = {
        {"id", id}, {"name", "run_command"}, {"raw_arguments", DumpJson({{"command", command}})}};
    Json message = {
        {"role", "assistant"}, {"parts", Json::array()}, {"tool_calls", Json::array({call})}};
    return DumpJson({{"kind", "model_reply"}, {"payload", {{"message", message}}}});
  };
  auto result = [](const std::string& id, const std::string& text) {
    Json message = {
        {"role", "tool"}, {"tool_call_id", id}, {"parts", Json::array({{{"text", text}}})}};
    return DumpJson(
        {{"kind", "tool_result"}, {"payload", {{"name", "run_command"}, {"message", message}}}});
  };
  std::string lines = reply("c1", "make") + "\n" + result("c1", "exit code 2 after 0.10 s\n") +
                      "\n" + reply("c2", "sleep 999") + "\n" +
                      result("c2", "timed out after 120 s: the command was killed\n") + "\n";
  Result<Trajectory> t = LoadTrajectory(Write("rc.jsonl", lines).string());
  ASSERT_TRUE(t.ok()) << t.error().ToString();
  ASSERT_EQ(t->calls.size(), 2u);
  EXPECT_EQ(t->calls.at("c1").exit_code, 2);
  EXPECT_EQ(t->calls.at("c1").command, "make");
  EXPECT_EQ(t->calls.at("c2").step, 2);
  EXPECT_EQ(t->calls.at("c2").exit_code, std::nullopt) << "a timeout is no exit code to compare";
}

TEST_F(ReplayFileTest, ARecordedSessionReplaysThroughTheRealToolsToTheSameEnd) {
  testing::ScriptedModel scripted({testing::Reply("", {{"count", R"({"note":"a"})"}}),
                                   testing::Reply("", {{"count", R"({"note":"b"})"}}),
                                   testing::Reply("done", {{"submit", R"({"summary":"two"})"}})});
  auto first = Open(scripted, Config());
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  ASSERT_EQ(RunSession(**first).outcome, Outcome::kSubmitted);

  Result<Trajectory> t = LoadTrajectory((dir_ / "store.db").string() + "#ses_test");
  ASSERT_TRUE(t.ok()) << t.error().ToString();
  ASSERT_EQ(t->turns.size(), 3u);
  EXPECT_EQ(t->turns[0].usage.input_tokens, 100) << "the recorded usage";

  ReplayModel replay(std::move(*t));
  SessionConfig config = Config();
  config.id = "ses_replayed";
  auto second = Open(replay, config);
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  SessionResult result = RunSession(**second);
  EXPECT_EQ(result.outcome, Outcome::kSubmitted);
  EXPECT_EQ(result.summary, "two");
  EXPECT_EQ(result.totals.cost_usd, 0);
  EXPECT_EQ(*count_log_, (std::vector<std::string>{"a", "b", "a", "b"}))
      << "the replayed calls ran the tool again";

  Result<Trajectory> unknown = LoadTrajectory((dir_ / "store.db").string() + "#ses_nope");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace mh::agent
