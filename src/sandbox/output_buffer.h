// HeadTailBuffer: keeps the first and the last bytes of a stream of any length.
//
// A command may print gigabytes; a caller (an agent, a transcript) needs the start
// and the end. Memory stays bounded by head_bytes + tail_bytes whatever is appended.
// Not thread-safe: one reader thread appends, then reads Text().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mh::sandbox {

class HeadTailBuffer {
 public:
  HeadTailBuffer(size_t head_bytes, size_t tail_bytes);

  void Append(std::string_view data);

  // Bytes ever appended, kept or not.
  uint64_t total_bytes() const { return total_; }
  // True when some bytes between head and tail were dropped.
  bool truncated() const { return total_ > head_limit_ + tail_limit_; }
  uint64_t elided_bytes() const { return truncated() ? total_ - head_limit_ - tail_limit_ : 0; }

  // The whole stream when nothing was dropped; otherwise the head, a marker line
  // "\n[... N bytes elided ...]\n", and the tail.
  std::string Text() const;

 private:
  size_t head_limit_;
  size_t tail_limit_;
  std::string head_;
  std::string tail_;       // Ring buffer of up to tail_limit_ bytes once full.
  size_t tail_start_ = 0;  // Index of the oldest byte in tail_ when it is full.
  uint64_t total_ = 0;
};

// The marker placed where bytes were cut: "\n[... 123 bytes elided ...]\n".
std::string ElisionMarker(uint64_t elided_bytes);

}  // namespace mh::sandbox
