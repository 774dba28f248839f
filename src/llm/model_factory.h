// MakeModel: a Model from a documented model name (docs/models.md).
#pragma once

#include <memory>
#include <string_view>

#include "base/status.h"
#include "llm/http_transport.h"
#include "llm/model.h"
#include "llm/model_spec.h"
#include "llm/usage.h"

namespace mh::llm {

struct ModelOptions {
  BaseUrlOverrides base_urls;         // From config; MH_<PROVIDER>_BASE_URL wins over these.
  HttpTimeouts timeouts;              // For every request of the model.
  std::shared_ptr<UsageMeter> meter;  // Shared with whoever reports totals; may be null.
  // Over the model's defaults (DefaultModelLimits), field by field; 0 keeps a default.
  ModelLimits limits;
};

// Parses `name` (see ParseModelSpec for its errors: unknown provider, missing key, bad
// URL) and makes a model speaking its protocol through `transport`, which must outlive
// the model and its calls. `prices` is copied; each reply's cost comes from it. Each
// request's max_tokens is fitted to the model's limits (FitMaxTokens).
Result<std::unique_ptr<Model>> MakeModel(std::string_view name, HttpTransport& transport,
                                         const EnvLookup& env, const PriceTable& prices,
                                         ModelOptions options = {});

}  // namespace mh::llm
