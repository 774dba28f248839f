#include "testing/test_http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cctype>

namespace mh::testing {

std::vector<TestSseEvent> ParseSse(std::string_view body) {
  std::vector<TestSseEvent> events;
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find("\n\n", start);
    if (end == std::string_view::npos) end = body.size();
    std::string_view block = body.substr(start, end - start);
    TestSseEvent e;
    bool any = false;
    size_t line_start = 0;
    while (line_start <= block.size()) {
      size_t nl = block.find('\n', line_start);
      if (nl == std::string_view::npos) nl = block.size();
      std::string_view line = block.substr(line_start, nl - line_start);
      if (line.rfind("event: ", 0) == 0) {
        e.event = line.substr(7);
        any = true;
      } else if (line.rfind("data: ", 0) == 0) {
        e.data += (e.data.empty() ? "" : "\n") + std::string(line.substr(6));
        any = true;
      }
      line_start = nl + 1;
    }
    if (any) events.push_back(std::move(e));
    start = end + 2;
  }
  return events;
}

std::string PostRequest(std::string_view path, std::string_view body,
                        const std::vector<std::string>& extra_headers) {
  std::string r =
      "POST " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
      "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  for (const std::string& h : extra_headers) r += h + "\r\n";
  r += "\r\n";
  r += body;
  return r;
}

TestConnection::TestConnection(int port, int timeout_ms) {
  fd_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  EXPECT_TRUE(fd_.valid());
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd_.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
}

void TestConnection::Send(std::string_view bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_.get(), bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    ASSERT_GT(n, 0) << "send failed";
    sent += static_cast<size_t>(n);
  }
}

bool TestConnection::Fill() {
  char buf[16384];
  ssize_t n = ::recv(fd_.get(), buf, sizeof(buf), 0);
  if (n <= 0) return false;
  buffer_.append(buf, static_cast<size_t>(n));
  return true;
}

bool TestConnection::ReadLine(std::string& line) {
  size_t end;
  while ((end = buffer_.find("\r\n")) == std::string::npos) {
    if (!Fill()) return false;
  }
  line = buffer_.substr(0, end);
  buffer_.erase(0, end + 2);
  return true;
}

bool TestConnection::ReadExactly(size_t n, std::string& out) {
  while (buffer_.size() < n) {
    if (!Fill()) {
      out += buffer_;
      buffer_.clear();
      return false;
    }
  }
  out += buffer_.substr(0, n);
  buffer_.erase(0, n);
  return true;
}

TestResponse TestConnection::ReadResponse(bool stop_at_continue, bool no_body) {
  TestResponse r;
  std::string line;
  while (true) {
    if (!ReadLine(line)) return r;
    r.status = line.size() >= 12 ? std::stoi(line.substr(9, 3)) : 0;
    r.headers.clear();
    while (ReadLine(line) && !line.empty()) {
      size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      r.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    if (r.status != 100 || stop_at_continue) break;
  }
  if (r.status == 100 || no_body) {
    r.complete = true;
    return r;
  }
  if (r.headers["transfer-encoding"] == "chunked") {
    while (ReadLine(line)) {
      size_t size = std::stoul(line, nullptr, 16);
      if (size == 0) {
        r.complete = ReadLine(line);
        return r;
      }
      if (!ReadExactly(size, r.body) || !ReadLine(line)) return r;
    }
    return r;
  }
  if (r.headers.contains("content-length")) {
    r.complete = ReadExactly(std::stoul(r.headers["content-length"]), r.body);
    return r;
  }
  while (Fill()) {
  }
  r.body = std::move(buffer_);
  r.complete = true;
  return r;
}

bool TestConnection::ReadsEof() {
  char c;
  return buffer_.empty() && ::recv(fd_.get(), &c, 1, 0) == 0;
}

TestResponse Exchange(int port, const std::string& request) {
  TestConnection conn(port);
  conn.Send(request);
  return conn.ReadResponse();
}

}  // namespace mh::testing
