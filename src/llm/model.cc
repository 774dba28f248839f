#include "llm/model.h"

#include <condition_variable>
#include <mutex>
#include <optional>

namespace mh::llm {
namespace {

// Where the blocking caller waits. Shared between the caller and the observer, which the
// model destroys on the loop thread after OnComplete, so neither outlives the other.
struct Waiter {
  std::mutex mutex;
  std::condition_variable done;
  std::optional<Result<ModelResponse>> result;  // Guarded by mutex.
};

class BlockingObserver final : public CompletionObserver {
 public:
  BlockingObserver(Waiter& waiter, CompletionObserver* inner) : waiter_(waiter), inner_(inner) {}

  void OnTextDelta(std::string_view text) override {
    if (inner_ != nullptr) inner_->OnTextDelta(text);
  }
  void OnReasoningDelta(std::string_view text) override {
    if (inner_ != nullptr) inner_->OnReasoningDelta(text);
  }
  void OnToolCallStarted(const ToolCall& call) override {
    if (inner_ != nullptr) inner_->OnToolCallStarted(call);
  }
  void OnComplete(Result<ModelResponse> response) override {
    if (inner_ != nullptr) inner_->OnComplete(response);
    std::lock_guard lock(waiter_.mutex);
    waiter_.result = std::move(response);
    waiter_.done.notify_all();
  }

 private:
  Waiter& waiter_;
  CompletionObserver* inner_;
};

}  // namespace

Result<ModelResponse> CompleteBlocking(Model& model, ModelRequest request,
                                       CompletionObserver* observer, std::stop_token stop) {
  // The waiter lives on this stack frame: we return only after OnComplete has stored the
  // result, and the observer touches the waiter for the last time under its mutex.
  Waiter waiter;
  CallId id =
      model.Complete(std::move(request), std::make_unique<BlockingObserver>(waiter, observer));
  std::stop_callback on_stop(stop, [&model, id] { model.Cancel(id); });
  std::unique_lock lock(waiter.mutex);
  waiter.done.wait(lock, [&waiter] { return waiter.result.has_value(); });
  return std::move(*waiter.result);
}

}  // namespace mh::llm
