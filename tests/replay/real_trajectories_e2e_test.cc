// Real, published mini-swe-agent runs (tests/replay/trajectories/README.md) replayed by the
// real binary against fixture repositories that hold the files the runs touched, at the
// content the runs saw: the produced patch must be the recorded submission byte for byte,
// index line included (the fixtures' blobs are the recorded ones).
//
// Some recorded commands need git inside the sandbox (`git diff > patch.txt`), which works
// only once a session's workspace is a repository of its own inside the mount (issue 9).
// GitWorksInSandbox() finds out by replaying a one-command trajectory; the assertions that
// depend on it are skipped, with that reason, until it does.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "base/json.h"
#include "e2e_support.h"
#include "replay_support.h"

namespace {

namespace fs = std::filesystem;
using mh::Json;
using mh::e2e::ReadFile;
using mh::e2e::RunProcess;
using mh::replay_e2e::GitWorksInSandbox;
using mh::replay_e2e::kGitDependency;

const fs::path kData = MH_REPLAY_DATA_DIR;

std::vector<std::pair<std::string, std::string>> FixtureFiles(const std::string& name) {
  std::vector<std::pair<std::string, std::string>> files;
  fs::path root = kData / "fixtures" / name;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    files.emplace_back(fs::relative(entry.path(), root).string(), ReadFile(entry.path()));
  }
  return files;
}

std::string Submission(const fs::path& trajectory) {
  auto j = mh::ParseJson(ReadFile(trajectory));
  if (!j.ok()) return "";
  return (*j)["info"].value("submission", "");
}

class RealTrajectoryTest : public mh::e2e::RepoTest {
 protected:
  // Replays `trajectory` with no --task or --task-file: the task comes from it.
  int Replay(const fs::path& trajectory, const std::string& session) {
    std::vector<std::string> argv = {MH_MACROHARD_PATH, "solve",
                                     "--repo",          repo_.string(),
                                     "--model",         "replay:" + trajectory.string(),
                                     "--session-id",    session,
                                     "--max-steps",     "100"};
    int code = RunProcess(argv, dir_ / "out", dir_ / "err");
    out_ = ReadFile(dir_ / "out");
    err_ = ReadFile(dir_ / "err");
    return code;
  }

  // The branch's diff as git prints it for a repository of django's size (10-digit ids).
  std::string BranchDiff(const std::string& branch, const std::vector<std::string>& paths = {}) {
    std::vector<std::string> args = {"diff", "--abbrev=10", "main", branch, "--"};
    args.insert(args.end(), paths.begin(), paths.end());
    std::string diff;
    EXPECT_EQ(Git(args, &diff), 0);
    return diff;
  }

  bool Has(const std::string& text) const { return out_.find(text) != std::string::npos; }

  std::string out_;
  std::string err_;
};

// Gemini 3 Pro on SWE-bench Verified django__django-11099, mini-swe-agent 1.15.0: edits
// with sed, runs python3 scripts (which fail here: no django dependencies), removes them,
// and submits `git add -A && git diff --cached`.
TEST_F(RealTrajectoryTest, Gemini3ProOnDjango11099ReproducesItsSubmissionByteForByte) {
  MakeRepo("replay_real", FixtureFiles("django__django-11099"));
  fs::path t = kData / "trajectories" / "django__django-11099.gemini-3-pro.mini-1.15.0.traj.json";
  ASSERT_EQ(Replay(t, "ses_gemini"), 0) << out_ << err_;
  EXPECT_TRUE(Has("replay: the diff is identical to the recorded one (1 file, +2 -2)")) << out_;
  EXPECT_EQ(BranchDiff("macrohard/ses_gemini"), Submission(t));
  // The recorded run had django installed; the fixture has one file of it.
  EXPECT_TRUE(Has("replay: step 5: exit code 1, recorded exit code 0: python3 reproduce_issue.py"))
      << out_;
  EXPECT_TRUE(Has("commands exited differently from the recording")) << out_;
}

// DeepSeek on django__django-11099, mini-swe-agent 2.2.7 (tool calls, format 1.1): rewrites
// the file with a heredoc, leaves a backup and six scripts behind, makes patch.txt with
// `git diff -- FILE > patch.txt` and submits `cat patch.txt`: its submission is that
// patch, so the scratch files are not part of it.
TEST_F(RealTrajectoryTest, DeepSeekToolCallRunOnDjango11099ComparesTheFilesItsPatchNames) {
  MakeRepo("replay_real", FixtureFiles("django__django-11099"));
  fs::path t = kData / "trajectories" / "django__django-11099.deepseek-chat.mini-2.2.7.traj.json";
  ASSERT_EQ(Replay(t, "ses_deepseek"), 0) << out_ << err_;
  EXPECT_TRUE(Has("replay: the diff is identical to the recorded one (1 file, +2 -2)")) << out_;
  // The agent's scratch files are neither committed nor compared: solve lists them.
  EXPECT_TRUE(Has("left out (not in the recorded submission)")) << out_;
  EXPECT_TRUE(Has("  django/contrib/auth/validators.py.backup\n")) << out_;
  EXPECT_EQ(BranchDiff("macrohard/ses_deepseek", {"django/contrib/auth/validators.py"}),
            Submission(t));
  EXPECT_TRUE(Has("commands exited differently from the recording")) << out_;
}

