// CurlShard: one libcurl multi handle whose sockets live in a shared epoll set.
//
// Internal to CurlTransport, which runs several shards on its one loop thread. Why more
// than one: libcurl 7.88 walks every connection of a multi handle's cache each time a
// transfer is removed (curl_multi_remove_handle's connect-only sweep), so one multi
// holding 10,000 connections turns a burst quadratic. Shards keep each cache small;
// CurlTransport fills the first shard with room, so sequential requests still reuse
// connections. Not thread-safe: the loop thread only.
#pragma once

#include <curl/curl.h>
#include <sys/epoll.h>

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "base/clock.h"

namespace mh::llm {

class CurlShard {
 public:
  // Registers sockets in `epoll_fd` with data.u64 = EventKey(index, fd).
  CurlShard(int epoll_fd, uint32_t index, long max_cached_connections);
  ~CurlShard();
  CurlShard(const CurlShard&) = delete;
  CurlShard& operator=(const CurlShard&) = delete;

  static uint64_t EventKey(uint32_t index, int fd) {
    return (static_cast<uint64_t>(index) << 32) | static_cast<uint32_t>(fd);
  }
  static uint32_t IndexOf(uint64_t key) { return static_cast<uint32_t>(key >> 32); }
  static int FdOf(uint64_t key) { return static_cast<int>(static_cast<uint32_t>(key)); }

  CURLMcode Add(CURL* easy);
  void Remove(CURL* easy);
  size_t in_flight() const { return in_flight_; }

  // Hands a socket's epoll events to libcurl.
  void OnSocketEvent(int fd, uint32_t events);
  // When libcurl wants a call back: nullopt for never.
  std::optional<SteadyTime> due() const { return due_; }
  // Runs libcurl's timeouts if they are due at `now`.
  void RunTimeoutIfDue(SteadyTime now);
  // Appends the transfers libcurl has finished, with their result codes.
  void TakeFinished(std::vector<std::pair<CURL*, CURLcode>>& out);

 private:
  static int OnSocket(CURL* easy, curl_socket_t s, int what, void* self, void* socketp);
  static int OnTimer(CURLM* multi, long timeout_ms, void* self);

  const int epoll_fd_;
  const uint32_t index_;
  CURLM* multi_;
  size_t in_flight_ = 0;
  std::optional<SteadyTime> due_;
};

}  // namespace mh::llm
