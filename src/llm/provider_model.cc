#include "llm/provider_model.h"

#include <atomic>
#include <cctype>

#include "llm/ndjson.h"
#include "llm/prompt_check.h"
#include "llm/provider_errors.h"

namespace mh::llm {

struct ProviderModel::Shared {
  ModelSpec spec;
  std::unique_ptr<ProtocolCodec> codec;
  PriceTable prices;
  std::shared_ptr<UsageMeter> meter;  // May be null.
  std::string url;                    // Of the requests, for error messages.
  ModelLimits limits;
  // Learnt from a 500 "Cannot use tools with stream" (older llama.cpp servers): requests
  // with tools go without streaming from then on. Mutable: calls in flight set it.
  mutable std::atomic<bool> no_stream_with_tools{false};
};

namespace {

constexpr char kUserAgent[] = "macrohard/" MH_VERSION;

// The request as sent: the codec's encoding plus what every request carries. max_tokens
// is fitted to the model's limits, the prompt estimated from the encoded body (4 bytes a
// token, which errs on the side of a shorter reply, never on a refused request).
Result<HttpRequest> EncodeRequest(const std::shared_ptr<const ProviderModel::Shared>& shared,
                                  ModelRequest& request) {
  ASSIGN_OR_RETURN(HttpRequest http, shared->codec->Encode(request));
  int fitted =
      FitMaxTokens(request.max_tokens, shared->limits, static_cast<int64_t>(http.body.size() / 4));
  if (fitted != request.max_tokens) {
    request.max_tokens = fitted;
    ASSIGN_OR_RETURN(http, shared->codec->Encode(request));
  }
  http.headers.push_back({"User-Agent", kUserAgent});
  // Errors that cannot succeed are not resent (429 insufficient_quota, ...).
  http.retryable = [shared](int status, std::string_view body) {
    return !IsPermanentHttpError(status, shared->codec->ParseError(body));
  };
  return http;
}

constexpr size_t kMaxErrorBody = 64 << 10;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The prompt's size in tokens as ProviderModel estimates it: 4 bytes of the encoded body a
// token.
int64_t EstimatedPromptTokens(const HttpRequest& http) {
  return static_cast<int64_t>(http.body.size() / 4);
}

bool StartsLikeSse(std::string_view bytes) {
  return bytes.starts_with("data:") || bytes.starts_with("event:") || bytes.starts_with(":");
}

// Receives one call's HTTP response and turns it into the observer's OnComplete.
// Runs on the transport's loop thread only.
class CallHandler final : public HttpHandler {
 public:
  // `request` is kept only when it could need the non-streaming fallback. `prompt_tokens`
  // is the estimate of what was sent, checked against what the server says it read.
  CallHandler(std::shared_ptr<const ProviderModel::Shared> shared, HttpTransport& transport,
              ModelRequest request, std::unique_ptr<CompletionObserver> observer,
              int64_t prompt_tokens)
      : shared_(std::move(shared)),
        transport_(transport),
        stream_requested_(request.stream),
        max_tokens_(request.max_tokens),  // As fitted and sent.
        prompt_tokens_(prompt_tokens),
        observer_(std::move(observer)) {
    if (request.stream && !request.tools.empty()) fallback_request_ = std::move(request);
  }

  void OnHead(const HttpResponseHead& head) override {
    status_ = head.status;
    attempts_ = head.attempts;
    if (const std::string* type = head.Find("content-type")) content_type_ = Lower(*type);
  }

  bool OnData(std::string_view bytes) override {
    if (!error_.ok()) return false;
    if (mode_ == Mode::kUndecided) Decide(bytes);
    if (mode_ != Mode::kBuffer) return FeedStream(bytes);
    size_t limit = Ok2xx() ? kMaxReplyBytes : kMaxErrorBody;
    if (body_.size() + bytes.size() > limit) {
      if (!Ok2xx()) return true;  // Keep the start of an error body; drop the rest.
      error_ = ResourceExhaustedError(shared_->spec.provider + ": reply from " + shared_->url +
                                      " is larger than " + std::to_string(limit) + " bytes");
      return false;
    }
    body_.append(bytes);
    return true;
  }

