#include "llm/curl_shard.h"

#include <cerrno>

#include "base/status.h"

namespace mh::llm {

CurlShard::CurlShard(int epoll_fd, uint32_t index, long max_cached_connections)
    : epoll_fd_(epoll_fd), index_(index), multi_(curl_multi_init()) {
  MH_CHECK(multi_ != nullptr);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlShard::OnSocket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlShard::OnTimer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  // A fixed cap: libcurl's default (4 x handles) shrinks as a burst drains, and then each
  // finished transfer scans the cache for the oldest idle connection.
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, max_cached_connections);
}

CurlShard::~CurlShard() { curl_multi_cleanup(multi_); }

CURLMcode CurlShard::Add(CURL* easy) {
  CURLMcode rc = curl_multi_add_handle(multi_, easy);
  if (rc == CURLM_OK) ++in_flight_;
  return rc;
}

void CurlShard::Remove(CURL* easy) {
  if (curl_multi_remove_handle(multi_, easy) == CURLM_OK) --in_flight_;
}

void CurlShard::OnSocketEvent(int fd, uint32_t events) {
  int mask = 0;
  if (events & EPOLLIN) mask |= CURL_CSELECT_IN;
  if (events & EPOLLOUT) mask |= CURL_CSELECT_OUT;
  if (events & (EPOLLERR | EPOLLHUP)) mask |= CURL_CSELECT_ERR;
  int running = 0;
  curl_multi_socket_action(multi_, fd, mask, &running);
}

void CurlShard::RunTimeoutIfDue(SteadyTime now) {
  if (!due_ || now < *due_) return;
  due_.reset();
  int running = 0;
  curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
}

void CurlShard::TakeFinished(std::vector<std::pair<CURL*, CURLcode>>& out) {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg == CURLMSG_DONE) out.emplace_back(msg->easy_handle, msg->data.result);
  }
}

int CurlShard::OnSocket(CURL*, curl_socket_t s, int what, void* self_ptr, void* socketp) {
  auto* self = static_cast<CurlShard*>(self_ptr);
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(self->epoll_fd_, EPOLL_CTL_DEL, s, nullptr);
    return 0;
  }
  epoll_event ev{};
  ev.data.u64 = EventKey(self->index_, s);
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) ev.events |= EPOLLIN;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) ev.events |= EPOLLOUT;
  int op = socketp == nullptr ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
  if (epoll_ctl(self->epoll_fd_, op, s, &ev) != 0) {
    // The kernel drops closed sockets from epoll by itself, so our record can be stale.
    epoll_ctl(self->epoll_fd_, errno == EEXIST ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, s, &ev);
  }
  if (socketp == nullptr) curl_multi_assign(self->multi_, s, self);  // Marks "registered".
  return 0;
}

int CurlShard::OnTimer(CURLM*, long timeout_ms, void* self_ptr) {
  auto* self = static_cast<CurlShard*>(self_ptr);
  if (timeout_ms < 0) {
    self->due_.reset();
  } else {
    self->due_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

}  // namespace mh::llm
