#include "sandbox/output_buffer.h"

#include <algorithm>

namespace mh::sandbox {

HeadTailBuffer::HeadTailBuffer(size_t head_bytes, size_t tail_bytes)
    : head_limit_(head_bytes), tail_limit_(tail_bytes) {}

void HeadTailBuffer::Append(std::string_view data) {
  total_ += data.size();
  size_t to_head = std::min(data.size(), head_limit_ - head_.size());
  head_.append(data.substr(0, to_head));
  data.remove_prefix(to_head);
  if (data.empty() || tail_limit_ == 0) return;
  // Only the last tail_limit_ bytes of this chunk can survive.
  if (data.size() >= tail_limit_) {
    tail_.assign(data.substr(data.size() - tail_limit_));
    tail_start_ = 0;
    return;
  }
  size_t room = tail_limit_ - tail_.size();
  size_t appended = std::min(room, data.size());
  tail_.append(data.substr(0, appended));
  data.remove_prefix(appended);
  // The ring is full: overwrite the oldest bytes, wrapping at the end.
  while (!data.empty()) {
    size_t n = std::min(data.size(), tail_limit_ - tail_start_);
    tail_.replace(tail_start_, n, data.substr(0, n));
    tail_start_ = (tail_start_ + n) % tail_limit_;
    data.remove_prefix(n);
  }
}

std::string HeadTailBuffer::Text() const {
  std::string out = head_;
  if (truncated()) out += ElisionMarker(elided_bytes());
  out.append(tail_, tail_start_, std::string::npos);
  out.append(tail_, 0, tail_start_);
  return out;
}

std::string ElisionMarker(uint64_t elided_bytes) {
  return "\n[... " + std::to_string(elided_bytes) + " bytes elided ...]\n";
}

}  // namespace mh::sandbox
