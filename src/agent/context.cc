#include "agent/context.h"

#include <algorithm>

namespace mh::agent {
namespace {

int64_t CharsToTokens(size_t chars) { return static_cast<int64_t>((chars + 3) / 4); }

// Start index of each turn: every assistant message after the task.
std::vector<size_t> TurnStarts(const std::vector<llm::Message>& history) {
  std::vector<size_t> starts;
  for (size_t i = 1; i < history.size(); ++i) {
    if (history[i].role == llm::Role::kAssistant) starts.push_back(i);
  }
  return starts;
}

std::string DroppedNote(int turns) {
  return "\n\n[" + std::to_string(turns) +
         " earlier turns were dropped to fit the context window; re-run tools to see "
         "what you need again]";
}

}  // namespace

int64_t EstimateTokens(const llm::Message& message, const ContextOptions& options) {
  size_t chars = 0;
  int64_t tokens = 0;
  for (const llm::ContentPart& part : message.parts) {
    if (part.is_text()) {
      chars += part.text.size();
    } else {
      tokens += options.image_tokens;
    }
  }
  for (const llm::ToolCall& call : message.tool_calls) {
    chars += call.id.size() + call.name.size() + call.raw_arguments.size();
  }
  return tokens + CharsToTokens(chars);
}

int64_t EstimateTokens(const std::vector<llm::Message>& messages, const ContextOptions& options) {
  int64_t total = 0;
  for (const llm::Message& m : messages) total += EstimateTokens(m, options);
  return total;
}

std::string ElisionNote(size_t chars) {
  return "[output elided: " + std::to_string(chars) + " chars; re-run the tool to see it]";
}

FittedContext FitContext(const std::vector<llm::Message>& history, int64_t fixed_tokens,
                         const ContextOptions& options) {
  FittedContext fitted;
  fitted.messages = history;
  std::vector<llm::Message>& messages = fitted.messages;
  const auto limit =
      static_cast<int64_t>(static_cast<double>(options.window_tokens) * options.threshold);
  int64_t total = fixed_tokens + EstimateTokens(messages, options);
  std::vector<size_t> starts = TurnStarts(messages);
  // Messages from `protected_from` on belong to the recent turns and stay as they are.
  size_t keep =
      std::min(starts.size(), static_cast<size_t>(std::max(0, options.keep_recent_turns)));
  size_t protected_from = keep == 0 ? messages.size() : starts[starts.size() - keep];

  // First pass: elide old tool results, oldest first.
  for (size_t i = 1; i < protected_from && total > limit; ++i) {
    llm::Message& m = messages[i];
    if (m.role != llm::Role::kTool) continue;
    size_t chars = m.Text().size();
    if (chars < options.min_elide_chars && !m.HasImages()) continue;
    int64_t before = EstimateTokens(m, options);
    m.parts = {llm::ContentPart::Text(ElisionNote(chars))};
    total += EstimateTokens(m, options) - before;
    ++fitted.elided_results;
  }

  // Second pass: drop whole turns, oldest first, until under the limit.
  size_t turn = 0;
  size_t drop_end = starts.empty() ? 1 : starts.front();
  // The note about dropped turns has to fit too.
  const int64_t note_tokens = CharsToTokens(DroppedNote(static_cast<int>(starts.size())).size());
  const bool must_drop = total > limit;
  while (must_drop && total + note_tokens > limit && turn < starts.size() &&
         starts[turn] < protected_from) {
    size_t end = turn + 1 < starts.size() ? starts[turn + 1] : messages.size();
    for (size_t i = starts[turn]; i < end; ++i) total -= EstimateTokens(messages[i], options);
    drop_end = end;
    ++turn;
    ++fitted.dropped_turns;
  }
  if (fitted.dropped_turns > 0) {
    size_t drop_begin = starts.front();
    messages.erase(messages.begin() + static_cast<std::ptrdiff_t>(drop_begin),
                   messages.begin() + static_cast<std::ptrdiff_t>(drop_end));
    std::string note = DroppedNote(fitted.dropped_turns);
    total += CharsToTokens(note.size());
    messages[0].parts.push_back(llm::ContentPart::Text(std::move(note)));
  }
  fitted.estimated_tokens = total;
  return fitted;
}

}  // namespace mh::agent
