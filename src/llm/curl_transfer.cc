#include "llm/curl_transfer.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

#include "base/secrets.h"

namespace mh::llm {
namespace {

// libcurl's receive buffer per transfer. Provider replies arrive in small SSE pieces, so a
// small buffer costs no speed and keeps 10,000 requests in flight cheap.
constexpr long kReceiveBufferBytes = 8 * 1024;

std::string ToLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool HasHeader(const std::vector<HttpHeader>& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const HttpHeader& h) { return ToLower(h.name) == name; });
}

std::string Millis(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

}  // namespace

CurlTransfer::CurlTransfer(RequestId id, HttpRequest request, std::unique_ptr<HttpHandler> handler)
    : id_(id), request_(std::move(request)), handler_(std::move(handler)) {
  setup_error_ = Setup();
}

CurlTransfer::~CurlTransfer() {
  if (easy_ != nullptr) curl_easy_cleanup(easy_);
  if (header_list_ != nullptr) curl_slist_free_all(header_list_);
}

Status CurlTransfer::Setup() {
  if (request_.url.empty()) return InvalidArgumentError("HTTP request without a URL");
  easy_ = curl_easy_init();
  if (easy_ == nullptr) return InternalError("curl_easy_init failed");
  for (const HttpHeader& h : request_.headers) {
    std::string line = h.name + ": " + h.value;
    curl_slist* grown = curl_slist_append(header_list_, line.c_str());
    if (grown == nullptr) return InternalError("curl_slist_append failed");
    header_list_ = grown;
  }
  // Without this libcurl waits for "100 Continue" before sending a large body.
  if (!HasHeader(request_.headers, "expect")) {
    header_list_ = curl_slist_append(header_list_, "Expect:");
  }
  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(easy_, option, value);
  };
  set(CURLOPT_URL, request_.url.c_str());
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_PRIVATE, static_cast<void*>(this));
  set(CURLOPT_ERRORBUFFER, error_buffer_);
  set(CURLOPT_BUFFERSIZE, kReceiveBufferBytes);
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request_.timeouts.connect.count()));
  set(CURLOPT_HTTPHEADER, header_list_);
  set(CURLOPT_HEADERFUNCTION, &CurlTransfer::OnHeaderLine);
  set(CURLOPT_HEADERDATA, static_cast<void*>(this));
  set(CURLOPT_WRITEFUNCTION, &CurlTransfer::OnBody);
  set(CURLOPT_WRITEDATA, static_cast<void*>(this));
  set(CURLOPT_PREREQFUNCTION, &CurlTransfer::OnPrereq);
  set(CURLOPT_PREREQDATA, static_cast<void*>(this));
  if (request_.method == "GET") {
    set(CURLOPT_HTTPGET, 1L);
  } else {
    if (request_.method != "POST") set(CURLOPT_CUSTOMREQUEST, request_.method.c_str());
    if (request_.method == "POST" || !request_.body.empty()) {
      set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request_.body.size()));
      set(CURLOPT_POSTFIELDS, request_.body.data());
    }
  }
  if (rc != CURLE_OK) {
    return InvalidArgumentError(std::string("HTTP request rejected: ") + curl_easy_strerror(rc));
  }
  return Status::Ok();
}

void CurlTransfer::Begin(SteadyTime now, DeadlineListener* listener) {
  listener_ = listener;
  if (request_.timeouts.total.count() > 0) total_deadline_ = now + request_.timeouts.total;
  ReportDeadline();
}

std::optional<SteadyTime> CurlTransfer::NextDeadline() const {
  std::optional<SteadyTime> next = total_deadline_;
  for (const auto& d : {first_byte_deadline_, idle_deadline_, window_end_}) {
    if (d && (!next || *d < *next)) next = d;
  }
  return next;
}

Status CurlTransfer::CheckDeadlines(SteadyTime now) {
  if (total_deadline_ && now >= *total_deadline_) {
    return DeadlineExceededError("HTTP total timeout: the request took longer than " +
                                 Millis(request_.timeouts.total));
  }
  if (first_byte_deadline_ && now >= *first_byte_deadline_) {
    return DeadlineExceededError("HTTP first-byte timeout: no response within " +
                                 Millis(request_.timeouts.first_byte) + " of sending");
  }
  if (idle_deadline_ && now >= *idle_deadline_) {
    return DeadlineExceededError("HTTP idle timeout: no data for " +
                                 Millis(request_.timeouts.idle) + " mid-response");
  }
  if (window_end_ && now >= *window_end_) {
    if (window_bytes_ < request_.timeouts.min_bytes_per_window) {
      return DeadlineExceededError(
          "HTTP response too slow: " + std::to_string(window_bytes_) + " bytes in " +
          Millis(request_.timeouts.rate_window) + " (at least " +
          std::to_string(request_.timeouts.min_bytes_per_window) + " expected)");
    }
    window_bytes_ = 0;
    window_end_ = now + request_.timeouts.rate_window;
  }
  return Status::Ok();
}

void CurlTransfer::ReportDeadline() {
  std::optional<SteadyTime> next = NextDeadline();
  if (listener_ != nullptr && next && (!armed_at_ || *next < *armed_at_)) {
    listener_->OnDeadlineEarlier(id_, *next);
  }
}

