#include "agent/fake_model.h"

#include <unistd.h>

#include "tools/builtin_tools.h"
#include "tools/tool_util.h"

namespace mh::agent::testing {

llm::ModelResponse Reply(std::string text, std::vector<std::pair<std::string, std::string>> calls,
                         llm::Usage usage, double cost) {
  std::vector<llm::ToolCall> tool_calls;
  static std::atomic<int> next_id{1};
  for (auto& [name, args] : calls) {
    llm::ToolCall call;
    call.id = "call_" + std::to_string(next_id++);
    call.name = name;
    call.raw_arguments = args;
    llm::ParseToolArguments(call);
    tool_calls.push_back(std::move(call));
  }
  llm::ModelResponse response;
  response.message = llm::Message::Assistant(std::move(text), std::move(tool_calls));
  response.stop_reason =
      response.message.tool_calls.empty() ? llm::StopReason::kEndTurn : llm::StopReason::kToolUse;
  response.usage = usage;
  response.cost_usd = cost;
  response.priced = true;
  response.model = "scripted";
  return response;
}

ScriptedModel::ScriptedModel(std::vector<Result<llm::ModelResponse>> script)
    : script_(std::move(script)) {}

llm::CallId ScriptedModel::Complete(llm::ModelRequest request,
                                    std::unique_ptr<llm::CompletionObserver> observer) {
  Result<llm::ModelResponse> reply = FailedPreconditionError("script exhausted");
  llm::CallId id;
  {
    std::lock_guard lock(mutex_);
    id = requests_.size() + 1;
    if (requests_.size() < script_.size()) reply = script_[requests_.size()];
    requests_.push_back(std::move(request));
  }
  observer->OnComplete(std::move(reply));
  return id;
}

std::vector<llm::ModelRequest> ScriptedModel::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

size_t ScriptedModel::calls() const {
  std::lock_guard lock(mutex_);
  return requests_.size();
}

Result<sandbox::ProcessResult> NoProcessRunner::Run(const sandbox::ProcessSpec&) {
  return UnimplementedError("no processes in agent_test");
}

namespace {

using TestTool = tools::internal::BasicTool;

class CountTool final : public TestTool {
 public:
  explicit CountTool(std::shared_ptr<std::vector<std::string>> log)
      : TestTool("count", "Counts a note.",
                 Json::parse(R"({"type":"object","properties":{"note":{"type":"string"}},
                                 "required":["note"]})")),
        log_(std::move(log)) {}
  tools::ToolResult Run(const Json& args, tools::ToolContext&) const override {
    log_->push_back(args.at("note").get<std::string>());
    return tools::ToolResult::Text("count " + std::to_string(log_->size()));
  }

 private:
  std::shared_ptr<std::vector<std::string>> log_;
};

class EchoTool final : public TestTool {
 public:
  EchoTool()
      : TestTool("echo", "Echoes text.",
                 Json::parse(R"({"type":"object","properties":{"text":{"type":"string"},
                                 "times":{"type":"integer"}},"required":["text"]})")) {}
  tools::ToolResult Run(const Json& args, tools::ToolContext&) const override {
    std::string out;
    int64_t times = args.value("times", 1);
    for (int64_t i = 0; i < times; ++i) out += args.at("text").get<std::string>();
    return tools::ToolResult::Text(out);
  }
};

}  // namespace

std::unique_ptr<tools::Tool> MakeCountTool(std::shared_ptr<std::vector<std::string>> log) {
  return std::make_unique<CountTool>(std::move(log));
}
std::unique_ptr<tools::Tool> MakeEchoTool() { return std::make_unique<EchoTool>(); }

void SessionTest::SetUp() {
  std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  dir_ = std::filesystem::temp_directory_path() /
         ("agent_test_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_ / "worktree");
  ReopenStore();
  ASSERT_TRUE(registry_.Register(MakeCountTool(count_log_)).ok());
  ASSERT_TRUE(registry_.Register(MakeEchoTool()).ok());
  ASSERT_TRUE(registry_.Register(tools::MakeSubmitTool()).ok());
  ASSERT_TRUE(registry_.Register(tools::MakeAskForHelpTool()).ok());
  auto ctx = tools::ToolContext::Create({.workspace = {.root = dir_ / "worktree", .mount_path = ""},
                                         .limits = {},
                                         .clock = &clock_,
                                         .runner = &runner_,
                                         .command_runner = nullptr});
  ASSERT_TRUE(ctx.ok()) << ctx.error().ToString();
  ctx_ = std::move(*ctx);
}

void SessionTest::TearDown() {
  ctx_.reset();
  store_.reset();
  std::filesystem::remove_all(dir_);
}

void SessionTest::ReopenStore() {
  store_.reset();
  auto store = store::OpenSqliteStore((dir_ / "store.db").string(),
                                      {.durability = store::Durability::kNormal,
                                       .busy_timeout = std::chrono::milliseconds(5000),
                                       .clock = &clock_,
                                       .max_size_bytes = 0});
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  store_ = std::move(*store);
}

SessionConfig SessionTest::Config(std::string task) const {
  SessionConfig config;
  config.id = "ses_test";
  config.role_prompt = "You are a test agent.";
  config.task = std::move(task);
  return config;
}

Result<std::unique_ptr<Session>> SessionTest::Open(llm::Model& model, SessionConfig config) {
  return Session::Open({.model = &model,
                        .registry = &registry_,
                        .tool_context = ctx_.get(),
                        .store = store_.get(),
                        .clock = &clock_},
                       std::move(config));
}

std::vector<std::string> SessionTest::EventKinds(const std::string& session_id) {
  std::vector<std::string> kinds;
  auto events = store_->ReadSessionEvents(session_id, 0, 100000);
  EXPECT_TRUE(events.ok());
  if (!events.ok()) return kinds;
  for (const store::Event& e : *events) kinds.push_back(e.kind);
  return kinds;
}

}  // namespace mh::agent::testing
