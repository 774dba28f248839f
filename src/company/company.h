// Company: many agents with roles working through a tracker and gates, turning a brief
// into a released product and then maintaining it.
//
// Folder layout (CompanyPaths): company.toml, repo/ (the product, `main` checked out),
// .macrohard/store.db and .macrohard/worktrees/, artifacts/.
//
// Run() is the scheduler: on its own thread it assigns ready work items (open, with
// every dependency done) to free role slots by priority within the concurrency limit
// and budgets, starts or resumes their sessions (agent/) on a worker pool, and drives
// each change through the gates its kind's rule lists: CI (merge main into the branch,
// build and test in the sandbox), review (a reviewer session), the merge queue (one at
// a time, re-tested on the new main, fast-forward) and the release tag. Failures go back
// into the engineer's own session as feedback. Every transition is an event; merges and
// tags are recorded once (RecordEffectOnce) and done idempotently, so a run killed at
// any point is resumed by the next Run() with no duplicate merge, tag or model call for
// a recorded step. docs/company.md describes the workflow.
//
// Thread-safety: one Run() at a time per company (a lease in the store enforces it
// across processes). Ownership: borrows everything in CompanyDeps.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "company/charter.h"
#include "llm/model.h"
#include "sandbox/process.h"
#include "store/store.h"

namespace mh::company {

struct CompanyPaths {
  std::string root;
  std::string charter;    // root/company.toml
  std::string repo;       // root/repo
  std::string state_dir;  // root/.macrohard
  std::string store;      // root/.macrohard/store.db
  std::string worktrees;  // root/.macrohard/worktrees
  std::string artifacts;  // root/artifacts
};
CompanyPaths PathsFor(const std::string& dir);

// The company's id in the store (fixed when it was made; .macrohard/company_id).
// Errors: kNotFound when `dir` holds no company id.
Result<std::string> ReadCompanyId(const std::string& dir);

// Gives the model for a model name; the caller owns and caches the models, which must
// outlive the company. Thread-safe.
using ModelSource = std::function<Result<llm::Model*>(const std::string& name)>;

struct CompanyDeps {
  store::Store* store = nullptr;
  sandbox::ProcessRunner* runner = nullptr;  // Real processes: git, bubblewrap.
  ModelSource models;
  const Clock* clock = nullptr;
};

// Makes the company folder: company.toml from `charter`, the product repository with a
// first commit (README.md with the brief), and the opening plan in the tracker: #1 spec,
// #2 design, #3 acceptance, #4 the first release. `store` is the company's store
// (normally opened at PathsFor(dir).store). Errors: kAlreadyExists when `dir` holds a
// company; kInternal when git or the file system fails.
Status CreateCompany(const std::string& dir, const Charter& charter, store::Store& store,
                     sandbox::ProcessRunner& runner);

enum class RunMode {
  kUntilIdle,  // Return when no work item can move any more (normally: released).
  kServe,      // Keep running; pick up issues people file, until stopped.
};

struct RunOptions {
  RunMode mode = RunMode::kUntilIdle;
  std::stop_token stop;
  // One line per notable step ("#5 task: ci passed"), from the scheduler thread.
  std::function<void(const std::string&)> progress;
  // How often serve looks for issues filed by other processes.
  std::chrono::milliseconds poll{300};
};

enum class RunEnd {
  kIdle,     // Nothing left that can move: every item finished, or waiting on a person.
  kBudget,   // A budget ran out; raise it in company.toml and run again.
  kStopped,  // The stop token fired.
};

struct RunReport {
  RunEnd end = RunEnd::kIdle;
  std::string message;  // What happened and what to do next, for a person.
  int open_items = 0;   // Items not finished.
  int blocked_items = 0;
};

class Company {
 public:
  // Opens the company in `dir`: reads company.toml. Errors: kNotFound when `dir` holds
  // no company; kInvalidArgument for a broken company.toml (the line at fault).
  static Result<std::unique_ptr<Company>> Open(const std::string& dir, CompanyDeps deps);
  ~Company();
  Company(const Company&) = delete;
  Company& operator=(const Company&) = delete;

  const Charter& charter() const;
  const CompanyPaths& paths() const;

  // Runs the company (see the file comment) until `options.mode` says to stop.
  // Errors: kFailedPrecondition when another process runs this company; store and git
  // errors that leave the company unable to go on (its state stays consistent).
  Result<RunReport> Run(const RunOptions& options);

  class Impl;

 private:
  explicit Company(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mh::company
