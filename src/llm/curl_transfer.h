// CurlTransfer: one HTTP request on a libcurl easy handle, as driven by CurlTransport.
//
// Internal to llm/. It turns libcurl's callbacks into HttpHandler calls (OnHead once,
// before the first OnData; interim 1xx responses skipped), keeps the first-byte, idle
// and total deadlines that libcurl does not know, and maps a CURLcode to a Status whose
// message never holds a header value. Not thread-safe: after construction, only the
// loop thread touches it.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "llm/http_transport.h"

namespace mh::llm {

// Told when a transfer's nearest deadline moved earlier than the one it last reported,
// so the loop can arm a timer for it.
class DeadlineListener {
 public:
  virtual ~DeadlineListener() = default;
  virtual void OnDeadlineEarlier(RequestId id, SteadyTime deadline) = 0;
};

class CurlTransfer {
 public:
  // Builds the easy handle. A request that cannot be set up (e.g. an empty URL) still
  // makes a transfer, whose setup_error() is then not ok.
  CurlTransfer(RequestId id, HttpRequest request, std::unique_ptr<HttpHandler> handler);
  ~CurlTransfer();
  CurlTransfer(const CurlTransfer&) = delete;
  CurlTransfer& operator=(const CurlTransfer&) = delete;

  RequestId id() const { return id_; }
  CURL* easy() const { return easy_; }
  const Status& setup_error() const { return setup_error_; }

  // Called when the transfer joins the multi handle: arms the total deadline.
  void Begin(SteadyTime now, DeadlineListener* listener);

  // The nearest of the first-byte, idle, total and progress-rate deadlines; nullopt when
  // none runs.
  std::optional<SteadyTime> NextDeadline() const;
  // The timeout that has run out at `now`, as kDeadlineExceeded; Ok when none has. A rate
  // window that ends with enough bytes starts the next one.
  Status CheckDeadlines(SteadyTime now);
  // The due time of the timer the loop has armed for this transfer (stale ones are skipped).
  std::optional<SteadyTime> armed_at() const { return armed_at_; }
  void set_armed_at(std::optional<SteadyTime> t) { armed_at_ = t; }

  // The outcome of a transfer that libcurl finished with `code`.
  Status StatusFromCurl(CURLcode code) const;
  // Gives the handler its one OnDone. Later calls do nothing.
  void Finish(Status status);

 private:
  static size_t OnHeaderLine(char* data, size_t size, size_t count, void* self);
  static size_t OnBody(char* data, size_t size, size_t count, void* self);
  static int OnPrereq(void* self, char* conn_primary_ip, char* conn_local_ip, int conn_primary_port,
                      int conn_local_port);

  Status Setup();
  void HeaderLine(std::string_view line);
  bool DeliverHead();
  void ByteArrived();
  void ReportDeadline();

  const RequestId id_;
  HttpRequest request_;  // Owns the body libcurl sends from (CURLOPT_POSTFIELDS).
  std::unique_ptr<HttpHandler> handler_;
  CURL* easy_ = nullptr;
  curl_slist* header_list_ = nullptr;
  Status setup_error_;
  char error_buffer_[CURL_ERROR_SIZE] = {};

  HttpResponseHead head_;
  bool head_delivered_ = false;
  bool handler_aborted_ = false;
  bool sent_ = false;  // Connected and sending: errors now are the server's.
  bool done_ = false;

  DeadlineListener* listener_ = nullptr;
  std::optional<SteadyTime> first_byte_deadline_;
  std::optional<SteadyTime> idle_deadline_;
  std::optional<SteadyTime> total_deadline_;
  std::optional<SteadyTime> window_end_;  // The current rate window, once the body flows.
  int64_t window_bytes_ = 0;              // Body bytes in the current rate window.
  std::optional<SteadyTime> armed_at_;
};

}  // namespace mh::llm
