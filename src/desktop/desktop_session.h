// DesktopSession: one session's display, its connection, and the programs launched
// on it; kept in the session's ToolContext resources by the computer tool.
//
// Destruction closes the connection and stops Xvfb first, so X programs launched on
// the display exit (they lose their server), then waits for their runs to end.
// Not thread-safe: a session runs one tool call at a time.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "desktop/desktop.h"
#include "desktop/image.h"
#include "desktop/scaling.h"
#include "desktop/xvfb.h"
#include "sandbox/process.h"
#include "sandbox/sandbox.h"
#include "tools/tool.h"

namespace mh::desktop {

struct DesktopSessionOptions {
  DisplayOptions display;
  DesktopOptions desktop;
  // Screenshots shown to the model fit these; coordinates are mapped back. A zero
  // limit turns that limit off.
  ScaleLimits scale;
  // Screenshots (PNG) and one JSON line per action go here; empty: not recorded.
  std::string artifacts_dir;
  std::chrono::milliseconds window_wait{10'000};       // launch: wait for a window.
  std::chrono::milliseconds program_limit{3'600'000};  // launch: a program's run time.
};

class DesktopSession final : public tools::SessionResource {
 public:
  // Starts a display and connects to it. Errors: as VirtualDisplay::Start and
  // Desktop::Connect; kInternal when the artifacts directory cannot be made.
  static Result<std::unique_ptr<DesktopSession>> Start(DesktopSessionOptions options);
  ~DesktopSession() override;

  Desktop& desktop() { return *desktop_; }
  const VirtualDisplay& display() const { return *display_; }
  const Scaler& scaler() const { return scaler_; }
  const DesktopSessionOptions& options() const { return options_; }

  // Reconnects after the connection broke (an action ran over its time limit).
  Status Reconnect();

  // Runs `argv` on the display through the context's command runner: inside the
  // session's sandbox (with the X socket and cookie file bound in) when it is one,
  // as is otherwise. Returns once a window appears, or with an error when the
  // program exits first (its exit code and output) or none appears in time.
  // Errors: kFailedPrecondition when the context has no command runner.
  Status Launch(const std::vector<std::string>& argv, tools::ToolContext& ctx);

  // A screenshot scaled for the model, PNG-encoded.
  Result<std::string> ScreenshotPng();

  // Records one action (and its screenshot, when not empty) under artifacts_dir.
  void Record(const Json& args, const tools::ToolResult& result, const std::string& png);

 private:
  struct Program;

  DesktopSession(DesktopSessionOptions options, std::unique_ptr<VirtualDisplay> display,
                 std::unique_ptr<Desktop> desktop);
  Result<sandbox::ProcessRunner*> RunnerFor(tools::ToolContext& ctx, std::vector<std::string>& env);

  DesktopSessionOptions options_;
  std::unique_ptr<sandbox::SandboxedRunner> sandboxed_;  // Outlives the programs.
  std::vector<std::unique_ptr<Program>> programs_;
  std::unique_ptr<VirtualDisplay> display_;
  std::unique_ptr<Desktop> desktop_;
  Scaler scaler_;
  int step_ = 0;
};

}  // namespace mh::desktop
