// The fake LLM server's socket side: one loop thread, non-blocking sockets, keep-alive,
// delays on the loop's timer heap. What to answer is FakeLlmHandler's business.
#include "testing/fake_llm_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "testing/event_loop.h"
#include "testing/fake_llm_handler.h"
#include "testing/http_request_parser.h"
#include "testing/request_log.h"

namespace mh::testing {
namespace {

constexpr int kListenBacklog = 65535;  // The kernel caps it at net.core.somaxconn.
constexpr size_t kReadChunk = 64 * 1024;
constexpr auto kLingerTimeout = std::chrono::seconds(2);

class FakeLlmServerImpl final : public FakeLlmServer {
 public:
  FakeLlmServerImpl(std::unique_ptr<EventLoop> loop, UniqueFd listener, int port, std::string host,
                    std::unique_ptr<RequestLog> log, Scenario scenario, size_t max_request_bytes)
      : loop_(std::move(loop)),
        listener_(std::move(listener)),
        port_(port),
        host_(std::move(host)),
        log_(std::move(log)),
        handler_(std::move(scenario), *log_),
        max_request_bytes_(max_request_bytes) {}

  ~FakeLlmServerImpl() override {
    loop_->Stop();
    if (thread_.joinable()) thread_.join();
  }

  Status Begin();
  int port() const override { return port_; }
  std::string base_url() const override { return "http://" + host_ + ":" + std::to_string(port_); }
  std::vector<Json> requests() const override { return log_->Records(); }

 private:
  struct Connection {
    Connection(int fd, size_t max_body) : fd(fd), parser(max_body) {}
    UniqueFd fd;
    HttpRequestParser parser;
    std::string out;
    size_t out_offset = 0;
    bool busy = false;             // A request is being answered.
    bool response_queued = false;  // The whole response is in `out`.
    bool keep_alive = true;
    bool close_after_write = false;
    bool continue_sent = false;
    bool want_write = false;  // EPOLLOUT is registered.
    bool draining = false;    // Write side shut; waiting for the client to go.
    bool closed = false;
    EventLoop::TimerId timer = 0;
  };

  void OnAccept();
  void OnEvent(Connection* c, uint32_t events);
  void ReadFrom(Connection* c);
  void ProcessInput(Connection* c);
  void Dispatch(Connection* c, const HttpRequest& request);
  void Respond(Connection* c, const HttpResponse& response, bool head_only);
  void Send(Connection* c, std::string data);
  void Flush(Connection* c);
  void FinishResponse(Connection* c);
  void StartDrain(Connection* c);
  void Close(Connection* c);
  void ReapClosed();

  // Destroyed last: connections unwatch themselves from it.
  std::unique_ptr<EventLoop> loop_;
  UniqueFd listener_;
  int port_;
  std::string host_;
  std::unique_ptr<RequestLog> log_;
  FakeLlmHandler handler_;
  size_t max_request_bytes_;
  bool accepting_ = true;
  // Loop thread only below.
  std::unordered_map<Connection*, std::unique_ptr<Connection>> connections_;
  std::vector<Connection*> closed_;
  std::thread thread_;
};

Status FakeLlmServerImpl::Begin() {
  RETURN_IF_ERROR(loop_->Watch(listener_.get(), EPOLLIN, [this](uint32_t) { OnAccept(); }));
  thread_ = std::thread([this] {
    try {
      loop_->Run();
    } catch (const std::exception& e) {
      spdlog::error("mh-fake-llm: event loop failed: {}", e.what());
    }
  });
  return Status::Ok();
}

void FakeLlmServerImpl::OnAccept() {
  while (true) {
    int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE) {
        // Out of descriptors: stop accepting until a connection closes.
        spdlog::warn("mh-fake-llm: accept: {}; pausing", strerror(errno));
        accepting_ = false;
        (void)loop_->Modify(listener_.get(), 0);
      }
      return;
    }
    auto conn = std::make_unique<Connection>(fd, max_request_bytes_);
    Connection* c = conn.get();
    if (!loop_->Watch(fd, EPOLLIN | EPOLLRDHUP, [this, c](uint32_t ev) { OnEvent(c, ev); }).ok()) {
      continue;  // `conn` closes the socket.
    }
    connections_.emplace(c, std::move(conn));
  }
}

