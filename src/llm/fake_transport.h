// FakeTransport: an HttpTransport for tests that answers requests with canned bytes.
//
// Each Start() records the request and, when a canned reply is queued, plays it at once
// on the calling thread (OnHead, OnData per chunk, OnDone), so tests need no threads.
// Without a queued reply the request stays pending until Play() or Cancel(). RunAfter
// runs its function at once. Not thread-safe: one test thread only.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "llm/http_transport.h"

namespace mh::llm::testing {

struct CannedReply {
  int status = 200;
  std::vector<HttpHeader> headers;
  std::vector<std::string> chunks;  // The body, in the pieces OnData gets.
  Status done;                      // What OnDone gets after the last chunk.
};

// A reply of `content_type` whose body is `body` cut into pieces of `piece` bytes.
inline CannedReply Reply(int status, std::string content_type, const std::string& body,
                         size_t piece = 0) {
  CannedReply reply;
  reply.status = status;
  reply.headers.push_back({"content-type", std::move(content_type)});
  if (piece == 0) piece = body.size() == 0 ? 1 : body.size();
  for (size_t i = 0; i < body.size(); i += piece) reply.chunks.push_back(body.substr(i, piece));
  return reply;
}

// A Server-Sent Events stream of `data` lines (each its own event, optionally named).
inline std::string SseBody(const std::vector<std::pair<std::string, std::string>>& events) {
  std::string out;
  for (const auto& [name, data] : events) {
    if (!name.empty()) out += "event: " + name + "\n";
    out += "data: " + data + "\n\n";
  }
  return out;
}

class FakeTransport final : public HttpTransport {
 public:
  void Enqueue(CannedReply reply) { queue_.push_back(std::move(reply)); }

  RequestId Start(HttpRequest request, std::unique_ptr<HttpHandler> handler) override {
    RequestId id = ++next_id_;
    requests_.push_back(std::move(request));
    pending_[id] = std::move(handler);
    if (!queue_.empty()) {
      CannedReply reply = std::move(queue_.front());
      queue_.pop_front();
      Play(id, reply);
    }
    return id;
  }

  void Cancel(RequestId id) override {
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    std::unique_ptr<HttpHandler> handler = std::move(it->second);
    pending_.erase(it);
    handler->OnDone(CancelledError("cancelled"));
  }

  void RunAfter(std::chrono::milliseconds, std::function<void()> fn) override { fn(); }

  // Answers pending request `id` with `reply`.
  void Play(RequestId id, const CannedReply& reply) {
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    std::unique_ptr<HttpHandler> handler = std::move(it->second);
    pending_.erase(it);
    HttpResponseHead head;
    head.status = reply.status;
    head.headers = reply.headers;
    handler->OnHead(head);
    for (const std::string& chunk : reply.chunks) {
      if (!handler->OnData(chunk)) {
        handler->OnDone(CancelledError("aborted by handler"));
        return;
      }
    }
    handler->OnDone(reply.done);
  }

  const std::vector<HttpRequest>& requests() const { return requests_; }
  size_t pending() const { return pending_.size(); }

 private:
  RequestId next_id_ = 0;
  std::deque<CannedReply> queue_;
  std::map<RequestId, std::unique_ptr<HttpHandler>> pending_;
  std::vector<HttpRequest> requests_;
};

}  // namespace mh::llm::testing
