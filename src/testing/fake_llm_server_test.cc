// The fake LLM server over real loopback sockets: each protocol streaming and not, the
// reference event sequences, matching, HTTP framing and the request log.
#include "testing/fake_llm_server.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "testing/test_http_client.h"

namespace mh::testing {
namespace {

constexpr char kScenario[] = R"({
  "name": "unit", "model": "fake-model", "models": ["other-model"],
  "turns": [
    {"when": {"no_tools": true}, "text": "A title"},
    {"when": {"tool_results": 0, "offers_tool": "bash"}, "text": "Writing it.", "chunk_chars": 4,
     "tool_calls": [{"name": "bash", "arguments": {"command": "echo hi > out.txt"}}]},
    {"when": {"last_contains": "written"}, "text": "Done: the file holds hi.",
     "usage": {"input_tokens": 100, "output_tokens": 7}}
  ]})";

std::unique_ptr<FakeLlmServer> StartServer(std::string_view scenario = kScenario,
                                           FakeLlmOptions options = {}) {
  auto server = FakeLlmServer::Start(scenario, options);
  EXPECT_TRUE(server.ok()) << server.error().message();
  return server.ok() ? std::move(*server) : nullptr;
}

const char* kChatPath = "/v1/chat/completions";
const char* kResponsesPath = "/v1/responses";
const char* kAnthropicPath = "/v1/messages?beta=true";

std::string ChatBody(bool stream, bool with_result) {
  Json body = {{"model", "gpt-x"},
               {"stream", stream},
               {"stream_options", {{"include_usage", true}}},
               {"tools", {{{"type", "function"}, {"function", {{"name", "bash"}}}}}},
               {"messages", {{{"role", "user"}, {"content", "write hi"}}}}};
  if (with_result) {
    body["messages"].push_back({{"role", "tool"}, {"tool_call_id", "c"}, {"content", "written"}});
  }
  return body.dump();
}

std::string ResponsesBody(bool stream) {
  return Json({{"model", "codex-x"},
               {"stream", stream},
               {"instructions", "sys"},
               {"tools", {{{"type", "function"}, {"name", "bash"}}}},
               {"input", {{{"type", "message"}, {"role", "user"}, {"content", "write hi"}}}}})
      .dump();
}

std::string AnthropicBody(bool stream) {
  return Json({{"model", "claude-x"},
               {"stream", stream},
               {"max_tokens", 1000},
               {"system", {{{"type", "text"}, {"text", "sys"}}}},
               {"tools", {{{"name", "bash"}, {"input_schema", Json::object()}}}},
               {"messages", {{{"role", "user"}, {"content", "write hi"}}}}})
      .dump();
}

std::vector<Json> DataOf(const std::vector<TestSseEvent>& events) {
  std::vector<Json> out;
  for (const TestSseEvent& e : events) out.push_back(Json::parse(e.data));
  return out;
}

std::vector<std::string> TypesOf(const std::vector<TestSseEvent>& events) {
  std::vector<std::string> out;
  for (const TestSseEvent& e : events) out.push_back(e.event);
  return out;
}