// The same run's git use: step 40 `git diff -- FILE > patch.txt` exits 0 as recorded once
// git works inside the sandbox.
TEST_F(RealTrajectoryTest, DeepSeekToolCallRunOnDjango11099RunsItsGitDiffAsRecorded) {
  if (!GitWorksInSandbox()) GTEST_SKIP() << "step 40 (git diff > patch.txt) " << kGitDependency;
  MakeRepo("replay_real", FixtureFiles("django__django-11099"));
  fs::path t = kData / "trajectories" / "django__django-11099.deepseek-chat.mini-2.2.7.traj.json";
  ASSERT_EQ(Replay(t, "ses_deepseek_git"), 0) << out_ << err_;
  EXPECT_FALSE(Has("replay: step 40:")) << "git diff runs as recorded\n" << out_;
  EXPECT_EQ(BranchDiff("macrohard/ses_deepseek_git", {"django/contrib/auth/validators.py"}),
            Submission(t));
}

// A tool-call run's submission names its files (docs/replay.md, "Committing a replay"):
// solve commits only those and leaves the agent's scratch files out.
TEST_F(RealTrajectoryTest, DeepSeekToolCallRunCommitsOnlyThePathsItsPatchNames) {
  MakeRepo("replay_real", FixtureFiles("django__django-11099"));
  fs::path t = kData / "trajectories" / "django__django-11099.deepseek-chat.mini-2.2.7.traj.json";
  ASSERT_EQ(Replay(t, "ses_commit"), 0) << out_ << err_;
  std::string files;
  Git({"diff", "--name-only", "main", "macrohard/ses_commit"}, &files);
  EXPECT_EQ(files, "django/contrib/auth/validators.py\n") << out_ << err_;
}

// DeepSeek on django__django-11039 (sqlmigrate wraps its output in BEGIN/COMMIT even where
// DDL cannot be rolled back), mini-swe-agent 2.2.7, format 1.1: edits sqlmigrate.py with two
// `sed -i` line edits after keeping a backup, writes six scratch scripts, and at step 36 runs
// `git diff -- ./django/core/management/commands/sqlmigrate.py > patch.txt && cat patch.txt`
// (a `./` pathspec, from the mount path) before submitting `cat patch.txt`.
TEST_F(RealTrajectoryTest, DeepSeekToolCallRunOnDjango11039ReproducesItsSubmissionByteForByte) {
  MakeRepo("replay_real", FixtureFiles("django__django-11039"));
  fs::path t = kData / "trajectories" / "django__django-11039.deepseek-chat.mini-2.2.7.traj.json";
  ASSERT_EQ(Replay(t, "ses_sqlmigrate"), 0) << out_ << err_;
  EXPECT_TRUE(Has("replay: the diff is identical to the recorded one (1 file, +2 -2)")) << out_;
  EXPECT_EQ(
      BranchDiff("macrohard/ses_sqlmigrate", {"django/core/management/commands/sqlmigrate.py"}),
      Submission(t));
  // Only the file the agent's patch names is committed; its backup and scripts are listed.
  std::string files;
  Git({"diff", "--name-only", "main", "macrohard/ses_sqlmigrate"}, &files);
  EXPECT_EQ(files, "django/core/management/commands/sqlmigrate.py\n") << out_;
  EXPECT_TRUE(Has("  django/core/management/commands/sqlmigrate.py.backup\n")) << out_;
}

// The same run's git step: `git diff -- ./FILE > patch.txt && cat patch.txt` exits 0 as
// recorded (the sed edits before it, the cp of the backup and the cat -n checks too).
TEST_F(RealTrajectoryTest, DeepSeekToolCallRunOnDjango11039RunsItsGitDiffAsRecorded) {
  if (!GitWorksInSandbox()) GTEST_SKIP() << "step 36 (git diff > patch.txt) " << kGitDependency;
  MakeRepo("replay_real", FixtureFiles("django__django-11039"));
  fs::path t = kData / "trajectories" / "django__django-11039.deepseek-chat.mini-2.2.7.traj.json";
  ASSERT_EQ(Replay(t, "ses_sqlmigrate_git"), 0) << out_ << err_;
  EXPECT_FALSE(Has("replay: step 36:")) << "git diff runs as recorded\n" << out_;
  for (const char* step :
       {"replay: step 3:", "replay: step 19:", "replay: step 21:", "replay: step 37:"}) {
    EXPECT_FALSE(Has(step)) << step << " runs as recorded\n" << out_;
  }
}

}  // namespace