void FakeLlmServerImpl::OnEvent(Connection* c, uint32_t events) {
  try {
    if (events & EPOLLERR) {
      Close(c);
    } else {
      if (events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) ReadFrom(c);
      if (!c->closed && (events & EPOLLOUT)) Flush(c);
    }
  } catch (const std::exception& e) {
    spdlog::error("mh-fake-llm: connection failed: {}", e.what());
    Close(c);
  }
  ReapClosed();
}

void FakeLlmServerImpl::ReadFrom(Connection* c) {
  char buf[kReadChunk];
  while (!c->closed) {
    ssize_t n = ::recv(c->fd.get(), buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n <= 0) {  // The client went (or the socket failed): stalls and waits end here.
      Close(c);
      return;
    }
    if (c->draining) continue;
    c->parser.Append(std::string_view(buf, static_cast<size_t>(n)));
    if (c->parser.buffered() > max_request_bytes_ + 128 * 1024) {
      Close(c);  // Pipelined input beyond any allowed request while busy.
      return;
    }
    if (static_cast<size_t>(n) < sizeof(buf)) break;
  }
  if (!c->closed && !c->busy && !c->draining) ProcessInput(c);
}

void FakeLlmServerImpl::ProcessInput(Connection* c) {
  switch (c->parser.Parse()) {
    case HttpRequestParser::Progress::kNeedMore:
      if (c->parser.WantsContinue() && !c->continue_sent) {
        c->continue_sent = true;
        Send(c, "HTTP/1.1 100 Continue\r\n\r\n");
      }
      return;
    case HttpRequestParser::Progress::kError:
      c->busy = true;
      c->keep_alive = false;
      Respond(c, FakeLlmHandler::ParseError(c->parser.error_status(), c->parser.error_message()),
              false);
      return;
    case HttpRequestParser::Progress::kComplete: {
      HttpRequest request = c->parser.TakeRequest();
      c->continue_sent = false;
      c->busy = true;
      c->keep_alive = request.KeepAlive();
      Dispatch(c, request);
      return;
    }
  }
}

void FakeLlmServerImpl::Dispatch(Connection* c, const HttpRequest& request) {
  Decision d;
  try {
    d = handler_.Handle(request);
  } catch (const std::exception& e) {
    d = Decision{0, [m = std::string(e.what())] {
                   return FakeLlmHandler::ParseError(500, "mh-fake-llm internal error: " + m);
                 }};
  }
  bool head_only = request.method == "HEAD";
  if (d.delay_ms <= 0) {
    Respond(c, d.render(), head_only);
    return;
  }
  auto when = std::chrono::steady_clock::now() + std::chrono::milliseconds(d.delay_ms);
  c->timer = loop_->AddTimer(when, [this, c, head_only, render = std::move(d.render)] {
    c->timer = 0;
    try {
      Respond(c, render(), head_only);
    } catch (const std::exception& e) {
      spdlog::error("mh-fake-llm: reply failed: {}", e.what());
      Close(c);
    }
    ReapClosed();
  });
}

void FakeLlmServerImpl::Respond(Connection* c, const HttpResponse& response, bool head_only) {
  if (response.ending == HttpResponse::Ending::kCut) c->keep_alive = false;
  if (!c->keep_alive) c->close_after_write = true;
  std::string bytes = SerializeResponse(response, c->keep_alive, head_only);
  // A stall never completes: the connection stays busy until the client goes.
  c->response_queued = head_only || response.ending != HttpResponse::Ending::kStall;
  Send(c, std::move(bytes));
}

void FakeLlmServerImpl::Send(Connection* c, std::string data) {
  if (c->out.empty()) {
    c->out = std::move(data);
    c->out_offset = 0;
  } else {
    c->out += data;
  }
  Flush(c);
}