TEST(FakeLlmServerTest, ChatStreamFollowsTheReferenceSequence) {
  auto server = StartServer();
  TestResponse r = Exchange(server->port(), PostRequest(kChatPath, ChatBody(true, false)));
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/event-stream");
  EXPECT_EQ(r.headers["transfer-encoding"], "chunked");
  std::vector<TestSseEvent> events = ParseSse(r.body);
  ASSERT_GE(events.size(), 6u);
  EXPECT_EQ(events.back().data, "[DONE]");
  events.pop_back();
  std::vector<Json> chunks = DataOf(events);
  // Role delta first.
  EXPECT_EQ(chunks[0]["choices"][0]["delta"]["role"], "assistant");
  EXPECT_EQ(chunks[0]["object"], "chat.completion.chunk");
  EXPECT_EQ(chunks[0]["model"], "gpt-x");
  std::string text, arguments;
  size_t i = 1;
  for (; chunks[i]["choices"][0]["delta"].contains("content"); ++i) {
    text += chunks[i]["choices"][0]["delta"]["content"].get<std::string>();
  }
  EXPECT_EQ(text, "Writing it.");
  // Tool call head: index, id, type, name, empty arguments; then argument fragments.
  const Json& head = chunks[i]["choices"][0]["delta"]["tool_calls"][0];
  EXPECT_EQ(head["index"], 0);
  EXPECT_EQ(head["type"], "function");
  EXPECT_EQ(head["function"]["name"], "bash");
  EXPECT_EQ(head["function"]["arguments"], "");
  EXPECT_EQ(head["id"].get<std::string>().rfind("call_", 0), 0u);
  for (++i; chunks[i]["choices"][0]["delta"].contains("tool_calls"); ++i) {
    const Json& part = chunks[i]["choices"][0]["delta"]["tool_calls"][0];
    EXPECT_EQ(part["index"], 0);
    EXPECT_FALSE(part.contains("id"));
    arguments += part["function"]["arguments"].get<std::string>();
  }
  EXPECT_EQ(Json::parse(arguments)["command"], "echo hi > out.txt");
  EXPECT_EQ(chunks[i]["choices"][0]["finish_reason"], "tool_calls");
  ASSERT_EQ(i + 2, chunks.size());
  EXPECT_TRUE(chunks[i + 1]["choices"].empty());
  EXPECT_EQ(chunks[i + 1]["usage"]["total_tokens"],
            chunks[i + 1]["usage"]["prompt_tokens"].get<int>() +
                chunks[i + 1]["usage"]["completion_tokens"].get<int>());
}

TEST(FakeLlmServerTest, ChatNonStreamingAnswersTheToolResultWithText) {
  auto server = StartServer();
  TestResponse r = Exchange(server->port(), PostRequest(kChatPath, ChatBody(false, true)));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "application/json");
  Json body = Json::parse(r.body);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["choices"][0]["message"]["content"], "Done: the file holds hi.");
  EXPECT_FALSE(body["choices"][0]["message"].contains("tool_calls"));
  EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(body["usage"]["prompt_tokens"], 100);
  EXPECT_EQ(body["usage"]["completion_tokens"], 7);
}

TEST(FakeLlmServerTest, ChatNonStreamingToolCallCarriesArgumentsAsAString) {
  auto server = StartServer();
  TestResponse r =
      Exchange(server->port(), PostRequest("/chat/completions", ChatBody(false, false)));
  Json message = Json::parse(r.body)["choices"][0]["message"];
  ASSERT_EQ(message["tool_calls"].size(), 1u);
  EXPECT_EQ(message["tool_calls"][0]["type"], "function");
  std::string arguments = message["tool_calls"][0]["function"]["arguments"];
  EXPECT_EQ(Json::parse(arguments)["command"], "echo hi > out.txt");
  // Usage defaults: input = body bytes / 4.
  EXPECT_EQ(Json::parse(r.body)["usage"]["prompt_tokens"], ChatBody(false, false).size() / 4);
}

TEST(FakeLlmServerTest, ResponsesStreamFollowsTheReferenceSequence) {
  auto server = StartServer();
  TestResponse r = Exchange(server->port(), PostRequest(kResponsesPath, ResponsesBody(true)));
  ASSERT_TRUE(r.complete);
  std::vector<TestSseEvent> events = ParseSse(r.body);
  std::vector<std::string> types = TypesOf(events);
  std::vector<std::string> expected = {"response.created", "response.in_progress",
                                       "response.output_item.added", "response.content_part.added"};
  expected.insert(expected.end(), 3, "response.output_text.delta");  // "Writing it." by 4.
  for (const char* t : {"response.output_text.done", "response.content_part.done",
                        "response.output_item.done", "response.output_item.added"}) {
    expected.push_back(t);
  }
  size_t fragments = (Json({{"command", "echo hi > out.txt"}}).dump().size() + 3) / 4;
  expected.insert(expected.end(), fragments, "response.function_call_arguments.delta");
  for (const char* t : {"response.function_call_arguments.done", "response.output_item.done",
                        "response.completed"}) {
    expected.push_back(t);
  }
  EXPECT_EQ(types, expected);
  std::vector<Json> data = DataOf(events);
  for (size_t i = 0; i < data.size(); ++i) {
    EXPECT_EQ(data[i]["type"], types[i]);
    EXPECT_EQ(data[i]["sequence_number"], i);
  }
  const Json& call = data[data.size() - 2]["item"];
  EXPECT_EQ(call["type"], "function_call");
  EXPECT_EQ(call["id"].get<std::string>().rfind("fc_", 0), 0u);
  EXPECT_EQ(call["call_id"].get<std::string>().rfind("call_", 0), 0u);
  EXPECT_EQ(Json::parse(call["arguments"].get<std::string>())["command"], "echo hi > out.txt");
  const Json& done = data.back()["response"];
  EXPECT_EQ(done["status"], "completed");
  ASSERT_EQ(done["output"].size(), 2u);
  EXPECT_EQ(done["output"][0]["id"].get<std::string>().rfind("msg_", 0), 0u);
  EXPECT_EQ(done["output"][0]["content"][0]["text"], "Writing it.");
  EXPECT_EQ(done["usage"]["total_tokens"],
            done["usage"]["input_tokens"].get<int>() + done["usage"]["output_tokens"].get<int>());
}

