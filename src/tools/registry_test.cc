#include "tools/registry.h"

#include <stdexcept>

#include "base/secrets.h"
#include "tools/test_workspace.h"
#include "tools/tool_util.h"

namespace mh::tools::testing {
namespace {

class ThrowingTool final : public internal::BasicTool {
 public:
  ThrowingTool() : BasicTool("explode", "throws", Json{{"type", "object"}}) {}
  ToolResult Run(const Json&, ToolContext&) const override { throw std::runtime_error("boom"); }
};

class EchoTool final : public internal::BasicTool {
 public:
  EchoTool() : BasicTool("echo", "echoes", Json{{"type", "object"}}) {}
  ToolResult Run(const Json& args, ToolContext&) const override {
    return ToolResult::Text(internal::StringArg(args, "text"));
  }
};

using RegistryTest = ToolsTest;

TEST_F(RegistryTest, ListsBuiltinToolsWithSchemas) {
  std::vector<std::string> expected = {"read_file",   "write_file", "edit_file",
                                       "list_files",  "find_files", "search",
                                       "run_command", "submit",     "ask_for_help"};
  EXPECT_EQ(registry_.Names(), expected);
  Json described = registry_.Describe();
  ASSERT_EQ(described.size(), expected.size());
  for (const Json& tool : described) {
    EXPECT_FALSE(tool["description"].get<std::string>().empty());
    EXPECT_EQ(tool["parameters"]["type"], "object");
    EXPECT_EQ(tool["parameters"]["additionalProperties"], false) << tool["name"];
  }
}

TEST_F(RegistryTest, RefusesDuplicateAndBadNames) {
  Status duplicate = registry_.Register(MakeReadFileTool());
  EXPECT_EQ(duplicate.code(), StatusCode::kAlreadyExists);
  class BadName final : public internal::BasicTool {
   public:
    BadName() : BasicTool("Bad Name", "x", Json{{"type", "object"}}) {}
    ToolResult Run(const Json&, ToolContext&) const override { return {}; }
  };
  EXPECT_EQ(registry_.Register(std::make_unique<BadName>()).code(), StatusCode::kInvalidArgument);
}

TEST_F(RegistryTest, UnknownToolListsTheValidNames) {
  ToolResult result = Call("read_fil", R"({"path": "a"})");
  EXPECT_TRUE(result.is_error);
  EXPECT_NE(result.text.find("unknown tool 'read_fil'"), std::string::npos) << result.text;
  EXPECT_NE(result.text.find("read_file, write_file"), std::string::npos) << result.text;
}

TEST_F(RegistryTest, MalformedJsonAndSchemaErrorsBecomeErrorResults) {
  ToolResult result = Call("read_file", R"({"path": "a.txt")");
  EXPECT_TRUE(result.is_error);
  EXPECT_NE(result.text.find("read_file: the arguments are not valid JSON"), std::string::npos)
      << result.text;
  result = Call("edit_file", R"({"path": "a.txt", "new_text": "x"})");
  EXPECT_EQ(result.text, "edit_file: missing required argument 'old_text'");
  EXPECT_TRUE(result.is_error);
  result = Call("read_file", R"({"path": "a.txt", "offset": "3"})");
  EXPECT_EQ(result.text, "read_file: argument 'offset' must be an integer, got string \"3\"");
  result = Call("read_file", R"({"path": "a.txt", "offset": 0})");
  EXPECT_EQ(result.text, "read_file: argument 'offset' must be at least 1, got 0");
  result = Call("read_file", R"("a.txt")");
  EXPECT_EQ(result.text, "read_file: the arguments must be a JSON object, got string \"a.txt\"");
  result = Call("submit", "");
  EXPECT_EQ(result.text, "submit: missing required argument 'summary'");
}

TEST_F(RegistryTest, ExceptionsInsideToolsBecomeErrorResults) {
  ASSERT_TRUE(registry_.Register(std::make_unique<ThrowingTool>()).ok());
  ToolResult result = Call("explode", "{}");
  EXPECT_TRUE(result.is_error);
  EXPECT_EQ(result.text, "explode: internal error: boom");
}

TEST_F(RegistryTest, SecretsAreRedactedFromResults) {
  ASSERT_TRUE(registry_.Register(std::make_unique<EchoTool>()).ok());
  RegisterSecret("sk-test-0123456789abcdef");
  ToolResult result = Call("echo", R"({"text": "key is sk-test-0123456789abcdef"})");
  EXPECT_EQ(result.text, "key is [REDACTED]");
  ClearSecretsForTesting();
}

TEST_F(RegistryTest, SubmitAndAskForHelpEndTheSession) {
  ToolResult submit = Call("submit", R"({"summary": "fixed the parser; tests pass"})");
  EXPECT_FALSE(submit.is_error);
  EXPECT_EQ(submit.outcome, SessionOutcome::kSubmitted);
  EXPECT_EQ(submit.summary, "fixed the parser; tests pass");
  ToolResult ask = Call("ask_for_help", R"({"question": "which database?"})");
  EXPECT_EQ(ask.outcome, SessionOutcome::kBlocked);
  EXPECT_EQ(ask.question, "which database?");
  EXPECT_STREQ(SessionOutcomeName(ask.outcome), "blocked");
  EXPECT_TRUE(Call("submit", R"({"summary": ""})").is_error);
}

// A resource that records its destruction, standing in for a terminal.
class Recorder final : public SessionResource {
 public:
  Recorder(std::vector<std::string>* log, std::string name) : log_(log), name_(std::move(name)) {}
  ~Recorder() override { log_->push_back(name_); }

 private:
  std::vector<std::string>* log_;
  std::string name_;
};

TEST_F(RegistryTest, SessionResourcesLiveAsLongAsTheContext) {
  std::vector<std::string> destroyed;
  ctx_->resources().Put("term", std::make_unique<Recorder>(&destroyed, "term"));
  ctx_->resources().Put("desk", std::make_unique<Recorder>(&destroyed, "desk"));
  EXPECT_NE(ctx_->resources().Get<Recorder>("term"), nullptr);
  EXPECT_EQ(ctx_->resources().Get<Recorder>("none"), nullptr);
  ctx_->resources().Put("term", std::make_unique<Recorder>(&destroyed, "term2"));
  EXPECT_EQ(destroyed, std::vector<std::string>({"term"}));
  ctx_.reset();
  EXPECT_EQ(destroyed, std::vector<std::string>({"term", "term2", "desk"}));
}

}  // namespace
}  // namespace mh::tools::testing
