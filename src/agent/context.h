// Context management: fitting a session's history into the model's context window.
//
// The full history is kept (and recorded) unchanged; each request is built from it by
// FitContext(), a pure function, so a resumed session builds the same requests. When the
// estimate passes `threshold` of the window, old tool results are elided, oldest first,
// keeping the task and the last `keep_recent_turns` turns intact; if that is not enough,
// the oldest turns are dropped whole and a note is added to the task message. A turn is
// an assistant message and the observations that follow it, so tool calls and their
// results are never separated. Thread-safety: plain functions over values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "llm/types.h"

namespace mh::agent {

struct ContextOptions {
  int64_t window_tokens = 128'000;  // The model's context window.
  double threshold = 0.8;           // Compact above this fraction of the window.
  int keep_recent_turns = 4;        // Never elided or dropped.
  size_t min_elide_chars = 200;     // Shorter tool results are not worth eliding.
  int64_t image_tokens = 1'600;     // Estimate for one image.
};

// Estimated tokens: characters / 4, rounded up, plus `image_tokens` per image.
int64_t EstimateTokens(const llm::Message& message, const ContextOptions& options);
int64_t EstimateTokens(const std::vector<llm::Message>& messages, const ContextOptions& options);

// "[output elided: 12345 chars; re-run the tool to see it]".
std::string ElisionNote(size_t chars);

struct FittedContext {
  std::vector<llm::Message> messages;
  int64_t estimated_tokens = 0;  // Of `fixed_tokens` plus messages.
  int elided_results = 0;        // Tool results replaced by an ElisionNote.
  int dropped_turns = 0;         // Oldest turns left out whole.
};

// Fits `history` (history[0] is the task) into the window, with `fixed_tokens` already
// taken by the system prompt and tool specs. Never drops the task or the recent turns,
// even when they alone exceed the window (the provider will then refuse the request and
// say so).
FittedContext FitContext(const std::vector<llm::Message>& history, int64_t fixed_tokens,
                         const ContextOptions& options);

}  // namespace mh::agent