TEST(FakeLlmServerTest, ResponsesNonStreamingIsAResponseObject) {
  auto server = StartServer();
  TestResponse r = Exchange(server->port(), PostRequest("/responses", ResponsesBody(false)));
  ASSERT_EQ(r.status, 200);
  Json body = Json::parse(r.body);
  EXPECT_EQ(body["object"], "response");
  EXPECT_EQ(body["id"].get<std::string>().rfind("resp_", 0), 0u);
  ASSERT_EQ(body["output"].size(), 2u);
  EXPECT_EQ(body["output"][1]["name"], "bash");
  EXPECT_GT(body["usage"]["output_tokens"].get<int>(), 0);
}

TEST(FakeLlmServerTest, AnthropicStreamFollowsTheReferenceSequence) {
  auto server = StartServer();
  TestResponse r = Exchange(server->port(), PostRequest(kAnthropicPath, AnthropicBody(true)));
  ASSERT_TRUE(r.complete);
  std::vector<TestSseEvent> events = ParseSse(r.body);
  std::vector<std::string> expected = {"message_start", "content_block_start", "ping"};
  expected.insert(expected.end(), 3, "content_block_delta");
  expected.push_back("content_block_stop");
  expected.push_back("content_block_start");
  size_t fragments = (Json({{"command", "echo hi > out.txt"}}).dump().size() + 3) / 4;
  expected.insert(expected.end(), fragments, "content_block_delta");
  for (const char* t : {"content_block_stop", "message_delta", "message_stop"}) {
    expected.push_back(t);
  }
  EXPECT_EQ(TypesOf(events), expected);
  std::vector<Json> data = DataOf(events);
  EXPECT_EQ(data[0]["message"]["model"], "claude-x");
  EXPECT_EQ(data[0]["message"]["id"].get<std::string>().rfind("msg_", 0), 0u);
  EXPECT_GT(data[0]["message"]["usage"]["input_tokens"].get<int>(), 0);
  EXPECT_EQ(data[1]["content_block"]["type"], "text");
  size_t tool_start = 3 + 3 + 1;
  const Json& tool = data[tool_start]["content_block"];
  EXPECT_EQ(tool["type"], "tool_use");
  EXPECT_EQ(tool["name"], "bash");
  EXPECT_EQ(tool["input"], Json::object());
  EXPECT_EQ(data[tool_start]["index"], 1);
  std::string partial;
  for (size_t i = tool_start + 1; i < tool_start + 1 + fragments; ++i) {
    EXPECT_EQ(data[i]["delta"]["type"], "input_json_delta");
    partial += data[i]["delta"]["partial_json"].get<std::string>();
  }
  EXPECT_EQ(Json::parse(partial)["command"], "echo hi > out.txt");
  const Json& delta = data[data.size() - 2];
  EXPECT_EQ(delta["delta"]["stop_reason"], "tool_use");
  EXPECT_GT(delta["usage"]["output_tokens"].get<int>(), 0);
}

