#include "llm/prompt_check.h"

namespace mh::llm {

std::string PromptCutWarning(int64_t read_tokens, int64_t sent_tokens) {
  if (read_tokens <= 0 || sent_tokens < kMinCheckedPromptTokens) return "";
  if (read_tokens * 4 >= sent_tokens * 3) return "";
  return "the server read " + std::to_string(read_tokens) + " prompt tokens of about " +
         std::to_string(sent_tokens) +
         " sent: it may have cut the prompt (raise its context, e.g. num_ctx)";
}

}  // namespace mh::llm
