// ProviderModel: a Model that speaks a wire protocol (ProtocolCodec) over an
// HttpTransport. Internal to llm/; use MakeModel().
#pragma once

#include <memory>
#include <string>

#include "llm/http_transport.h"
#include "llm/model.h"
#include "llm/model_spec.h"
#include "llm/protocol.h"
#include "llm/usage.h"

namespace mh::llm {

// Replies larger than this are refused (kResourceExhausted) rather than buffered.
inline constexpr size_t kMaxReplyBytes = 64 << 20;

// Thread-safe. `transport` must outlive the model and every call's completion. Calls in
// flight keep what they need alive, so the model may be destroyed while they run.
class ProviderModel final : public Model {
 public:
  // `meter`, when set, records every completed call's usage and cost.
  ProviderModel(ModelSpec spec, std::unique_ptr<ProtocolCodec> codec, HttpTransport& transport,
                PriceTable prices, std::shared_ptr<UsageMeter> meter, ModelLimits limits = {});
  ~ProviderModel() override;

  const std::string& name() const override;
  ModelLimits limits() const override;
  CallId Complete(ModelRequest request, std::unique_ptr<CompletionObserver> observer) override;
  void Cancel(CallId id) override;

  struct Shared;

 private:
  // Shared with the calls in flight, which may outlive the model (see class comment).
  std::shared_ptr<const Shared> shared_;
  HttpTransport& transport_;
};

}  // namespace mh::llm
