#include "testing/http_request_parser.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace mh::testing {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool ContainsToken(std::string_view list, std::string_view token) {
  std::string lower = Lower(list);
  size_t start = 0;
  while (start <= lower.size()) {
    size_t comma = lower.find(',', start);
    if (comma == std::string::npos) comma = lower.size();
    if (Trim(std::string_view(lower).substr(start, comma - start)) == token) return true;
    start = comma + 1;
  }
  return false;
}

}  // namespace

const std::string* HttpRequest::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return &value;
  }
  return nullptr;
}

bool HttpRequest::KeepAlive() const {
  const std::string* connection = Header("connection");
  if (minor_version == 0) return connection != nullptr && ContainsToken(*connection, "keep-alive");
  return connection == nullptr || !ContainsToken(*connection, "close");
}

HttpRequestParser::HttpRequestParser(size_t max_body_bytes, size_t max_header_bytes)
    : max_body_bytes_(max_body_bytes), max_header_bytes_(max_header_bytes) {}

HttpRequestParser::Progress HttpRequestParser::Fail(int status, std::string message) {
  stage_ = Stage::kError;
  error_status_ = status;
  error_message_ = std::move(message);
  return Progress::kError;
}

bool HttpRequestParser::WantsContinue() const {
  return expect_continue_ && stage_ != Stage::kHeaders && stage_ != Stage::kDone &&
         stage_ != Stage::kError;
}

HttpRequestParser::Progress HttpRequestParser::Parse() {
  switch (stage_) {
    case Stage::kError:
      return Progress::kError;
    case Stage::kDone:
      return Progress::kComplete;
    case Stage::kHeaders: {
      Progress p = ParseHeaders();
      if (p != Progress::kComplete) return p;
      return stage_ == Stage::kDone ? Progress::kComplete : Parse();
    }
    case Stage::kFixedBody: {
      size_t take = std::min(remaining_, buffer_.size() - pos_);
      request_.body.append(buffer_, pos_, take);
      pos_ += take;
      remaining_ -= take;
      if (remaining_ > 0) return Progress::kNeedMore;
      stage_ = Stage::kDone;
      return Progress::kComplete;
    }
    default:
      return ParseChunked();
  }
}

bool HttpRequestParser::NextLine(std::string_view& line) {
  size_t end = buffer_.find("\r\n", pos_);
  if (end == std::string::npos) return false;
  line = std::string_view(buffer_).substr(pos_, end - pos_);
  pos_ = end + 2;
  return true;
}

HttpRequestParser::Progress HttpRequestParser::ParseHeaders() {
  size_t end = buffer_.find("\r\n\r\n", scan_pos_);
  if (end == std::string::npos) {
    if (buffer_.size() - pos_ > max_header_bytes_) {
      return Fail(431, "request headers exceed " + std::to_string(max_header_bytes_) + " bytes");
    }
    scan_pos_ = buffer_.size() >= 3 ? buffer_.size() - 3 : 0;
    return Progress::kNeedMore;
  }
  if (end - pos_ > max_header_bytes_) {
    return Fail(431, "request headers exceed " + std::to_string(max_header_bytes_) + " bytes");
  }
  size_t header_end = end + 2;  // Keep the last header's CRLF for NextLine.
  std::string_view line;
  NextLine(line);
  Progress p = ParseRequestLine(line);
  if (p == Progress::kError) return p;
  while (pos_ < header_end) {
    NextLine(line);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return Fail(400, "malformed header line");
    request_.headers.emplace_back(Lower(line.substr(0, colon)),
                                  std::string(Trim(line.substr(colon + 1))));
  }
  pos_ = end + 4;
  return StartBody();
}

