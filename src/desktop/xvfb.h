// VirtualDisplay: an Xvfb server of our own for one session.
//
// Start() picks a free display number (Xvfb -displayfd), listens on the Unix socket
// only (-nolisten tcp), and admits only clients holding a cookie generated here and
// written to an Xauthority file in a private temporary directory. Destruction stops
// the server (SIGTERM, then SIGKILL) and removes the directory. Not copyable;
// thread-compatible.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "desktop/scaling.h"

namespace mh::desktop {

struct DisplayOptions {
  Size size{1280, 800};
  std::string xvfb_path = "/usr/bin/Xvfb";
  // The private directory (auth file, server log) is made under here.
  std::string temp_root = "/tmp";
  std::chrono::milliseconds start_timeout{10'000};
};

class VirtualDisplay {
 public:
  // Errors: kInvalidArgument (size out of 16..8192), kNotFound (no Xvfb),
  // kDeadlineExceeded (not ready in time), kInternal (the server exited: the message
  // carries the end of its log).
  static Result<std::unique_ptr<VirtualDisplay>> Start(const DisplayOptions& options);
  ~VirtualDisplay();

  VirtualDisplay(const VirtualDisplay&) = delete;
  VirtualDisplay& operator=(const VirtualDisplay&) = delete;

  int number() const { return number_; }
  std::string name() const { return ":" + std::to_string(number_); }  // ":7"
  Size size() const { return size_; }
  const std::string& auth_file() const { return auth_file_; }
  // The server's Unix socket, to bind into a sandbox.
  std::string socket_path() const { return "/tmp/.X11-unix/X" + std::to_string(number_); }
  // DISPLAY and XAUTHORITY for a client's environment.
  std::vector<std::string> ClientEnv() const;

 private:
  VirtualDisplay() = default;
  void Stop();

  pid_t pid_ = -1;
  int number_ = -1;
  Size size_;
  std::string dir_;
  std::string auth_file_;
};

}  // namespace mh::desktop