void FakeLlmServerImpl::Flush(Connection* c) {
  while (c->out_offset < c->out.size()) {
    ssize_t n = ::send(c->fd.get(), c->out.data() + c->out_offset, c->out.size() - c->out_offset,
                       MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!c->want_write) {
        c->want_write = true;
        (void)loop_->Modify(c->fd.get(), EPOLLIN | EPOLLRDHUP | EPOLLOUT);
      }
      return;
    }
    if (n < 0) {
      Close(c);
      return;
    }
    c->out_offset += static_cast<size_t>(n);
  }
  std::string().swap(c->out);  // Give the memory back: idle connections stay small.
  c->out_offset = 0;
  if (c->want_write) {
    c->want_write = false;
    (void)loop_->Modify(c->fd.get(), EPOLLIN | EPOLLRDHUP);
  }
  if (c->response_queued) FinishResponse(c);
}

void FakeLlmServerImpl::FinishResponse(Connection* c) {
  c->response_queued = false;
  if (c->close_after_write) {
    StartDrain(c);
    return;
  }
  c->busy = false;
  ProcessInput(c);  // A pipelined request may be buffered already.
}

void FakeLlmServerImpl::StartDrain(Connection* c) {
  // Shut the write side and read until the client closes, so unread request bytes do not
  // turn our close into a reset that could destroy the response in flight.
  c->draining = true;
  ::shutdown(c->fd.get(), SHUT_WR);
  c->timer = loop_->AddTimer(std::chrono::steady_clock::now() + kLingerTimeout, [this, c] {
    c->timer = 0;
    Close(c);
    ReapClosed();
  });
}

void FakeLlmServerImpl::Close(Connection* c) {
  if (c->closed) return;
  c->closed = true;
  if (c->timer != 0) loop_->CancelTimer(c->timer);
  c->timer = 0;
  loop_->Unwatch(c->fd.get());
  c->fd.reset();
  closed_.push_back(c);
  if (!accepting_) {
    accepting_ = true;
    (void)loop_->Modify(listener_.get(), EPOLLIN);
  }
}

void FakeLlmServerImpl::ReapClosed() {
  for (Connection* c : closed_) connections_.erase(c);
  closed_.clear();
}

Result<UniqueFd> Listen(const std::string& host, int port, int& bound_port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  std::string ip = host == "localhost" ? "127.0.0.1" : host;
  if (::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr) != 1) {
    return InvalidArgumentError("host '" + host + "' is not an IPv4 address");
  }
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return UnavailableError(std::string("socket: ") + strerror(errno));
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return UnavailableError("cannot listen on " + ip + ":" + std::to_string(port) + ": " +
                            strerror(errno));
  }
  if (::listen(fd.get(), kListenBacklog) != 0) {
    return UnavailableError(std::string("listen: ") + strerror(errno));
  }
  socklen_t len = sizeof(addr);
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  bound_port = ntohs(addr.sin_port);
  return fd;
}

}  // namespace

void RaiseFileLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

Result<std::unique_ptr<FakeLlmServer>> FakeLlmServer::Start(std::string_view scenario_json,
                                                            FakeLlmOptions options) {
  ASSIGN_OR_RETURN(Scenario scenario, ParseScenario(scenario_json));
  RaiseFileLimit();
  int port = 0;
  ASSIGN_OR_RETURN(UniqueFd listener, Listen(options.host, options.port, port));
  ASSIGN_OR_RETURN(std::unique_ptr<RequestLog> log, RequestLog::Open(options.log_path));
  ASSIGN_OR_RETURN(std::unique_ptr<EventLoop> loop, EventLoop::Create());
  auto server = std::make_unique<FakeLlmServerImpl>(std::move(loop), std::move(listener), port,
                                                    options.host, std::move(log),
                                                    std::move(scenario), options.max_request_bytes);
  RETURN_IF_ERROR(server->Begin());
  return std::unique_ptr<FakeLlmServer>(std::move(server));
}

}  // namespace mh::testing
