#include "testing/request_log.h"

#include <cerrno>
#include <cstring>

namespace mh::testing {

Json RedactedHeaders(const std::vector<std::pair<std::string, std::string>>& headers) {
  Json out = Json::object();
  for (const auto& [name, value] : headers) {
    bool secret =
        name == "authorization" || name == "proxy-authorization" || name == "x-api-key" ||
        name.find("key") != std::string::npos || name.find("token") != std::string::npos ||
        name.find("secret") != std::string::npos || name.find("cookie") != std::string::npos;
    out[name] = secret ? std::string("[REDACTED]") : value;
  }
  return out;
}

Result<std::unique_ptr<RequestLog>> RequestLog::Open(const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> file;
  if (!path.empty()) {
    file.reset(std::fopen(path.c_str(), "a"));
    if (file == nullptr) {
      return InvalidArgumentError("cannot open request log " + path + ": " + strerror(errno));
    }
  }
  return std::unique_ptr<RequestLog>(new RequestLog(std::move(file)));
}

void RequestLog::Add(const Json& record) {
  std::string line = DumpJson(record);
  std::lock_guard lock(mutex_);
  if (file_ != nullptr) {
    std::fwrite(line.data(), 1, line.size(), file_.get());
    std::fputc('\n', file_.get());
    std::fflush(file_.get());
  }
  records_.push_back(std::move(line));
}

std::vector<Json> RequestLog::Records() const {
  std::lock_guard lock(mutex_);
  std::vector<Json> out;
  out.reserve(records_.size());
  for (const std::string& line : records_) out.push_back(Json::parse(line));
  return out;
}

}  // namespace mh::testing
