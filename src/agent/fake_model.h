// Test support for agent_test: a scripted llm::Model, simple in-process tools, and a
// fixture with a temporary worktree, a real SQLite store and a fake clock.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/session.h"
#include "llm/model.h"
#include "sandbox/process.h"
#include "store/store.h"
#include "testing/fake_clock.h"
#include "tools/registry.h"

namespace mh::agent::testing {

// A reply for a scripted turn: text plus tool calls given as (name, raw argument text).
llm::ModelResponse Reply(std::string text,
                         std::vector<std::pair<std::string, std::string>> calls = {},
                         llm::Usage usage = {.input_tokens = 100, .output_tokens = 10},
                         double cost = 0.001);

// Answers each Complete() at once (inline, as a zero-delay provider would on its loop),
// with the next scripted reply; past the end of the script, with kFailedPrecondition.
// Records every request. Thread-safe.
class ScriptedModel final : public llm::Model {
 public:
  explicit ScriptedModel(std::vector<Result<llm::ModelResponse>> script);

  const std::string& name() const override { return name_; }
  llm::CallId Complete(llm::ModelRequest request,
                       std::unique_ptr<llm::CompletionObserver> observer) override;
  void Cancel(llm::CallId) override {}

  std::vector<llm::ModelRequest> requests() const;
  size_t calls() const;

 private:
  std::string name_ = "scripted";
  mutable std::mutex mutex_;
  std::vector<Result<llm::ModelResponse>> script_;  // Guarded by mutex_.
  std::vector<llm::ModelRequest> requests_;         // Guarded by mutex_.
};

// A process runner that refuses: the test tools never start processes.
class NoProcessRunner final : public sandbox::ProcessRunner {
 public:
  Result<sandbox::ProcessResult> Run(const sandbox::ProcessSpec&) override;
};

// Tools for tests: `count` appends its `note` to a shared list (the side effect whose
// repetitions a resume test counts) and returns the count; `echo` returns `text`
// repeated `times` times.
std::unique_ptr<tools::Tool> MakeCountTool(std::shared_ptr<std::vector<std::string>> log);
std::unique_ptr<tools::Tool> MakeEchoTool();

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Opens (or resumes) session `id` with `model` and the fixture's store and tools.
  Result<std::unique_ptr<Session>> Open(llm::Model& model, SessionConfig config);
  SessionConfig Config(std::string task = "make it so") const;
  // The kinds of the session's events, in order.
  std::vector<std::string> EventKinds(const std::string& session_id);
  // Reopens the store, as a new process would.
  void ReopenStore();

  std::filesystem::path dir_;
  mh::testing::FakeClock clock_;
  NoProcessRunner runner_;
  std::unique_ptr<store::Store> store_;
  tools::ToolRegistry registry_;
  std::unique_ptr<tools::ToolContext> ctx_;
  std::shared_ptr<std::vector<std::string>> count_log_ =
      std::make_shared<std::vector<std::string>>();
};

}  // namespace mh::agent::testing
