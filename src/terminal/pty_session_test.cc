// PtySession on the host (no sandbox): interactive programs driven by keys.
#include "terminal/pty_session.h"

#include <gtest/gtest.h>

namespace mh::terminal {
namespace {

using std::chrono::milliseconds;

std::unique_ptr<PtySession> StartOnHost(std::vector<std::string> argv, int rows = 24,
                                        int cols = 80) {
  PtyOptions options;
  options.argv = {"setsid", "-w", "-c"};
  options.argv.insert(options.argv.end(), argv.begin(), argv.end());
  options.env = {"PATH=/usr/bin:/bin", "HOME=/tmp", "TERM=xterm-256color", "LANG=C.UTF-8"};
  options.rows = rows;
  options.cols = cols;
  auto session = PtySession::Start(options);
  EXPECT_TRUE(session.ok()) << session.error().ToString();
  return session.ok() ? std::move(*session) : nullptr;
}

WaitCondition Until(std::string text) {
  WaitCondition condition;
  condition.text = std::move(text);
  return condition;
}

TEST(PtySessionTest, BcComputesWhatIsTyped) {
  auto bc = StartOnHost({"bc", "-q"});
  ASSERT_NE(bc, nullptr);
  ASSERT_TRUE(bc->SendText("2+3", milliseconds(2000)).ok());
  ASSERT_TRUE(bc->SendKeys({"Enter"}, milliseconds(2000)).ok());
  WaitCondition five;
  five.regex.emplace("^5$", std::regex::multiline);
  ASSERT_EQ(bc->Wait(five, milliseconds(10000)), WaitOutcome::kMatched) << bc->screen().Text();
  // Typed before bc set up its terminal, the line may be echoed twice; the result follows it.
  EXPECT_NE(bc->screen().Text().find("2+3\n5"), std::string::npos) << bc->screen().Text();
  EXPECT_EQ(bc->screen().Row(bc->screen().cursor().row - 1), "5");
  ASSERT_TRUE(bc->SendText("quit\r", milliseconds(2000)).ok());
  EXPECT_EQ(bc->Wait(Until("never shown"), milliseconds(10000)), WaitOutcome::kExited);
}

TEST(PtySessionTest, ControlCInterruptsSleepAndUpRecallsHistory) {
  auto bash = StartOnHost({"bash", "--norc", "--noprofile", "-i"});
  ASSERT_NE(bash, nullptr);
  ASSERT_TRUE(bash->SendText("PS1='$ '; echo rea''dy\r", milliseconds(2000)).ok());
  ASSERT_EQ(bash->Wait(Until("ready"), milliseconds(10000)), WaitOutcome::kMatched);
  ASSERT_TRUE(bash->SendText("sleep 100; echo after-$?\r", milliseconds(2000)).ok());
  WaitCondition quiet;
  quiet.quiet = milliseconds(200);
  bash->Wait(quiet, milliseconds(2000));  // sleep has started.
  ASSERT_TRUE(bash->SendKeys({"C-c"}, milliseconds(2000)).ok());
  WaitCondition prompt;
  prompt.regex.emplace(R"(\^C\s*\n\$$)");  // Rows are trimmed: "$ " reads "$".
  ASSERT_EQ(bash->Wait(prompt, milliseconds(10000)), WaitOutcome::kMatched)
      << bash->screen().Text();
  // An interactive bash abandons the whole line on C-c: "after" is never printed.
  ASSERT_TRUE(bash->SendText("echo status-$?\r", milliseconds(2000)).ok());
  ASSERT_EQ(bash->Wait(Until("status-130"), milliseconds(10000)), WaitOutcome::kMatched)
      << bash->screen().Text();
  EXPECT_EQ(bash->screen().Text().find("after-1"), std::string::npos);
  ASSERT_TRUE(bash->SendKeys({"Up"}, milliseconds(2000)).ok());
  WaitCondition recalled;
  recalled.regex.emplace(R"(\$ echo status-\$\?\s*$)");
  EXPECT_EQ(bash->Wait(recalled, milliseconds(10000)), WaitOutcome::kMatched)
      << bash->screen().Text();
}

TEST(PtySessionTest, ResizeChangesWhatProgramsSee) {
  auto bash = StartOnHost({"bash", "--norc", "--noprofile", "-i"}, 24, 80);
  ASSERT_NE(bash, nullptr);
  ASSERT_TRUE(bash->SendText("echo cols=$(tput cols)\r", milliseconds(2000)).ok());
  ASSERT_EQ(bash->Wait(Until("cols=80"), milliseconds(10000)), WaitOutcome::kMatched);
  ASSERT_TRUE(bash->Resize(30, 120).ok());
  ASSERT_TRUE(
      bash->SendText("echo cols=$(tput cols) lines=$(tput lines)\r", milliseconds(2000)).ok());
  EXPECT_EQ(bash->Wait(Until("cols=120 lines=30"), milliseconds(10000)), WaitOutcome::kMatched)
      << bash->screen().Text();
  EXPECT_EQ(bash->screen().cols(), 120);
}

TEST(PtySessionTest, WaitsForQuietAndTimesOut) {
  auto cat = StartOnHost({"cat"});
  ASSERT_NE(cat, nullptr);
  WaitCondition quiet;
  quiet.quiet = milliseconds(50);
  EXPECT_EQ(cat->Wait(quiet, milliseconds(5000)), WaitOutcome::kQuiet);
  EXPECT_EQ(cat->Wait(Until("not there"), milliseconds(100)), WaitOutcome::kTimedOut);
  EXPECT_FALSE(cat->exit_info().has_value());
  cat->Close();
  EXPECT_TRUE(cat->exit_info().has_value());
}

TEST(PtySessionTest, UnknownProgramIsAnError) {
  PtyOptions options;
  options.argv = {"no-such-program-xyz"};
  options.env = {"PATH=/usr/bin:/bin"};
  auto session = PtySession::Start(options);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.error().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace mh::terminal
