#include "testing/scenario.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "testing/llm_request.h"

namespace mh::testing {
namespace {

std::string ErrorOf(std::string_view json) {
  Result<Scenario> s = ParseScenario(json);
  EXPECT_FALSE(s.ok()) << "accepted: " << json;
  return s.ok() ? "" : s.error().message();
}

TEST(ScenarioTest, ParsesTheSpecExample) {
  Result<Scenario> s = ParseScenario(R"({
    "name": "write-read-finish", "model": "fake-model",
    "turns": [
      {"when": {"tool_results": 0, "offers_tool": "bash"}, "text": "I will write the file.",
       "tool_calls": [{"name": "bash", "arguments": {"command": "echo hi > out.txt"}}],
       "delay_ms": 0,
       "fault": {"kind": "http_status", "status": 429, "retry_after": "1", "times": 1}},
      {"when": {"last_contains": "hi"}, "text": "Done: the file holds hi."}
    ]})");
  ASSERT_TRUE(s.ok()) << s.error().message();
  ASSERT_EQ(s->turns.size(), 2u);
  EXPECT_EQ(s->turns[0].when.tool_results, 0);
  EXPECT_EQ(s->turns[0].when.offers_tool, "bash");
  ASSERT_EQ(s->turns[0].tool_calls.size(), 1u);
  EXPECT_EQ(s->turns[0].tool_calls[0].arguments["command"], "echo hi > out.txt");
  ASSERT_TRUE(s->turns[0].fault.has_value());
  EXPECT_EQ(s->turns[0].fault->status, 429);
  EXPECT_EQ(s->turns[0].fault->retry_after, "1");
  EXPECT_EQ(s->turns[0].fault->times, 1);
  EXPECT_EQ(s->turns[1].when.last_contains, "hi");
  EXPECT_EQ(s->turns[1].chunk_chars, 8);
}

TEST(ScenarioTest, RefusesBadFilesNamingTheTurnAndTheKey) {
  EXPECT_EQ(ErrorOf(R"({"turns": [{"text": "a"}, {"fault": {"kind": "explode"}}]})"),
            "turn 2 (turns[1]): fault.kind 'explode' is not one of http_status, delay, stall, "
            "cut_stream, malformed_tool_json, html, stream_error");
  EXPECT_NE(ErrorOf(R"({"turns": [{"when": {"tool_result": 1}}]})")
                .find("turn 1 (turns[0]): when: unknown key 'tool_result'"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"turns": []})").find("turns must be a non-empty array"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"turns": [{"tool_calls": [{"name": "x", "arguments": "[]"}]}]})")
                .find("tool_calls[0]: arguments must be a JSON object"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"turns": [{"fault": {"kind": "http_status", "status": 200}}]})")
                .find("status must be an integer from 400 to 599"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"turns": [{"when": {"protocol": "grpc"}}]})").find("'grpc'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("{\"turns\": [").find("scenario: malformed JSON"), std::string::npos);
}

TEST(ScenarioTest, ExampleScenariosParse) {
  for (const char* name : {"chat-demo.json"}) {
    std::ifstream in(std::string(MH_SCENARIO_DIR) + "/" + name);
    ASSERT_TRUE(in) << name;
    std::stringstream text;
    text << in.rdbuf();
    Result<Scenario> s = ParseScenario(text.str());
    EXPECT_TRUE(s.ok()) << name << ": " << s.error().message();
  }
}

LlmRequest Read(Protocol protocol, std::string_view json) {
  Result<LlmRequest> r = ReadLlmRequest(protocol, Json::parse(json), json.size());
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : LlmRequest();
}

TEST(LlmRequestTest, CountsToolResultsInEachProtocol) {
  LlmRequest chat = Read(Protocol::kChat, R"({"model": "m", "stream": true,
    "stream_options": {"include_usage": true},
    "tools": [{"type": "function", "function": {"name": "bash"}}],
    "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"},
      {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function",
        "function": {"name": "bash", "arguments": "{}"}}]},
      {"role": "tool", "tool_call_id": "c1", "content": "file written"}]})");
  EXPECT_EQ(chat.tool_results, 1);
  EXPECT_EQ(chat.messages, 4);
  EXPECT_TRUE(chat.stream);
  EXPECT_TRUE(chat.include_usage);
  EXPECT_EQ(chat.tools, std::vector<std::string>{"bash"});
  EXPECT_EQ(chat.last_text, "file written");

  LlmRequest responses = Read(Protocol::kResponses, R"({"instructions": "sys",
    "tools": [{"type": "function", "name": "shell"}, {"type": "custom", "name": "apply_patch"}],
    "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "go"}]},
      {"type": "function_call", "call_id": "c", "name": "shell", "arguments": "{}"},
      {"type": "function_call_output", "call_id": "c", "output": "done ok"}]})");
  EXPECT_EQ(responses.tool_results, 1);
  EXPECT_EQ(responses.messages, 3);
  EXPECT_EQ(responses.tools, (std::vector<std::string>{"shell", "apply_patch"}));
  EXPECT_EQ(responses.last_text, "done ok");
  EXPECT_NE(responses.all_text.find("sys"), std::string::npos);

  LlmRequest anthropic = Read(Protocol::kAnthropic, R"({
    "system": [{"type": "text", "text": "You are Claude", "cache_control": {"type": "ephemeral"}}],
    "tools": [{"name": "Bash", "input_schema": {}}],
    "messages": [{"role": "user", "content": "list files"},
      {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "Bash", "input": {}}]},
      {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t",
        "content": [{"type": "text", "text": "a.txt b.txt"}]}]}]})");
  EXPECT_EQ(anthropic.tool_results, 1);
  EXPECT_EQ(anthropic.last_text, "a.txt b.txt");
  EXPECT_NE(anthropic.all_text.find("You are Claude"), std::string::npos);
}

TEST(LlmRequestTest, MatchesEveryConditionGiven) {
  LlmRequest r = Read(Protocol::kChat, R"({"messages": [{"role": "system", "content": "SYS"},
    {"role": "user", "content": "write it"}], "tools": [{"function": {"name": "bash"}}]})");
  TurnMatch m;
  EXPECT_TRUE(Matches(m, r));
  m.offers_tool = "bash";
  m.tool_results = 0;
  m.contains = "SYS";
  m.last_contains = "write";
  m.protocol = Protocol::kChat;
  EXPECT_TRUE(Matches(m, r));
  m.last_contains = "SYS";  // In the request, but not in the last message.
  EXPECT_FALSE(Matches(m, r));
  m.last_contains.reset();
  m.no_tools = true;
  EXPECT_FALSE(Matches(m, r));
  m.no_tools.reset();
  m.min_tool_results = 1;
  EXPECT_FALSE(Matches(m, r));
  m.min_tool_results.reset();
  m.protocol = Protocol::kAnthropic;
  EXPECT_FALSE(Matches(m, r));
}

}  // namespace
}  // namespace mh::testing
