// The terminal tool through the registry, in the bubblewrap sandbox.
#include "terminal/terminal_tool.h"

#include <fstream>

#include "terminal/terminal_test_util.h"

namespace mh::terminal {
namespace {

using TerminalToolTest = testing::TerminalToolsTest;

TEST_F(TerminalToolTest, DrivesBcAndReadsTheResultFromTheScreen) {
  auto started = Call("terminal", R"({"action":"start","argv":["bc","-q"],"cols":40,"rows":10})");
  ASSERT_FALSE(started.is_error) << started.text;
  EXPECT_NE(started.text.find("[terminal main: 40x10"), std::string::npos) << started.text;
  auto sent = Call(
      "terminal", R"({"action":"send","text":"6*7","keys":["Enter"],"until_regex":"(?:^|\\n)42"})");
  ASSERT_FALSE(sent.is_error) << sent.text;
  EXPECT_NE(sent.text.find("wait: matched"), std::string::npos) << sent.text;
  EXPECT_NE(sent.text.find("6*7\n42"), std::string::npos) << sent.text;
  auto read = Call("terminal", R"({"action":"read"})");
  EXPECT_NE(read.text.find("cursor row 3 col 1, running"), std::string::npos) << read.text;
  auto list = Call("terminal", R"({"action":"list"})");
  EXPECT_NE(list.text.find("[terminal main: 40x10"), std::string::npos) << list.text;
  EXPECT_FALSE(Call("terminal", R"({"action":"close"})").is_error);
  auto gone = Call("terminal", R"({"action":"read"})");
  EXPECT_TRUE(gone.is_error);
  EXPECT_NE(gone.text.find("no terminal named 'main'"), std::string::npos);
}

TEST_F(TerminalToolTest, RunsInsideTheSandbox) {
  std::filesystem::path outside = dir_ / "outside.txt";
  std::string command = "echo inside > in.txt; echo x > " + outside.string() +
                        "; echo x > /etc/mh-terminal-test || echo blocked; echo host=$(hostname)";
  Json args = {{"action", "start"}, {"command", command}, {"until_text", "host="}};
  auto started = Call("terminal", args.dump());
  ASSERT_FALSE(started.is_error) << started.text;
  EXPECT_NE(started.text.find("blocked"), std::string::npos) << started.text;
  EXPECT_NE(started.text.find("host=sandbox"), std::string::npos) << started.text;
  EXPECT_FALSE(std::filesystem::exists(outside));  // Inside, /tmp is a private tmpfs.
  EXPECT_FALSE(std::filesystem::exists("/etc/mh-terminal-test"));
  std::ifstream in(root_ / "in.txt");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "inside");
}

TEST_F(TerminalToolTest, ControlCAndNamedSessionsInTheSandbox) {
  ASSERT_FALSE(Call("terminal", R"({"action":"start","name":"sh"})").is_error);
  auto waited = Call("terminal", R"({"action":"send","name":"sh","text":"sleep 100\r"})");
  ASSERT_FALSE(waited.is_error) << waited.text;
  auto interrupted = Call("terminal", R"({"action":"send","name":"sh","keys":["C-c"],"text":"",
                           "timeout":10,"until_regex":"\\^C"})");
  EXPECT_NE(interrupted.text.find("wait: matched"), std::string::npos) << interrupted.text;
  auto echoed = Call("terminal", R"({"action":"send","name":"sh","text":"echo rc=$?\r",
                                     "until_text":"rc=130"})");
  EXPECT_NE(echoed.text.find("wait: matched"), std::string::npos) << echoed.text;
  auto duplicate = Call("terminal", R"({"action":"start","name":"sh"})");
  EXPECT_TRUE(duplicate.is_error);
  auto bad_key = Call("terminal", R"({"action":"send","name":"sh","keys":["Hyper-x"]})");
  EXPECT_TRUE(bad_key.is_error);
  EXPECT_NE(bad_key.text.find("unknown key 'Hyper-x'"), std::string::npos) << bad_key.text;
}

TEST_F(TerminalToolTest, WaitTimesOutAndReportsAnEndedProgram) {
  ASSERT_FALSE(Call("terminal", R"({"action":"start","command":"read x; echo got $x"})").is_error);
  auto timed_out = Call("terminal", R"({"action":"wait","until_text":"got","timeout":0.2})");
  EXPECT_NE(timed_out.text.find("wait: timed out"), std::string::npos) << timed_out.text;
  auto done = Call("terminal", R"({"action":"send","text":"hi\r","until_text":"got hi"})");
  EXPECT_NE(done.text.find("got hi"), std::string::npos) << done.text;
  auto ended = Call("terminal", R"({"action":"wait","quiet_ms":5000,"timeout":10})");
  EXPECT_NE(ended.text.find("program ended: exit code 0"), std::string::npos) << ended.text;
}

}  // namespace
}  // namespace mh::terminal