Status CurlTransfer::StatusFromCurl(CURLcode code) const {
  std::string detail = RedactSecrets(error_buffer_[0] != '\0' ? std::string(error_buffer_)
                                                              : curl_easy_strerror(code));
  const char* where = head_delivered_ ? " mid-response" : " before the response";
  switch (code) {
    case CURLE_OK:
      if (head_delivered_) return Status::Ok();
      return UnavailableError("HTTP connection closed without a response");
    case CURLE_WRITE_ERROR:
      if (handler_aborted_) return CancelledError("HTTP transfer stopped by its handler");
      return UnavailableError("HTTP write error: " + detail);
    case CURLE_OPERATION_TIMEDOUT:
      return DeadlineExceededError("HTTP connect timeout: no connection within " +
                                   Millis(request_.timeouts.connect));
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return UnavailableError("HTTP connect failed: " + detail);
    case CURLE_GOT_NOTHING:
      return UnavailableError("HTTP connection closed without a response");
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
      return UnavailableError(std::string("HTTP connection broke") + where + ": " + detail);
    case CURLE_WEIRD_SERVER_REPLY:
      return UnavailableError("HTTP reply is not HTTP: " + detail);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      // Once sent, this is the reply's fault (libcurl's word for an HTTP/0.9 reply).
      if (sent_) return UnavailableError("HTTP reply is not HTTP: " + detail);
      return InvalidArgumentError("HTTP request has a bad URL: " + detail);
    default:
      return UnavailableError(std::string("HTTP transfer failed") + where + ": " + detail);
  }
}

void CurlTransfer::Finish(Status status) {
  if (done_) return;
  done_ = true;
  handler_->OnDone(std::move(status));
}

size_t CurlTransfer::OnHeaderLine(char* data, size_t size, size_t count, void* self) {
  static_cast<CurlTransfer*>(self)->HeaderLine(std::string_view(data, size * count));
  return size * count;
}

void CurlTransfer::HeaderLine(std::string_view line) {
  ByteArrived();
  if (head_delivered_) return;  // Trailers after a chunked body.
  if (line.starts_with("HTTP/")) {
    // A new status line: a previous interim (1xx) response, if any, is forgotten.
    head_ = HttpResponseHead();
    std::string_view rest =
        line.substr(line.find(' ') == std::string_view::npos ? line.size() : line.find(' ') + 1);
    std::from_chars(rest.data(), rest.data() + rest.size(), head_.status);
    return;
  }
  std::string_view trimmed = Trim(line);
  if (trimmed.empty()) {
    if (head_.status >= 200) DeliverHead();
    return;
  }
  if ((line.front() == ' ' || line.front() == '\t') && !head_.headers.empty()) {
    head_.headers.back().value += " " + std::string(trimmed);  // Obsolete line folding.
    return;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return;
  head_.headers.push_back(
      {ToLower(Trim(line.substr(0, colon))), std::string(Trim(line.substr(colon + 1)))});
}

bool CurlTransfer::DeliverHead() {
  if (head_delivered_) return true;
  head_delivered_ = true;
  if (head_.status == 0) {
    long code = 0;
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &code);
    head_.status = static_cast<int>(code);
  }
  handler_->OnHead(head_);
  head_ = HttpResponseHead();  // Delivered; no need to keep the headers for the whole body.
  return true;
}

size_t CurlTransfer::OnBody(char* data, size_t size, size_t count, void* self_ptr) {
  auto* self = static_cast<CurlTransfer*>(self_ptr);
  self->ByteArrived();
  self->DeliverHead();
  self->window_bytes_ += static_cast<int64_t>(size * count);
  if (!self->window_end_ && self->request_.timeouts.min_bytes_per_window > 0 &&
      self->request_.timeouts.rate_window.count() > 0) {
    self->window_end_ = std::chrono::steady_clock::now() + self->request_.timeouts.rate_window;
    self->ReportDeadline();
  }
  if (!self->handler_->OnData(std::string_view(data, size * count))) {
    self->handler_aborted_ = true;
    return 0;  // libcurl ends the transfer with CURLE_WRITE_ERROR.
  }
  return size * count;
}

int CurlTransfer::OnPrereq(void* self_ptr, char*, char*, int, int) {
  // Connected (or reused) and about to send: the first-byte clock starts now.
  auto* self = static_cast<CurlTransfer*>(self_ptr);
  self->sent_ = true;
  if (self->request_.timeouts.first_byte.count() > 0 && !self->idle_deadline_) {
    self->first_byte_deadline_ =
        std::chrono::steady_clock::now() + self->request_.timeouts.first_byte;
    self->ReportDeadline();
  }
  return CURL_PREREQFUNC_OK;
}

void CurlTransfer::ByteArrived() {
  first_byte_deadline_.reset();
  if (request_.timeouts.idle.count() <= 0) return;
  bool had_idle = idle_deadline_.has_value();
  idle_deadline_ = std::chrono::steady_clock::now() + request_.timeouts.idle;
  // Later deadlines need no new timer: the armed one re-arms itself when it fires.
  if (!had_idle) ReportDeadline();
}

}  // namespace mh::llm
