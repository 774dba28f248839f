#include "testing/http_response.h"

#include <cstdio>
#include <string_view>

namespace mh::testing {
namespace {

std::string_view Reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Payload Too Large";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    case 529:
      return "Overloaded";
    default:
      return "Status";
  }
}

std::string Chunk(std::string_view data) {
  char size[24];
  int n = std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
  std::string out(size, static_cast<size_t>(n));
  out.append(data).append("\r\n");
  return out;
}

}  // namespace

namespace {

std::string SerializeResponseHead(const HttpResponse& r, bool keep_alive) {
  std::string head = "HTTP/1.1 " + std::to_string(r.status) + " " + std::string(Reason(r.status)) +
                     "\r\nServer: mh-fake-llm\r\nContent-Type: " + r.content_type + "\r\n";
  if (r.streaming) {
    head += "Transfer-Encoding: chunked\r\n";
  } else {
    head += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  }
  for (const auto& [name, value] : r.headers) head += name + ": " + value + "\r\n";
  head += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  return head;
}

}  // namespace

std::string SerializeResponse(const HttpResponse& r, bool keep_alive, bool head_only) {
  using Ending = HttpResponse::Ending;
  if (r.ending == Ending::kStall && !r.streaming) return "";
  std::string out = SerializeResponseHead(r, keep_alive);
  if (head_only || r.ending == Ending::kStall) return out;
  if (!r.streaming) {
    out += r.ending == Ending::kCut ? r.body.substr(0, r.body.size() / 2) : r.body;
    return out;
  }
  for (size_t i = 0; i < r.events.size(); ++i) {
    if (r.ending == Ending::kCut && i == r.cut_after_events) {
      // The chunk announces the whole event but only half of it follows.
      const std::string& e = r.events[i];
      std::string chunk = Chunk(e);
      out += chunk.substr(0, chunk.size() - 2 - e.size() + e.size() / 2);
      return out;
    }
    out += Chunk(r.events[i]);
  }
  out += "0\r\n\r\n";
  return out;
}

}  // namespace mh::testing
