// The environment phase: set-up runs once with the network, what it installs reaches
// every later sandbox read-only and without the network, and it runs again only when
// its commands or inputs change.
#include "sandbox/environment.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <filesystem>

#include "sandbox/test_util.h"
#include "sandbox/unique_fd.h"

namespace mh::sandbox {
namespace {

namespace fs = std::filesystem;
using testing::LoopbackServer;
using testing::TempDir;

class EnvironmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto runner = RealProcessRunner::Create();
    ASSERT_TRUE(runner.ok()) << runner.status().ToString();
    runner_ = std::move(runner).value();
    repo_ = dir_.path() / "repo";
    ASSERT_TRUE(Host("git init -q -b main repo && cd repo && echo 'left-pad==1' > deps.txt && "
                     "git add . && git -c user.name=S -c user.email=s@x commit -qm init")
                    .ok());
    auto manager = WorktreeManager::Create(*runner_, repo_.string(), (dir_.path() / "ws").string());
    ASSERT_TRUE(manager.ok()) << manager.status().ToString();
    worktrees_ = std::move(manager).value();
    spec_.setup = {
        "mkdir -p node_modules/left-pad && cp deps.txt node_modules/left-pad/installed.txt",
        "mkdir -p $MH_ENV/bin && printf '#!/bin/sh\\necho hello-from-env\\n' > $MH_ENV/bin/envtool"
        " && chmod +x $MH_ENV/bin/envtool && echo cached > $HOME/cache.txt"};
    spec_.inputs = {"deps.txt"};
  }

  ProcessResult Host(const std::string& script) {
    ProcessSpec spec{.argv = {"bash", "-c", script},
                     .env = {"PATH=/usr/bin:/bin", "HOME=" + dir_.str()},
                     .cwd = dir_.str()};
    Result<ProcessResult> result = runner_->Run(spec);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? std::move(result).value() : ProcessResult{};
  }

  Status Prepare(Environment& env) {
    Result<std::string> stamp = env.Stamp(spec_, *worktrees_, "main");
    if (!stamp.ok()) return stamp.status();
    return env.Prepare(spec_, *worktrees_, *runner_, "main", *stamp, {});
  }

  // A command in a later session's sandbox, with the environment applied.
  ProcessResult InSession(const Environment& env, const std::string& script) {
    std::string n = std::to_string(++sessions_);
    Result<Worktree> ws = worktrees_->Add("s" + n, "agent/s" + n, "main");
    EXPECT_TRUE(ws.ok()) << ws.status().ToString();
    SandboxConfig config{.worktree = ws->path, .extra_read_only = WorkspaceReadOnlyPaths(*ws)};
    env.Apply(config);
    auto sandbox = Sandbox::Create(config);
    EXPECT_TRUE(sandbox.ok()) << sandbox.status().ToString();
    SandboxedRunner sandboxed(*runner_, std::move(sandbox).value());
    ProcessSpec spec{.argv = {"bash", "-c", script}, .env = sandboxed.sandbox().DefaultEnv()};
    Result<ProcessResult> result = sandboxed.Run(spec);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? std::move(result).value() : ProcessResult{};
  }

  TempDir dir_;
  fs::path repo_;
  std::unique_ptr<RealProcessRunner> runner_;
  std::unique_ptr<WorktreeManager> worktrees_;
  EnvironmentSpec spec_;
  int sessions_ = 0;
};

TEST_F(EnvironmentTest, WhatSetUpInstallsReachesLaterSessionsReadOnly) {
  Environment env((dir_.path() / "env").string());
  Status prepared = Prepare(env);
  ASSERT_TRUE(prepared.ok()) << prepared.ToString();
  ProcessResult result =
      InSession(env,
                "envtool; cat node_modules/left-pad/installed.txt; cat $MH_ENV/home/cache.txt; "
                "git status --short; touch node_modules/x 2>/dev/null || echo tree-ro; "
                "touch $MH_ENV/x 2>/dev/null || echo env-ro");
  EXPECT_EQ(result.stdout_text, "hello-from-env\nleft-pad==1\ncached\ntree-ro\nenv-ro\n")
      << result.stderr_text;
  // A second object over the same directory finds the generation again (a new run).
  Environment reopened((dir_.path() / "env").string());
  Result<std::string> stamp = reopened.Stamp(spec_, *worktrees_, "main");
  ASSERT_TRUE(stamp.ok());
  EXPECT_TRUE(reopened.Current(*stamp));
  EXPECT_EQ(InSession(reopened, "envtool").stdout_text, "hello-from-env\n");
  // Nothing of the set-up's workspace is left.
  EXPECT_EQ(Host("git -C repo branch --list 'macrohard/*'").stdout_text, "");
}

TEST_F(EnvironmentTest, SetUpRunsAgainOnlyWhenItsCommandsOrInputsChange) {
  Environment env((dir_.path() / "env").string());
  Result<std::string> first = env.Stamp(spec_, *worktrees_, "main");
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(env.Current(*first));
  ASSERT_TRUE(Prepare(env).ok());
  EXPECT_TRUE(env.Current(*first));
  ASSERT_TRUE(Host("cd repo && echo readme > README && git add . && "
                   "git -c user.name=S -c user.email=s@x commit -qm readme")
                  .ok());
  EXPECT_EQ(*env.Stamp(spec_, *worktrees_, "main"), *first) << "an unrelated file changed";
  ASSERT_TRUE(Host("cd repo && echo 'left-pad==2' > deps.txt && "
                   "git -c user.name=S -c user.email=s@x commit -qam deps")
                  .ok());
  Result<std::string> second = env.Stamp(spec_, *worktrees_, "main");
  EXPECT_NE(*second, *first) << "an input changed";
  spec_.setup.push_back("true");
  EXPECT_NE(*env.Stamp(spec_, *worktrees_, "main"), *second) << "the commands changed";
}

TEST_F(EnvironmentTest, OnlySetUpHasTheNetwork) {
  LoopbackServer server;
  ASSERT_GT(server.port(), 0);
  std::string connect =
      "exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(server.port()) + " && echo connected";
  spec_.setup = {connect + " > fetched.log", "mkdir -p .cache && mv fetched.log .cache/"};
  Environment env((dir_.path() / "env").string());
  ASSERT_TRUE(Prepare(env).ok());
  ProcessResult session = InSession(env, "cat .cache/fetched.log; " + connect + " || echo offline");
  EXPECT_EQ(session.stdout_text, "connected\noffline\n") << session.stderr_text;
}

TEST_F(EnvironmentTest, AFailingCommandSaysWhichAndKeepsTheOldSetUp) {
  Environment env((dir_.path() / "env").string());
  ASSERT_TRUE(Prepare(env).ok());
  Result<std::string> good = env.Stamp(spec_, *worktrees_, "main");
  spec_.setup = {"echo installing; echo 'E: no such package' >&2; exit 3"};
  Status failed = Prepare(env);
  EXPECT_EQ(failed.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(failed.message().find("exit 3"), std::string::npos) << failed.ToString();
  EXPECT_NE(failed.message().find("E: no such package"), std::string::npos) << failed.ToString();
  EXPECT_TRUE(env.Current(*good));
  EXPECT_EQ(InSession(env, "envtool").stdout_text, "hello-from-env\n");
}

TEST_F(EnvironmentTest, MissingPackagesAreNamed) {
  EXPECT_EQ(MissingPackages(*runner_, {"bash", "mh-no-such-package"}),
            (std::vector<std::string>{"mh-no-such-package"}));
}

}  // namespace
}  // namespace mh::sandbox
