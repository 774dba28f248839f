// FakeLlmHandler: what the fake LLM server answers to one HTTP request — routing, scenario
// matching, fault injection and the request log — kept apart from the socket I/O.
//
// Not thread-safe: the server calls it from its loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/ids.h"
#include "testing/http_request_parser.h"
#include "testing/http_response.h"
#include "testing/llm_request.h"
#include "testing/request_log.h"
#include "testing/scenario.h"

namespace mh::testing {

// The answer to a request: sent after `delay_ms`, rendered only then (so that thousands
// of waiting requests hold a few hundred bytes each, not their rendered replies).
struct Decision {
  int64_t delay_ms = 0;
  std::function<HttpResponse()> render;
};

class FakeLlmHandler {
 public:
  // `log` must outlive the handler.
  FakeLlmHandler(Scenario scenario, RequestLog& log);

  Decision Handle(const HttpRequest& request);
  // The response to a request the parser refused (status 400, 413, 431, ...).
  static HttpResponse ParseError(int status, const std::string& message);

 private:
  Decision HandleModel(Protocol protocol, const HttpRequest& request, Json& record);
  // Picks the fault for `turn_index` (counting `times`), or nullptr.
  const Fault* TakeFault(size_t turn_index);
  Decision Answer(Protocol protocol, const LlmRequest& request, size_t turn_index,
                  const Fault* fault);

  Scenario scenario_;
  RequestLog& log_;
  std::vector<int64_t> fault_counts_;  // Per turn: requests that got its fault.
  IdGenerator ids_;
};

}  // namespace mh::testing
