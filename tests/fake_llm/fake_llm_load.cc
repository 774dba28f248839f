// fake-llm-load: N concurrent streaming requests against a fake LLM server, from one
// epoll thread, to check that the server holds them (tests/fake_llm, bench/RESULTS.md).
//
//   fake-llm-load --port P [--connections 10000] [--protocol chat|responses|anthropic]
//
// Prints one JSON line: connections, completed, failed, wall_ms, latency p50/p99/max.
// Exits non-zero unless every request completed with a whole stream.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Client {
  int fd = -1;
  std::string out;
  size_t sent = 0;
  std::string in;
  Clock::time_point start;
  bool done = false;
};

std::string RequestFor(const std::string& protocol) {
  nlohmann::json body = {{"model", "load"}, {"stream", true}, {"max_tokens", 100}};
  std::string path = "/v1/chat/completions";
  if (protocol == "responses") {
    path = "/v1/responses";
    body["input"] = "hello";
  } else {
    if (protocol == "anthropic") path = "/v1/messages";
    body["messages"] = {{{"role", "user"}, {"content", "hello"}}};
  }
  std::string text = body.dump();
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(text.size()) + "\r\n\r\n" + text;
}

// A whole chunked SSE response ends with the zero chunk.
bool Complete(const std::string& in) {
  return in.size() >= 5 && in.compare(in.size() - 5, 5, "0\r\n\r\n") == 0;
}

int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 &&
      errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void Pump(Client& c, uint32_t events, int& finished, int& failed) {
  if (c.sent < c.out.size() && (events & EPOLLOUT)) {
    ssize_t n = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
    if (n > 0) c.sent += static_cast<size_t>(n);
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
    char buf[16384];
    while (true) {
      ssize_t n = ::recv(c.fd, buf, sizeof(buf), 0);
      if (n > 0) {
        c.in.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EAGAIN) break;
      c.done = true;  // EOF or error before the end of the stream.
      ++failed;
      ++finished;
      return;
    }
  }
  if (Complete(c.in)) {
    c.done = true;
    ++finished;
    if (c.in.rfind("HTTP/1.1 200", 0) != 0) ++failed;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fake-llm-load: concurrent streaming requests against mh-fake-llm"};
  int port = 0, connections = 10000, timeout_s = 60;
  std::string protocol = "chat";
  app.add_option("--port", port)->required();
  app.add_option("--connections", connections);
  app.add_option("--protocol", protocol)->check(CLI::IsMember({"chat", "responses", "anthropic"}));
  app.add_option("--timeout", timeout_s, "seconds before giving up");
  CLI11_PARSE(app, argc, argv);

  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);

  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  std::string request = RequestFor(protocol);
  std::vector<Client> clients(static_cast<size_t>(connections));
  auto begin = Clock::now();
  int finished = 0, failed = 0;
  for (size_t i = 0; i < clients.size(); ++i) {
    Client& c = clients[i];
    c.fd = Connect(port);
    c.start = Clock::now();
    c.out = request;
    if (c.fd < 0) {
      c.done = true;
      ++failed;
      ++finished;
      continue;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u64 = i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
  }
  std::vector<double> latencies_ms;
  std::vector<epoll_event> events(1024);
  auto deadline = begin + std::chrono::seconds(timeout_s);
  while (finished < connections && Clock::now() < deadline) {
    int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 1000);
    for (int k = 0; k < n; ++k) {
      Client& c = clients[events[k].data.u64];
      if (c.done) continue;
      Pump(c, events[k].events, finished, failed);
      if (c.sent == c.out.size() && !c.done) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = events[k].data.u64;
        ::epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
      }
      if (c.done) {
        latencies_ms.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - c.start).count());
        ::close(c.fd);
      }
    }
  }
  double wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - begin).count();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double p) {
    return latencies_ms.empty() ? 0.0
                                : latencies_ms[static_cast<size_t>(p * (latencies_ms.size() - 1))];
  };
  int unfinished = connections - finished;
  nlohmann::json report = {{"connections", connections},    {"completed", finished - failed},
                           {"failed", failed + unfinished}, {"wall_ms", wall_ms},
                           {"latency_p50_ms", pct(0.5)},    {"latency_p99_ms", pct(0.99)},
                           {"latency_max_ms", pct(1.0)}};
  std::printf("%s\n", report.dump().c_str());
  return failed + unfinished == 0 ? 0 : 1;
}
