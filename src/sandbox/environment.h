// Environment: the set-up a product needs before its builds and tests can run (installing
// its dependencies: `pip install -r requirements.txt`, `npm ci`), done once per company
// (or per repository, for solve) in a phase of its own with the network, and given to
// every later sandbox of that company without the network.
//
// Set-up runs in a fresh workspace of the repository at a commit, as the sandbox user,
// with HOME and a tools directory at kEnvironmentMount (writable then, read-only after;
// put a virtualenv or other tools there: `python3 -m venv $MH_ENV/venv`). What it makes in
// the work tree that git ignores (node_modules/, .venv/, ...) is kept too and shown
// read-only at the same place in every later workspace. It runs again when the commands
// or the content of the files they name as inputs change (the stamp).
//
// Each set-up is a generation of its own under the environment's directory, so a newer
// one never changes what a running sandbox sees; RemoveStale() drops the old ones when
// nothing runs.
//
// Thread-safety: Apply() and Current() may be called from several threads; Prepare() and
// RemoveStale() from one thread at a time, with nothing else of this object running.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "sandbox/process.h"
#include "sandbox/sandbox.h"
#include "sandbox/worktree.h"

namespace mh::sandbox {

inline constexpr char kEnvironmentMount[] = "/opt/macrohard/env";

struct EnvironmentSpec {
  std::vector<std::string> setup;     // bash commands, run in order at the work tree's root.
  std::vector<std::string> inputs;    // Repository files whose content the stamp covers.
  std::vector<std::string> packages;  // Debian packages the product needs on this machine.
  bool empty() const { return setup.empty(); }
};

// The packages of `packages` that dpkg does not have installed, in order.
std::vector<std::string> MissingPackages(ProcessRunner& runner,
                                         const std::vector<std::string>& packages);

class Environment {
 public:
  // `dir`: where the environment lives (made when first needed). Reads the current
  // generation, if any.
  explicit Environment(std::string dir);

  // What the set-up for `spec` at `commit` depends on: the commands, the inputs' content
  // at that commit (a missing input counts as empty), as text. Errors: kNotFound when
  // `commit` names no commit.
  Result<std::string> Stamp(const EnvironmentSpec& spec, WorktreeManager& worktrees,
                            const std::string& commit) const;

  // True when the current generation was made for `stamp` (and succeeded).
  bool Current(const std::string& stamp) const;

  // Runs `spec.setup` in a new workspace at `commit` with the network, in a sandbox like
  // `base`, keeps what it made, and makes it the current generation. The log (commands
  // and their output) is written to <dir>/setup.log. Errors: kFailedPrecondition naming
  // the command that failed, with the end of its output; kInternal for files.
  Status Prepare(const EnvironmentSpec& spec, WorktreeManager& worktrees, ProcessRunner& runner,
                 const std::string& commit, const std::string& stamp, const SandboxConfig& base);

  // Adds the current generation to `config`, a sandbox over a workspace (its worktree
  // and mount point set): the tools directory, the kept paths, PATH and variables. Does
  // nothing when there is none.
  void Apply(SandboxConfig& config) const;

  // Deletes generations other than the current one.
  void RemoveStale();

  const std::string& dir() const { return dir_; }

 private:
  struct Generation {
    std::string name;  // Directory under dir_; empty: none.
    std::string stamp;
    std::vector<std::string> kept;  // Work tree paths, relative.
  };
  Status Run(const std::vector<std::string>& commands, ProcessRunner& runner,
             const SandboxConfig& config, std::string& log) const;
  static void AddGenerationTo(const std::string& root, const Generation& generation,
                              SandboxConfig& config);

  std::string dir_;
  mutable std::mutex mutex_;
  Generation current_;  // Guarded by mutex_.
};

}  // namespace mh::sandbox
