// ProbeClient (tests only): an X client with one full-screen window of a known
// colour that records the input events it receives, so tests can check that clicks,
// drags, scrolls and keys arrive where and as expected. Not thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"

namespace mh::desktop::testing {

struct ProbeEvent {
  enum class Kind { kButtonPress, kButtonRelease, kMotion, kKeyPress };
  Kind kind;
  int x = 0;
  int y = 0;
  unsigned int button = 0;
  unsigned int state = 0;    // Modifier mask at the time.
  unsigned long keysym = 0;  // kKeyPress.
  std::string text;          // kKeyPress: the character typed, as UTF-8.
};

class ProbeClient {
 public:
  // The window's background colour.
  static constexpr unsigned long kBackground = 0x336699;

  // Opens a full-screen window on `display` (":N") using the cookie in `auth_file`
  // and waits until it is mapped.
  static Result<std::unique_ptr<ProbeClient>> Open(const std::string& display,
                                                   const std::string& auth_file);
  ~ProbeClient();

  // Reads events until `count` of them match `kind` or `timeout` passes; returns all
  // events of that kind read so far.
  std::vector<ProbeEvent> WaitFor(ProbeEvent::Kind kind, size_t count,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The text of all key presses so far, after reading until `chars` characters came.
  std::string WaitForText(size_t chars,
                          std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Forgets the events recorded so far.
  void Clear();

  struct Impl;

 private:
  explicit ProbeClient(std::unique_ptr<Impl> impl);
  void Pump(std::chrono::milliseconds wait);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mh::desktop::testing
