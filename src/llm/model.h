// Model: the interface the agent loop uses to ask a model for its next turn.
//
// Asynchronous without a thread per request: Complete() starts a call and returns at
// once; the observer hears the streamed pieces and then exactly one OnComplete. Waiting
// for a model costs memory, not a thread.
#pragma once

#include <cstdint>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>

#include "base/status.h"
#include "llm/model_limits.h"
#include "llm/types.h"

namespace mh::llm {

// Hears one call. Callbacks come on the transport's loop thread, in order, never
// concurrently for one call, and must not block. The model owns the observer and
// destroys it after OnComplete.
class CompletionObserver {
 public:
  virtual ~CompletionObserver() = default;
  // Streaming only: a piece of the assistant's text, as it arrives.
  virtual void OnTextDelta(std::string_view text) { (void)text; }
  // Streaming only: a piece of the model's reasoning, as it arrives. Never answer text.
  virtual void OnReasoningDelta(std::string_view text) { (void)text; }
  // Streaming only: the model began a tool call; `call` has its id and name, not yet
  // its arguments.
  virtual void OnToolCallStarted(const ToolCall& call) { (void)call; }
  // Exactly once, last: the whole reply, or why there is none. A reply that is not the
  // protocol (HTML, truncated JSON, a cut stream) is an error here, never a partial
  // reply. Errors: kUnavailable (network, 429/5xx/529, cut stream: retrying may help),
  // kPermissionDenied (key refused; names the environment variable),
  // kInvalidArgument (the provider refused the request), kFailedPrecondition (the
  // endpoint does not speak the protocol), kDeadlineExceeded, kCancelled.
  virtual void OnComplete(Result<ModelResponse> response) = 0;
};

using CallId = uint64_t;

// Thread-safe: Complete and Cancel may be called from any thread, including from
// inside observer callbacks.
class Model {
 public:
  virtual ~Model() = default;

  // The documented name this model was made from, e.g. "xai/grok-4".
  virtual const std::string& name() const = 0;

  // Its context window and output limit; 0 fields are unknown.
  virtual ModelLimits limits() const { return {}; }

  // Starts a call and returns at once. `request.stream` chooses streaming. When the
  // request cannot be sent (it is invalid for this protocol), OnComplete still comes,
  // on the loop thread, with the error.
  virtual CallId Complete(ModelRequest request, std::unique_ptr<CompletionObserver> observer) = 0;

  // Aborts a call in flight: its observer gets OnComplete(kCancelled). No-op when done.
  virtual void Cancel(CallId id) = 0;
};

// Runs one call and waits for it (for the CLI and tests). `observer`, when not null,
// hears the streamed pieces (on the loop thread) and must outlive the call; its
// OnComplete is called too. A stop request on `stop` cancels the call, which then
// ends with kCancelled. Must not be called on the transport's loop thread.
Result<ModelResponse> CompleteBlocking(Model& model, ModelRequest request,
                                       CompletionObserver* observer = nullptr,
                                       std::stop_token stop = {});

}  // namespace mh::llm