TEST(FakeLlmServerTest, AnthropicNonStreamingHasContentBlocks) {
  auto server = StartServer();
  TestResponse r = Exchange(server->port(), PostRequest("/v1/messages", AnthropicBody(false)));
  ASSERT_EQ(r.status, 200);
  Json body = Json::parse(r.body);
  EXPECT_EQ(body["type"], "message");
  EXPECT_EQ(body["stop_reason"], "tool_use");
  ASSERT_EQ(body["content"].size(), 2u);
  EXPECT_EQ(body["content"][0]["text"], "Writing it.");
  EXPECT_EQ(body["content"][1]["input"]["command"], "echo hi > out.txt");
  EXPECT_EQ(body["content"][1]["id"].get<std::string>().rfind("toolu_", 0), 0u);
}

TEST(FakeLlmServerTest, RequestWithoutToolsGetsPlainTextAndUnmatchedGets400) {
  auto server = StartServer();
  TestResponse title = Exchange(
      server->port(),
      PostRequest("/v1/messages", R"({"model":"m","messages":[{"role":"user","content":"t"}]})"));
  EXPECT_EQ(Json::parse(title.body)["content"][0]["text"], "A title");
  EXPECT_EQ(Json::parse(title.body)["stop_reason"], "end_turn");

  TestResponse none = Exchange(
      server->port(),
      PostRequest("/v1/messages", R"({"model":"m","tools":[{"name":"other"}],"messages":[]})"));
  EXPECT_EQ(none.status, 400);
  Json error = Json::parse(none.body);
  EXPECT_EQ(error["type"], "error");
  EXPECT_EQ(error["error"]["type"], "invalid_request_error");
  EXPECT_NE(error["error"]["message"].get<std::string>().find("scenario 'unit' has no turn"),
            std::string::npos);

  TestResponse bad_json = Exchange(server->port(), PostRequest(kChatPath, "{not json"));
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_TRUE(Json::parse(bad_json.body)["error"].contains("message"));
}

TEST(FakeLlmServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  auto server = StartServer();
  TestConnection conn(server->port());
  conn.Send(PostRequest(kChatPath, ChatBody(true, false)));
  TestResponse first = conn.ReadResponse();
  ASSERT_TRUE(first.complete);
  EXPECT_EQ(first.headers["connection"], "keep-alive");
  conn.Send(PostRequest(kChatPath, ChatBody(false, true)));
  TestResponse second = conn.ReadResponse();
  ASSERT_TRUE(second.complete);
  EXPECT_EQ(Json::parse(second.body)["choices"][0]["message"]["content"],
            "Done: the file holds hi.");
  EXPECT_EQ(server->requests().size(), 2u);
}

TEST(FakeLlmServerTest, ReadsAChunkedRequestBodyAfter100Continue) {
  auto server = StartServer();
  std::string body = ChatBody(false, true);
  TestConnection conn(server->port());
  conn.Send(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
      "Expect: 100-continue\r\n\r\n");
  EXPECT_EQ(conn.ReadResponse(/*stop_at_continue=*/true).status, 100);
  size_t half = body.size() / 2;
  char size[32];
  std::snprintf(size, sizeof(size), "%zx\r\n", half);
  conn.Send(std::string(size) + body.substr(0, half) + "\r\n");
  std::snprintf(size, sizeof(size), "%zx\r\n", body.size() - half);
  conn.Send(std::string(size) + body.substr(half) + "\r\n0\r\n\r\n");
  TestResponse r = conn.ReadResponse();
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Json::parse(r.body)["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(server->requests().back()["bytes"], body.size());
}

TEST(FakeLlmServerTest, RefusesOversizedRequestsWith413) {
  FakeLlmOptions options;
  options.max_request_bytes = 1000;
  auto server = StartServer(kScenario, options);
  TestConnection conn(server->port());
  conn.Send(
      "POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 5000\r\n"
      "Expect: 100-continue\r\n\r\n");
  TestResponse r = conn.ReadResponse(/*stop_at_continue=*/true);
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("exceeds the limit of 1000 bytes"), std::string::npos);
  EXPECT_TRUE(conn.ReadsEof());
}

