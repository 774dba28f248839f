// The payloads the crash test's child writes, so the parent can check every byte.
#pragma once

#include <cstdint>
#include <string>

namespace mh::store {

// "run R item K " followed by a run of letters whose length and letter depend on K,
// so a torn or misplaced write shows as a mismatch.
inline std::string CrashPayload(int64_t run, int64_t item) {
  std::string payload = "run " + std::to_string(run) + " item " + std::to_string(item) + " ";
  payload.append(static_cast<size_t>(item % 97) * 13, static_cast<char>('a' + item % 26));
  return payload;
}

}  // namespace mh::store
