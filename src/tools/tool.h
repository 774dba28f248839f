// Tools: what an agent can do in its workspace. Each tool has a name, a description,
// a JSON Schema for its arguments, and a native implementation.
//
// A tool is stateless; everything a call needs (the worktree, the sandbox, limits,
// the clock, long-lived session resources) comes from the ToolContext it is given.
// Tools are normally called through ToolRegistry::Call (registry.h), which validates
// the arguments against the schema first and turns exceptions into error results.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "sandbox/unique_fd.h"

namespace mh::sandbox {
class ProcessRunner;
}  // namespace mh::sandbox

namespace mh::tools {

// What a call means for the session as a whole.
enum class SessionOutcome {
  kNone,       // Go on.
  kSubmitted,  // The agent finished; `ToolResult::summary` says what it did.
  kBlocked,    // The agent needs help; `ToolResult::question` says what it needs.
};

// "none", "submitted", "blocked".
const char* SessionOutcomeName(SessionOutcome outcome);

struct ToolImage {
  std::string media_type;  // "image/png".
  std::string data;        // The encoded bytes.
};

// What a call gives back to the model. A failed call is a result with is_error set
// and a message the model can act on, never an exception or a crash.
struct ToolResult {
  std::string text;
  bool is_error = false;
  std::vector<ToolImage> images;
  SessionOutcome outcome = SessionOutcome::kNone;
  std::string summary;   // Set with kSubmitted.
  std::string question;  // Set with kBlocked.

  static ToolResult Text(std::string text) {
    ToolResult result;
    result.text = std::move(text);
    return result;
  }
  static ToolResult Error(std::string text) {
    ToolResult result = Text(std::move(text));
    result.is_error = true;
    return result;
  }
};

// The worktree a session works in.
struct Workspace {
  // The worktree on the host. ToolContext stores it canonical (symlinks resolved).
  std::filesystem::path root;
  // Where commands in the sandbox see the worktree ("/testbed"); empty when they see
  // it at `root`. Absolute paths under it given to file tools map into `root`.
  std::string mount_path;
};

struct ToolLimits {
  size_t read_max_bytes = 64 * 1024;          // read_file: text returned per call.
  size_t max_line_chars = 2000;               // read_file: longer lines are cut.
  size_t search_line_chars = 300;             // search: a matching line is cut here.
  int max_search_results = 200;               // search: upper bound of max_results.
  int max_list_entries = 1000;                // list_files and find_files.
  size_t output_head_bytes = 16 * 1024;       // run_command: output kept from the start...
  size_t output_tail_bytes = 16 * 1024;       // ...and from the end.
  std::chrono::seconds default_timeout{120};  // run_command without `timeout`.
  std::chrono::seconds max_timeout{600};      // run_command: largest `timeout` allowed.
};

// A long-lived object a tool keeps for the rest of the session (a terminal, a
// desktop). Destroyed with the context that holds it.
class SessionResource {
 public:
  virtual ~SessionResource() = default;
};

// Named session resources, owned here and destroyed in reverse order of creation
// when the store is destroyed. Not thread-safe: a session runs one call at a time.
class SessionResources {
 public:
  SessionResources() = default;
  SessionResources(const SessionResources&) = delete;
  SessionResources& operator=(const SessionResources&) = delete;
  ~SessionResources();

  // Stores `resource` under `name`, destroying any earlier one of that name, and
  // returns a pointer that stays valid until it is replaced, erased or the store dies.
  template <typename T>
  T* Put(const std::string& name, std::unique_ptr<T> resource) {
    T* raw = resource.get();
    PutBase(name, std::move(resource));
    return raw;
  }

  // The resource stored under `name` if there is one of type T; nullptr otherwise.
  template <typename T>
  T* Get(const std::string& name) const {
    return dynamic_cast<T*>(GetBase(name));
  }

  // Destroys the resource under `name`. Returns false when there was none.
  bool Erase(const std::string& name);
  std::vector<std::string> Names() const;

 private:
  void PutBase(const std::string& name, std::unique_ptr<SessionResource> resource);
  SessionResource* GetBase(const std::string& name) const;

  // In order of creation, so destruction can run backwards.
  std::vector<std::pair<std::string, std::unique_ptr<SessionResource>>> items_;
};

// Everything one session's tool calls share. Owns the session resources and an open
// handle on the worktree root; borrows the runner, the sandbox and the clock, which
// must outlive it. Not thread-safe: one call at a time.
class ToolContext {
 public:
  struct Options {
    Workspace workspace;
    ToolLimits limits;
    const Clock* clock = nullptr;  // Required.
    // Runs host helpers (grep for search) with an argv and a time limit. Required.
    sandbox::ProcessRunner* runner = nullptr;
    // Runs run_command's `bash -c`: the session's sandbox (bubblewrap over the
    // worktree, mounted at workspace.mount_path). Null: run_command refuses to run.
    sandbox::ProcessRunner* command_runner = nullptr;
  };

  // Errors: kInvalidArgument when the clock or runner is missing; kNotFound when the
  // worktree root is not an existing directory.
  static Result<std::unique_ptr<ToolContext>> Create(Options options);
  ~ToolContext();

  ToolContext(const ToolContext&) = delete;
  ToolContext& operator=(const ToolContext&) = delete;

  const Workspace& workspace() const { return options_.workspace; }
  const ToolLimits& limits() const { return options_.limits; }
  const Clock& clock() const { return *options_.clock; }
  sandbox::ProcessRunner& runner() const { return *options_.runner; }
  sandbox::ProcessRunner* command_runner() const { return options_.command_runner; }
  SessionResources& resources() { return resources_; }
  // A descriptor of the worktree root, for openat2(RESOLVE_BENEATH).
  int root_fd() const { return root_fd_.get(); }

 private:
  ToolContext(Options options, int root_fd);

  Options options_;
  sandbox::UniqueFd root_fd_;
  SessionResources resources_;  // Declared last: destroyed before the root descriptor.
};

// The interface every tool implements. Thread-safe: Run may be called from several
// sessions at once, each with its own context.
class Tool {
 public:
  virtual ~Tool() = default;

  virtual const std::string& name() const = 0;
  virtual const std::string& description() const = 0;
  // A JSON Schema object ({"type":"object","properties":{...},"required":[...]}).
  virtual const Json& parameters() const = 0;

  // Runs the tool. `args` already matches parameters(). Expected failures (a missing
  // file, a path outside the worktree) are results with is_error set.
  virtual ToolResult Run(const Json& args, ToolContext& ctx) const = 0;
};

}  // namespace mh::tools
