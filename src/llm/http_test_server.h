// LoopbackServer: a tiny scripted HTTP server on 127.0.0.1:0, for the transport's tests.
//
// Each accepted connection reads one request, then plays the next script (the last one
// repeats): write canned bytes, pause, stall until the client goes, or reset. Raw bytes
// make cut streams, stalls and resets easy to stage, which a real server would not do.
// A thread per connection: test-only, never for production. Thread-safe accessors.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mh::llm::test {

struct Step {
  enum class Kind { kWrite, kPause, kStall, kReset };
  Kind kind;
  std::string bytes;  // kWrite
  int ms = 0;         // kPause
};
using Script = std::vector<Step>;

inline Step Write(std::string bytes) { return {Step::Kind::kWrite, std::move(bytes)}; }
inline Step Pause(int ms) { return {Step::Kind::kPause, "", ms}; }
inline Step Stall() { return {Step::Kind::kStall, ""}; }
inline Step Reset() { return {Step::Kind::kReset, ""}; }

// A whole response with Content-Length and "Connection: close".
inline std::string Response(int status, const std::string& body,
                            const std::vector<std::string>& headers = {}) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " Status\r\n";
  for (const std::string& h : headers) out += h + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  return out + body;
}

// Response head for a body sent in pieces afterwards (ends at connection close).
inline std::string StreamHead(int status = 200) {
  return "HTTP/1.1 " + std::to_string(status) +
         " OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
         "Connection: close\r\n\r\n";
}
inline std::string Chunk(const std::string& data) {
  char size[32];
  snprintf(size, sizeof(size), "%zx\r\n", data.size());
  return size + data + "\r\n";
}
inline std::string LastChunk() { return "0\r\n\r\n"; }

class LoopbackServer {
 public:
  explicit LoopbackServer(std::vector<Script> scripts) : scripts_(std::move(scripts)) {
    stop_fd_ = eventfd(0, EFD_CLOEXEC);
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    listen(listen_fd_, 1024);
    socklen_t len = sizeof(addr);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }
  ~LoopbackServer() {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(stop_fd_, &one, sizeof(one));
    acceptor_.join();
    for (std::thread& t : workers_) t.join();
    close(listen_fd_);
    close(stop_fd_);
  }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  int port() const { return port_; }
  std::string Url(const std::string& path = "/v1/chat/completions") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  // The raw requests read so far (head and body).
  std::vector<std::string> Requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  // Blocks until `n` requests have been read, or 10 s pass. True when they have.
  bool WaitForRequests(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return requests_.size() >= n; });
  }

 private:
  // Waits until `fd` is readable or the server stops; false on stop.
  bool WaitReadable(int fd) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    while (poll(fds, 2, -1) < 0) {
    }
    return (fds[1].revents & POLLIN) == 0;
  }

  void AcceptLoop() {
    size_t index = 0;
    while (WaitReadable(listen_fd_)) {
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      const Script& script = scripts_[std::min(index++, scripts_.size() - 1)];
      workers_.emplace_back([this, fd, &script] { Serve(fd, script); });
    }
  }

  void Serve(int fd, const Script& script) {
    if (ReadRequest(fd)) Play(fd, script);
    close(fd);
  }

  bool ReadRequest(int fd) {
    std::string data;
    size_t need = std::string::npos;
    char buf[16384];
    while (need == std::string::npos || data.size() < need) {
      if (!WaitReadable(fd)) return false;
      ssize_t n = read(fd, buf, sizeof(buf));
      if (n <= 0) return false;
      data.append(buf, static_cast<size_t>(n));
      size_t end = data.find("\r\n\r\n");
      if (need == std::string::npos && end != std::string::npos) {
        need = end + 4 + ContentLength(data.substr(0, end));
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(data);
    cv_.notify_all();
    return true;
  }

  static size_t ContentLength(const std::string& head) {
    for (const char* name : {"Content-Length: ", "content-length: "}) {
      size_t at = head.find(name);
      if (at != std::string::npos) return std::stoul(head.substr(at + strlen(name)));
    }
    return 0;
  }

  void Play(int fd, const Script& script) {
    for (const Step& step : script) {
      switch (step.kind) {
        case Step::Kind::kWrite:
          if (send(fd, step.bytes.data(), step.bytes.size(), MSG_NOSIGNAL) < 0) return;
          break;
        case Step::Kind::kPause:
          std::this_thread::sleep_for(std::chrono::milliseconds(step.ms));  // Staging, not waiting.
          break;
        case Step::Kind::kStall: {
          char buf[256];
          while (WaitReadable(fd) && read(fd, buf, sizeof(buf)) > 0) {
          }
          return;
        }
        case Step::Kind::kReset: {
          linger hard{1, 0};
          setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
          return;
        }
      }
    }
  }

  const std::vector<Script> scripts_;
  int stop_fd_ = -1;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::vector<std::thread> workers_;  // Touched by the acceptor thread, then the destructor.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> requests_;  // GUARDED_BY(mu_)
};

}  // namespace mh::llm::test