HttpRequestParser::Progress HttpRequestParser::ParseRequestLine(std::string_view line) {
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return Fail(400, "malformed request line");
  std::string_view version = line.substr(sp2 + 1);
  if (version == "HTTP/1.1") {
    request_.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    request_.minor_version = 0;
  } else {
    return Fail(505, "unsupported HTTP version");
  }
  request_.method = std::string(line.substr(0, sp1));
  request_.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  if (request_.method.empty() || request_.target.empty()) {
    return Fail(400, "malformed request line");
  }
  request_.path = request_.target.substr(0, request_.target.find('?'));
  return Progress::kComplete;
}

HttpRequestParser::Progress HttpRequestParser::StartBody() {
  const std::string* expect = request_.Header("expect");
  expect_continue_ = expect != nullptr && Lower(*expect) == "100-continue";
  if (const std::string* te = request_.Header("transfer-encoding")) {
    if (Lower(Trim(*te)) != "chunked") return Fail(501, "unsupported transfer-encoding " + *te);
    stage_ = Stage::kChunkSize;
    return Progress::kComplete;
  }
  const std::string* length = request_.Header("content-length");
  if (length == nullptr) {
    stage_ = Stage::kDone;
    return Progress::kComplete;
  }
  size_t n = 0;
  auto [ptr, ec] = std::from_chars(length->data(), length->data() + length->size(), n);
  if (ec != std::errc() || ptr != length->data() + length->size()) {
    return Fail(400, "malformed content-length");
  }
  if (n > max_body_bytes_) {
    return Fail(413, "request body of " + std::to_string(n) + " bytes exceeds the limit of " +
                         std::to_string(max_body_bytes_) + " bytes");
  }
  remaining_ = n;
  request_.body.reserve(n);
  stage_ = n == 0 ? Stage::kDone : Stage::kFixedBody;
  return Progress::kComplete;
}

HttpRequestParser::Progress HttpRequestParser::ParseChunked() {
  std::string_view line;
  while (true) {
    switch (stage_) {
      case Stage::kChunkSize: {
        if (!NextLine(line)) return Progress::kNeedMore;
        line = Trim(line.substr(0, line.find(';')));
        size_t n = 0;
        auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), n, 16);
        if (line.empty() || ec != std::errc() || ptr != line.data() + line.size()) {
          return Fail(400, "malformed chunk size");
        }
        if (n > max_body_bytes_ - request_.body.size()) {
          return Fail(413, "chunked request body exceeds the limit of " +
                               std::to_string(max_body_bytes_) + " bytes");
        }
        remaining_ = n;
        stage_ = n == 0 ? Stage::kTrailers : Stage::kChunkData;
        break;
      }
      case Stage::kChunkData: {
        size_t take = std::min(remaining_, buffer_.size() - pos_);
        request_.body.append(buffer_, pos_, take);
        pos_ += take;
        remaining_ -= take;
        if (remaining_ > 0) return Progress::kNeedMore;
        stage_ = Stage::kChunkDataEnd;
        break;
      }
      case Stage::kChunkDataEnd:
        if (buffer_.size() - pos_ < 2) return Progress::kNeedMore;
        if (buffer_.compare(pos_, 2, "\r\n") != 0) return Fail(400, "chunk not followed by CRLF");
        pos_ += 2;
        stage_ = Stage::kChunkSize;
        break;
      case Stage::kTrailers:
        if (!NextLine(line)) return Progress::kNeedMore;
        if (line.empty()) {
          stage_ = Stage::kDone;
          return Progress::kComplete;
        }
        break;
      default:
        return Fail(500, "parser in an impossible state");
    }
  }
}

HttpRequest HttpRequestParser::TakeRequest() {
  HttpRequest out = std::move(request_);
  request_ = HttpRequest();
  buffer_.erase(0, pos_);
  // An idle keep-alive connection should not keep its largest request's buffer.
  if (buffer_.empty()) std::string().swap(buffer_);
  pos_ = 0;
  scan_pos_ = 0;
  remaining_ = 0;
  expect_continue_ = false;
  stage_ = Stage::kHeaders;
  return out;
}

}  // namespace mh::testing
