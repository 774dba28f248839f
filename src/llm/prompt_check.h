// PromptCutWarning: telling when a server read much less of the prompt than was sent.
//
// Local servers cut prompts without a word: Ollama keeps only what fits its context
// (num_ctx, 2k to 4k tokens by default, and its OpenAI-compatible endpoint ignores a
// num_ctx sent), then reports the tokens it kept as prompt_eval_count. A reply to a cut
// prompt looks whole, so the only sign is that count. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace mh::llm {

// Prompts estimated below this many tokens are never flagged: estimates of small prompts
// are rough, and no server's context is that small.
inline constexpr int64_t kMinCheckedPromptTokens = 500;

// The warning when the server read `read_tokens` of a prompt estimated at `sent_tokens`
// and that is below 3/4 of it (a prompt of at least kMinCheckedPromptTokens); empty
// otherwise, and when the server reported no count (`read_tokens` 0). E.g. "the server read
// 2048 prompt tokens of about 9000 sent: it may have cut the prompt (raise its context,
// e.g. num_ctx)".
std::string PromptCutWarning(int64_t read_tokens, int64_t sent_tokens);

}  // namespace mh::llm
