// Benchmark 1: client overhead per model turn. One model turn after another through the
// real stack (MakeModel's Chat Completions provider on RetryingTransport on CurlTransport)
// against mh-fake-llm (a child process, no delay). Per turn: wall time and this process's
// CPU time (the loop thread's and the caller's; the server's is not counted).
//
//   llm_turn_bench [--turns 500] [--fake-llm PATH]
#include <time.h>

#include <chrono>
#include <cstdio>

#include "bench_util.h"
#include "fake_llm_process.h"
#include "llm/http_transport.h"
#include "llm/model.h"
#include "llm/model_factory.h"
#include "llm/usage.h"

namespace mh::bench {
namespace {

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// A request shaped like a coding agent's: a system prompt, a few turns of history with
// a tool call and its result, and four tools with schemas.
llm::ModelRequest AgentRequest(bool stream) {
  llm::ModelRequest request;
  request.stream = stream;
  request.system_prompt =
      std::string(
          "You are an engineer at Macrohard. Work in the repository, run the tests, keep the "
          "change small. ") +
      std::string(1500, 'x');
  request.messages.push_back(llm::Message::User("Fix the failing test in src/base."));
  llm::ToolCall call{"call_1", "bash", Json{{"command", "make test 2>&1 | tail -20"}}, "", ""};
  request.messages.push_back(llm::Message::Assistant("Let me run the tests.", {call}));
  request.messages.push_back(
      llm::Message::ToolResult("call_1", "FAILED: status_test " + std::string(2000, '.')));
  for (const char* name : {"bash", "read_file", "write_file", "search"}) {
    Json schema = {{"type", "object"},
                   {"properties",
                    {{"path", {{"type", "string"}, {"description", "A path in the worktree."}}},
                     {"command", {{"type", "string"}, {"description", "A shell command."}}},
                     {"text", {{"type", "string"}, {"description", "Text to write."}}}}},
                   {"required", Json::array({"path"})}};
    request.tools.push_back(
        {name, std::string("The ") + name + " tool. " + std::string(200, 'd'), schema});
  }
  return request;
}

void Measure(llm::Model& model, bool stream, int turns) {
  std::vector<double> wall_ms, cpu_ms;
  for (int i = 0; i < turns + 20; ++i) {  // The first 20 warm up.
    auto w0 = std::chrono::steady_clock::now();
    double c0 = CpuSeconds();
    Result<llm::ModelResponse> reply = llm::CompleteBlocking(model, AgentRequest(stream));
    double c1 = CpuSeconds();
    auto w1 = std::chrono::steady_clock::now();
    if (!reply.ok() || reply->message.tool_calls.size() != 1) {
      std::fprintf(stderr, "turn %d failed: %s\n", i, reply.status().ToString().c_str());
      std::exit(1);
    }
    if (i < 20) continue;
    wall_ms.push_back(std::chrono::duration<double, std::milli>(w1 - w0).count());
    cpu_ms.push_back((c1 - c0) * 1000);
  }
  std::printf("%-13s turns %d  wall ms median %.3f p90 %.3f   CPU ms median %.3f p90 %.3f\n",
              stream ? "streaming" : "non-streaming", turns, Quantile(wall_ms, 0.5),
              Quantile(wall_ms, 0.9), Quantile(cpu_ms, 0.5), Quantile(cpu_ms, 0.9));
}

}  // namespace
}  // namespace mh::bench

int main(int argc, char** argv) {
  using namespace mh;
  using namespace mh::bench;
  int turns = std::stoi(Flag(argc, argv, "turns", "500"));
  std::string binary = Flag(argc, argv, "fake-llm", DefaultFakeLlmPath());
  FakeLlmProcess server(binary,
                        R"({"name":"turn","turns":[{"text":"I will run the tests again.",)"
                        R"("tool_calls":[{"name":"bash","arguments":{"command":"make test"}}]}]})");
  auto curl = llm::NewCurlTransport();
  auto retrying = llm::NewRetryingTransport(*curl, llm::RetryPolicy{}, SystemClock());
  auto no_env = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  auto model = llm::MakeModel(server.base_url() + "/v1#fake-model", *retrying, no_env,
                              llm::PriceTable::WithDefaults());
  if (!model.ok()) {
    std::fprintf(stderr, "MakeModel: %s\n", model.status().ToString().c_str());
    return 1;
  }
  Measure(**model, true, turns);
  Measure(**model, false, turns);
  return 0;
}
