#include "desktop/desktop_session.h"

#include <filesystem>
#include <fstream>

#include "base/clock.h"
#include "base/secrets.h"

namespace mh::desktop {
namespace {

namespace fs = std::filesystem;

std::string Tail(const std::string& text, size_t max) {
  return text.size() > max ? "..." + text.substr(text.size() - max) : text;
}

}  // namespace

// One launched program: its run happens on its own thread because ProcessRunner::Run
// blocks until the program ends.
struct DesktopSession::Program {
  std::thread thread;
  std::mutex mutex;
  bool done = false;                                                 // Guarded by mutex.
  Result<sandbox::ProcessResult> result = InternalError("running");  // Guarded by mutex.

  ~Program() {
    if (thread.joinable()) thread.join();
  }
};

Result<std::unique_ptr<DesktopSession>> DesktopSession::Start(DesktopSessionOptions options) {
  if (!options.artifacts_dir.empty()) {
    std::error_code ec;
    fs::create_directories(options.artifacts_dir, ec);
    if (ec) {
      return InternalError("cannot make the artifacts directory " + options.artifacts_dir + ": " +
                           ec.message());
    }
  }
  ASSIGN_OR_RETURN(auto display, VirtualDisplay::Start(options.display));
  ASSIGN_OR_RETURN(auto desktop,
                   Desktop::Connect(display->name(), display->auth_file(), options.desktop));
  return std::unique_ptr<DesktopSession>(
      new DesktopSession(std::move(options), std::move(display), std::move(desktop)));
}

DesktopSession::DesktopSession(DesktopSessionOptions options,
                               std::unique_ptr<VirtualDisplay> display,
                               std::unique_ptr<Desktop> desktop)
    : options_(std::move(options)),
      display_(std::move(display)),
      desktop_(std::move(desktop)),
      scaler_(desktop_->size(), options_.scale) {}

DesktopSession::~DesktopSession() {
  desktop_.reset();
  display_.reset();  // X programs lose their server and exit.
  programs_.clear();
}

Status DesktopSession::Reconnect() {
  desktop_.reset();
  ASSIGN_OR_RETURN(desktop_,
                   Desktop::Connect(display_->name(), display_->auth_file(), options_.desktop));
  return Status::Ok();
}

Result<sandbox::ProcessRunner*> DesktopSession::RunnerFor(tools::ToolContext& ctx,
                                                          std::vector<std::string>& env) {
  sandbox::ProcessRunner* runner = ctx.command_runner();
  if (runner == nullptr) {
    return FailedPreconditionError(
        "this session has no command runner, so nothing can be "
        "launched on the desktop");
  }
  auto* sandboxed = dynamic_cast<sandbox::SandboxedRunner*>(runner);
  if (sandboxed == nullptr) {
    env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + ctx.workspace().root.string(),
           "LANG=C.UTF-8"};
    return runner;
  }
  env = sandboxed->sandbox().DefaultEnv();
  if (!sandboxed_) {
    // The session's sandbox plus the display's socket and cookie, read-only.
    sandbox::SandboxConfig config = sandboxed->sandbox().config();
    config.extra_read_only.push_back(display_->socket_path());
    config.extra_read_only.push_back(display_->auth_file());
    ASSIGN_OR_RETURN(sandbox::Sandbox with_display, sandbox::Sandbox::Create(config));
    sandboxed_ = std::make_unique<sandbox::SandboxedRunner>(ctx.runner(), std::move(with_display));
  }
  return sandboxed_.get();
}

Status DesktopSession::Launch(const std::vector<std::string>& argv, tools::ToolContext& ctx) {
  sandbox::ProcessSpec spec;
  ASSIGN_OR_RETURN(sandbox::ProcessRunner * runner, RunnerFor(ctx, spec.env));
  for (const std::string& var : display_->ClientEnv()) spec.env.push_back(var);
  spec.argv = argv;
  spec.time_limit = options_.program_limit;
  spec.output_head_bytes = spec.output_tail_bytes = 4096;
  spec.merge_stderr = true;
  if (sandboxed_ == nullptr) spec.cwd = ctx.workspace().root.string();

  // Forget windows mapped before this launch, so only the new program's counts.
  RETURN_IF_ERROR(desktop_->WaitForWindow(std::chrono::milliseconds(0)).status());
  programs_.push_back(std::make_unique<Program>());
  Program* program = programs_.back().get();
  program->thread = std::thread([program, runner, spec] {
    Result<sandbox::ProcessResult> result = runner->Run(spec);
    std::lock_guard<std::mutex> lock(program->mutex);
    program->result = std::move(result);
    program->done = true;
  });
  // In slices, so a program that exits without a window is reported at once.
  auto deadline = std::chrono::steady_clock::now() + options_.window_wait;
  while (true) {
    ASSIGN_OR_RETURN(bool mapped, desktop_->WaitForWindow(std::chrono::milliseconds(50)));
    if (mapped) return Status::Ok();
    std::lock_guard<std::mutex> lock(program->mutex);
    if (program->done || std::chrono::steady_clock::now() >= deadline) break;
  }
  std::lock_guard<std::mutex> lock(program->mutex);
  if (!program->done) {
    return DeadlineExceededError(argv[0] + " showed no window within " +
                                 std::to_string(options_.window_wait.count()) +
                                 " ms (it is still running)");
  }
  if (!program->result.ok()) return program->result.status();
  const sandbox::ProcessResult& ended = *program->result;
  return FailedPreconditionError(argv[0] + " exited with code " + std::to_string(ended.exit_code) +
                                 " before showing a window: " + Tail(ended.stdout_text, 800));
}

Result<std::string> DesktopSession::ScreenshotPng() {
  ASSIGN_OR_RETURN(Image image, desktop_->Capture());
  return EncodePng(Resize(image, scaler_.model()));
}

void DesktopSession::Record(const Json& args, const tools::ToolResult& result,
                            const std::string& png) {
  if (options_.artifacts_dir.empty()) return;
  ++step_;
  char name[32];
  std::snprintf(name, sizeof(name), "step-%04d.png", step_);
  Json line = {{"step", step_},
               {"time", FormatRfc3339(SystemClock().Now())},
               {"display", display_->name()},
               {"args", args},
               {"is_error", result.is_error},
               {"text", RedactSecrets(result.text)}};
  if (!png.empty()) {
    std::ofstream(fs::path(options_.artifacts_dir) / name, std::ios::binary) << png;
    line["screenshot"] = name;
  }
  std::ofstream(fs::path(options_.artifacts_dir) / "actions.jsonl", std::ios::app)
      << RedactSecrets(DumpJson(line)) << "\n";
}

}  // namespace mh::desktop
