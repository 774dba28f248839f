#include "base/secrets.h"

#include <algorithm>
#include <mutex>
#include <vector>

namespace mh {
namespace {

constexpr size_t kMinSecretLength = 8;
constexpr std::string_view kRedacted = "[REDACTED]";

struct Registry {
  std::mutex mutex;
  std::vector<std::string> secrets;  // Guarded by mutex; longest first.
};

Registry& GetRegistry() {
  static Registry* registry = new Registry();  // Never destroyed: loggers may run at exit.
  return *registry;
}

}  // namespace

void RegisterSecret(std::string_view value) {
  if (value.size() < kMinSecretLength) return;
  Registry& r = GetRegistry();
  std::lock_guard lock(r.mutex);
  if (std::find(r.secrets.begin(), r.secrets.end(), value) != r.secrets.end()) return;
  r.secrets.emplace_back(value);
  std::sort(r.secrets.begin(), r.secrets.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string RedactSecrets(std::string_view text) {
  Registry& r = GetRegistry();
  std::string out(text);
  std::lock_guard lock(r.mutex);
  for (const std::string& secret : r.secrets) {
    size_t pos = 0;
    while ((pos = out.find(secret, pos)) != std::string::npos) {
      out.replace(pos, secret.size(), kRedacted);
      pos += kRedacted.size();
    }
  }
  return out;
}

void ClearSecretsForTesting() {
  Registry& r = GetRegistry();
  std::lock_guard lock(r.mutex);
  r.secrets.clear();
}

}  // namespace mh
