// Test helpers for the model layer: an observer that records what a call heard, and an
// environment lookup from a map.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "llm/model.h"
#include "llm/model_spec.h"

namespace mh::llm::testing {

struct CallRecord {
  std::string streamed_text;
  std::string streamed_reasoning;
  std::vector<ToolCall> started_calls;
  std::optional<Result<ModelResponse>> result;
  int completions = 0;
};

// Records into a CallRecord the test owns (the model owns the observer).
class RecordingObserver final : public CompletionObserver {
 public:
  explicit RecordingObserver(CallRecord& record) : record_(record) {}
  void OnTextDelta(std::string_view text) override { record_.streamed_text += text; }
  void OnReasoningDelta(std::string_view text) override { record_.streamed_reasoning += text; }
  void OnToolCallStarted(const ToolCall& call) override { record_.started_calls.push_back(call); }
  void OnComplete(Result<ModelResponse> response) override {
    ++record_.completions;
    record_.result = std::move(response);
  }

 private:
  CallRecord& record_;
};

inline EnvLookup MapEnv(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace mh::llm::testing