  void OnDone(Status status) override {
    if (status.ok() && RetryWithoutStreaming()) return;
    Result<ModelResponse> result = Finish(status);
    if (result.ok()) {
      ModelResponse& response = *result;
      response.max_tokens = max_tokens_;
      response.estimated_prompt_tokens = prompt_tokens_;
      const Usage& u = response.usage;
      response.prompt_cut_warning = PromptCutWarning(
          u.input_tokens + u.cache_read_tokens + u.cache_write_tokens, prompt_tokens_);
      if (const ModelPrice* price = shared_->prices.Find(shared_->spec.name)) {
        response.cost_usd = CostOf(*price, response.usage);
        response.priced = true;
      }
      if (shared_->meter) {
        shared_->meter->Record(shared_->spec.name, response.usage, response.cost_usd,
                               response.priced);
      }
    }
    observer_->OnComplete(std::move(result));
  }

 private:
  enum class Mode { kUndecided, kSse, kNdjson, kBuffer };

  bool Ok2xx() const { return status_ >= 200 && status_ < 300; }

  // A server that cannot stream tool calls gets the same request once more, whole; the
  // model remembers, so later calls go whole at once. True when the retry was started.
  bool RetryWithoutStreaming() {
    if (!fallback_request_ || Ok2xx() || Streaming()) return false;
    if (!CannotStreamTools(status_, shared_->codec->ParseError(body_))) return false;
    shared_->no_stream_with_tools = true;
    ModelRequest request = std::move(*fallback_request_);
    fallback_request_.reset();
    request.stream = false;
    Result<HttpRequest> http = EncodeRequest(shared_, request);
    if (!http.ok()) return false;
    int64_t prompt_tokens = EstimatedPromptTokens(*http);
    transport_.Start(std::move(*http),
                     std::make_unique<CallHandler>(shared_, transport_, std::move(request),
                                                   std::move(observer_), prompt_tokens));
    return true;
  }

  bool Streaming() const { return mode_ == Mode::kSse || mode_ == Mode::kNdjson; }

  // A streamed reply is read as SSE when the server says so, or when it plainly is SSE
  // under another content type; as NDJSON (codecs that stream so) unless it says it is one
  // JSON document (application/json); anything else (JSON, an error, HTML) is buffered.
  void Decide(std::string_view first_bytes) {
    mode_ = Mode::kBuffer;
    if (!stream_requested_ || !Ok2xx()) return;
    bool says_json = content_type_.find("json") != std::string::npos;
    if (shared_->codec->framing() == StreamFraming::kNdjson) {
      bool ndjson = content_type_.find("ndjson") != std::string::npos || !says_json;
      if (ndjson) mode_ = Mode::kNdjson;
    } else {
      bool sse = content_type_.find("event-stream") != std::string::npos ||
                 (!says_json && StartsLikeSse(first_bytes));
      if (sse) mode_ = Mode::kSse;
    }
    if (Streaming()) decoder_ = shared_->codec->NewStreamDecoder();
  }

  void OnStreamEvent(SseEvent&& event) {
    if (!error_.ok()) return;
    ++events_;
    try {
      error_ = decoder_->OnEvent(event, *observer_);
    } catch (const std::exception& e) {
      // Defensive: decoders read JSON without throwing accessors, but a library
      // exception must not cross the loop thread.
      error_ = NotProtocolStatus(shared_->spec, e.what());
    }
  }

  bool FeedStream(std::string_view bytes) {
    streamed_bytes_ += bytes.size();
    if (streamed_bytes_ > kMaxReplyBytes) {
      error_ =
          ResourceExhaustedError(shared_->spec.provider + ": stream from " + shared_->url +
                                 " is larger than " + std::to_string(kMaxReplyBytes) + " bytes");
      return false;
    }
    Status parsed =
        mode_ == Mode::kSse
            ? parser_.Feed(bytes, [this](SseEvent&& event) { OnStreamEvent(std::move(event)); })
            : ndjson_.Feed(bytes, [this](std::string_view line) {
                OnStreamEvent(SseEvent{.event = "", .data = std::string(line)});
              });
    if (error_.ok() && !parsed.ok()) {
      error_ = Status(parsed.code(),
                      shared_->spec.provider + ": " + parsed.message() + " from " + shared_->url);
    }
    return error_.ok();
  }