TEST(FakeLlmServerTest, UnknownPathsGet404JsonAndSideRoutesWork) {
  auto server = StartServer();
  TestResponse missing = Exchange(server->port(), "GET /v2/nothing HTTP/1.1\r\n\r\n");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Json::parse(missing.body)["error"]["type"], "not_found_error");
  TestConnection head(server->port());
  head.Send("HEAD /nothing HTTP/1.1\r\n\r\n");
  TestResponse head_response = head.ReadResponse(false, /*no_body=*/true);
  EXPECT_EQ(head_response.status, 404);
  EXPECT_TRUE(head_response.headers.contains("content-length"));
  // No body followed the head: the next response on the connection starts cleanly.
  head.Send("GET /health HTTP/1.1\r\n\r\n");
  TestResponse health = head.ReadResponse();
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok");
  Json models = Json::parse(Exchange(server->port(), "GET /v1/models HTTP/1.1\r\n\r\n").body);
  ASSERT_EQ(models["data"].size(), 2u);
  EXPECT_EQ(models["data"][0]["id"], "fake-model");
  EXPECT_EQ(models["data"][1]["id"], "other-model");
}

TEST(FakeLlmServerTest, RequestLogRedactsCredentials) {
  std::string path = ::testing::TempDir() + "/fake_llm_requests.jsonl";
  std::remove(path.c_str());
  FakeLlmOptions options;
  options.log_path = path;
  auto server = StartServer(kScenario, options);
  Exchange(server->port(),
           PostRequest(
               kChatPath, ChatBody(false, false),
               {"Authorization: Bearer sk-secret-abcdef123456", "X-Api-Key: sk-ant-secret-999999",
                "X-Session-Token: tok-123456789", "Anthropic-Version: 2023-06-01"}));
  std::vector<Json> records = server->requests();
  ASSERT_EQ(records.size(), 1u);
  const Json& rec = records[0];
  EXPECT_EQ(rec["protocol"], "chat");
  EXPECT_EQ(rec["model"], "gpt-x");
  EXPECT_EQ(rec["turn"], 1);
  EXPECT_EQ(rec["tools"], Json::array({"bash"}));
  EXPECT_EQ(rec["tool_results"], 0);
  EXPECT_EQ(rec["status"], 200);
  EXPECT_EQ(rec["headers"]["authorization"], "[REDACTED]");
  EXPECT_EQ(rec["headers"]["x-api-key"], "[REDACTED]");
  EXPECT_EQ(rec["headers"]["x-session-token"], "[REDACTED]");
  EXPECT_EQ(rec["headers"]["anthropic-version"], "2023-06-01");
  server.reset();
  std::ifstream in(path);
  std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(file.find("\"protocol\":\"chat\""), std::string::npos);
  EXPECT_EQ(file.find("sk-secret"), std::string::npos);
  EXPECT_EQ(file.find("sk-ant-secret"), std::string::npos);
  EXPECT_EQ(file.find("tok-123456789"), std::string::npos);
}

size_t CollectBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

TEST(FakeLlmServerTest, LibcurlReadsTheStreamAsARealClientWould) {
  auto server = StartServer();
  CURL* curl = curl_easy_init();
  ASSERT_NE(curl, nullptr);
  std::string url = server->base_url() + "/v1/chat/completions";
  std::string body = ChatBody(true, true);
  std::string received;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, CollectBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &received);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10'000L);
  CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  ASSERT_EQ(code, CURLE_OK) << curl_easy_strerror(code);
  EXPECT_EQ(status, 200);
  std::vector<TestSseEvent> events = ParseSse(received);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().data, "[DONE]");
  std::string text;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    Json chunk = Json::parse(events[i].data);
    if (!chunk["choices"].empty() && chunk["choices"][0]["delta"].contains("content")) {
      text += chunk["choices"][0]["delta"]["content"].get<std::string>();
    }
  }
  EXPECT_EQ(text, "Done: the file holds hi.");
}