  Status CutStatus(std::string_view why) const {
    return UnavailableError(shared_->spec.provider + ": stream cut after " +
                            std::to_string(events_) + " events (" + std::string(why) + ")");
  }

  Result<ModelResponse> Finish(const Status& transport_status) {
    if (!error_.ok()) return error_;
    const ModelSpec& spec = shared_->spec;
    if (mode_ == Mode::kUndecided && Ok2xx()) Decide("");
    if (!transport_status.ok()) {
      if (Streaming() && decoder_->state() == StreamState::kTerminated) {
        return decoder_->TakeResponse();  // Whole before the connection went.
      }
      if (Streaming() && transport_status.code() == StatusCode::kUnavailable) {
        return CutStatus(ScrubSecrets(transport_status.message(), spec.api_key));
      }
      return Status(transport_status.code(),
                    spec.provider + ": " + ScrubSecrets(transport_status.message(), spec.api_key));
    }
    if (!Ok2xx()) {
      return HttpErrorStatus(spec, shared_->url, status_, shared_->codec->ParseError(body_),
                             content_type_, body_, attempts_);
    }
    if (Streaming()) {
      bool partial = mode_ == Mode::kSse ? parser_.HasPartialEvent() : ndjson_.HasPartialLine();
      if (partial) return CutStatus("ended inside an event");
      if (decoder_->state() == StreamState::kOpen) return CutStatus("no end of reply");
      return decoder_->TakeResponse();
    }
    if (!LooksLikeJson(content_type_, body_)) {
      return NotJsonStatus(spec, shared_->url, content_type_, body_);
    }
    try {
      return shared_->codec->DecodeBody(body_);
    } catch (const std::exception& e) {
      return NotProtocolStatus(spec, e.what());
    }
  }

  std::shared_ptr<const ProviderModel::Shared> shared_;
  HttpTransport& transport_;
  bool stream_requested_;
  int max_tokens_;
  int64_t prompt_tokens_;
  std::optional<ModelRequest> fallback_request_;
  std::unique_ptr<CompletionObserver> observer_;
  int status_ = 0;
  int attempts_ = 1;
  std::string content_type_;
  Mode mode_ = Mode::kUndecided;
  std::string body_;
  SseParser parser_;
  NdjsonParser ndjson_;
  std::unique_ptr<StreamDecoder> decoder_;
  int64_t events_ = 0;
  size_t streamed_bytes_ = 0;
  Status error_;  // The first decoding error; ends the call.
};

}  // namespace

ProviderModel::ProviderModel(ModelSpec spec, std::unique_ptr<ProtocolCodec> codec,
                             HttpTransport& transport, PriceTable prices,
                             std::shared_ptr<UsageMeter> meter, ModelLimits limits)
    : transport_(transport) {
  auto shared = std::make_shared<Shared>();
  shared->spec = std::move(spec);
  shared->codec = std::move(codec);
  shared->prices = std::move(prices);
  shared->meter = std::move(meter);
  shared->url = shared->codec->url();
  shared->limits = limits;
  shared_ = std::move(shared);
}

ProviderModel::~ProviderModel() = default;

const std::string& ProviderModel::name() const { return shared_->spec.name; }
ModelLimits ProviderModel::limits() const { return shared_->limits; }

CallId ProviderModel::Complete(ModelRequest request, std::unique_ptr<CompletionObserver> observer) {
  if (!request.tools.empty() && shared_->no_stream_with_tools) request.stream = false;
  Result<HttpRequest> http = EncodeRequest(shared_, request);
  if (!http.ok()) {
    // std::function needs a copyable callable, so the observer rides in a shared_ptr.
    std::shared_ptr<CompletionObserver> owned = std::move(observer);
    Status error = http.error().WithContext(shared_->spec.provider);
    transport_.RunAfter(std::chrono::milliseconds(0), [owned, error] { owned->OnComplete(error); });
    return 0;
  }
  int64_t prompt_tokens = EstimatedPromptTokens(*http);
  return transport_.Start(std::move(*http),
                          std::make_unique<CallHandler>(shared_, transport_, std::move(request),
                                                        std::move(observer), prompt_tokens));
}

void ProviderModel::Cancel(CallId id) {
  if (id != 0) transport_.Cancel(id);
}

}  // namespace mh::llm