std::string OllamaBody(std::optional<bool> stream, bool with_result, int64_t num_ctx = 0) {
  Json body = {{"model", "qwen3"},
               {"tools", {{{"type", "function"}, {"function", {{"name", "bash"}}}}}},
               {"messages", {{{"role", "user"}, {"content", "write hi"}}}}};
  if (stream) body["stream"] = *stream;
  if (num_ctx > 0) body["options"] = {{"num_ctx", num_ctx}, {"num_predict", 100}};
  if (with_result) {
    body["messages"].push_back(
        {{"role", "assistant"},
         {"content", ""},
         {"tool_calls", {{{"function", {{"name", "bash"}, {"arguments", {{"command", "x"}}}}}}}}});
    body["messages"].push_back({{"role", "tool"}, {"tool_name", "bash"}, {"content", "written"}});
  }
  return body.dump();
}

std::vector<Json> NdjsonLines(const std::string& body) {
  std::vector<Json> out;
  size_t start = 0;
  for (size_t end; (end = body.find('\n', start)) != std::string::npos; start = end + 1) {
    out.push_back(Json::parse(body.substr(start, end - start)));
  }
  EXPECT_EQ(start, body.size()) << "every line ends with a newline";
  return out;
}

TEST(FakeLlmServerTest, OllamaStreamsNdjsonByDefaultWithToolCallsWhole) {
  auto server = StartServer();
  // No "stream" key: Ollama streams.
  TestResponse r =
      Exchange(server->port(), PostRequest("/api/chat", OllamaBody(std::nullopt, false)));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "application/x-ndjson");
  std::vector<Json> lines = NdjsonLines(r.body);
  ASSERT_GE(lines.size(), 3u);
  std::string text;
  for (const Json& line : lines) text += line["message"].value("content", "");
  EXPECT_EQ(text, "Writing it.");
  const Json& calls = lines[lines.size() - 2]["message"]["tool_calls"];
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0]["function"]["name"], "bash");
  EXPECT_EQ(calls[0]["function"]["arguments"], Json({{"command", "echo hi > out.txt"}}));
  const Json& last = lines.back();
  EXPECT_EQ(last["done"], true);
  EXPECT_EQ(last["done_reason"], "stop");
  EXPECT_GT(last["prompt_eval_count"].get<int64_t>(), 0);
  EXPECT_GT(last["eval_count"].get<int64_t>(), 0);
  for (size_t i = 0; i + 1 < lines.size(); ++i) EXPECT_EQ(lines[i]["done"], false);
}

TEST(FakeLlmServerTest, OllamaWholeBodyRecordsNumCtxAndErrorsInItsShape) {
  auto server = StartServer();
  TestResponse r =
      Exchange(server->port(), PostRequest("/api/chat", OllamaBody(false, true, 8192)));
  ASSERT_EQ(r.status, 200);
  Json body = Json::parse(r.body);
  EXPECT_EQ(body["message"]["content"], "Done: the file holds hi.");
  EXPECT_EQ(body["done"], true);
  EXPECT_EQ(body["prompt_eval_count"], 100);
  EXPECT_EQ(body["eval_count"], 7);
  std::vector<Json> log = server->requests();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["protocol"], "ollama");
  EXPECT_EQ(log[0]["num_ctx"], 8192);
  EXPECT_EQ(log[0]["tool_results"], 1);
  TestResponse bad = Exchange(server->port(), PostRequest("/api/chat", "{not json"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(Json::parse(bad.body)["error"].is_string()) << bad.body;
}

TEST(FakeLlmServerTest, OllamaContextCutsThePromptCountLikeTheRealServer) {
  auto server = StartServer(R"({"name": "small-context", "context_tokens": 2048,
      "turns": [{"text": "ok", "usage": {"input_tokens": 9000, "output_tokens": 1}}]})");
  Json body = Json::parse(OllamaBody(false, false, 16384));
  TestResponse r = Exchange(server->port(), PostRequest("/api/chat", body.dump()));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Json::parse(r.body)["prompt_eval_count"], 2048);
  // A num_ctx below the server's context cuts further, as Ollama does.
  TestResponse smaller =
      Exchange(server->port(), PostRequest("/api/chat", OllamaBody(false, false, 1024)));
  EXPECT_EQ(Json::parse(smaller.body)["prompt_eval_count"], 1024);
}

}  // namespace
}  // namespace mh::testing
