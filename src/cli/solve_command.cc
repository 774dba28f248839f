// `macrohard solve --repo PATH --task TEXT --model M`: one agent, one task, one repository.
//
// Makes a git worktree on a new branch from HEAD of PATH, runs a durable session (agent/)
// with the built-in tools, commands sandboxed by bubblewrap over the worktree, prints one
// line per step, and on submit commits the worktree on the branch with the agent's
// summary. `--resume SESSION` continues a session after a crash or a limit. State lives
// in the repository's git directory (never in the product's tree): the store at
// GITDIR/macrohard/solve.db, worktrees under GITDIR/macrohard/worktrees/. docs/agent.md.
//
// Exit codes: 0 submitted, 1 failed (model error, limit, store), 2 bad usage or set-up,
// 3 blocked (the agent asked a question).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "agent/prompts.h"
#include "agent/replay.h"
#include "agent/session.h"
#include "base/ids.h"
#include "base/json.h"
#include "cli/commands.h"
#include "cli/runtime.h"
#include "company/charter.h"
#include "sandbox/environment.h"
#include "sandbox/process.h"
#include "sandbox/sandbox.h"
#include "sandbox/worktree.h"
#include "store/store.h"
#include "tools/builtin_tools.h"

namespace mh::cli {
namespace {

namespace fs = std::filesystem;

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitBlocked = 3;
// Real SWE-bench trajectories take 50 to 150 steps; the token and cost budgets are meant
// to be the main limit.
constexpr int64_t kDefaultMaxSteps = 250;
// How many committed and left-out files solve lists before it only counts them.
constexpr size_t kListedFiles = 20;

struct SolveFlags {
  std::string repo;
  std::string task;
  std::string task_file;
  std::string model;
  std::string resume;
  std::string session_id;
  std::string store;
  std::string mount_path;
  std::string branch;
  std::string config;
  int64_t max_steps = kDefaultMaxSteps;
  int64_t max_tokens = 0;
  double max_cost = 0;
  int64_t max_wall_seconds = 0;
  llm::ModelLimits limits;  // --context-window, --max-output-tokens; 0: the model's.
  bool no_stream = false;
  std::vector<std::string> setup;         // --setup: set-up commands (with the network).
  std::vector<std::string> setup_inputs;  // --setup-input: files the set-up depends on.
};

// What solve keeps in the session record to resume: the worktree and the model.
struct SolveState {
  sandbox::Worktree worktree;
  std::string repo;
  std::string model;
  std::string mount_path;
};

std::string StateToBlob(const SolveState& s) {
  const sandbox::Worktree& w = s.worktree;
  return DumpJson({{"repo", s.repo},
                   {"model", s.model},
                   {"mount_path", s.mount_path},
                   {"worktree",
                    {{"name", w.name},
                     {"path", w.path},
                     {"branch", w.branch},
                     {"base_commit", w.base_commit},
                     {"git_dir", w.git_dir},
                     {"common_dir", w.common_dir}}}});
}

Result<SolveState> StateFromBlob(const std::string& blob) {
  ASSIGN_OR_RETURN(Json j, ParseJson(blob));
  try {
    const Json& w = j.at("worktree");
    return SolveState{.worktree = {.name = w.at("name"),
                                   .path = w.at("path"),
                                   .branch = w.at("branch"),
                                   .base_commit = w.at("base_commit"),
                                   .git_dir = w.at("git_dir"),
                                   .common_dir = w.at("common_dir")},
                      .repo = j.at("repo"),
                      .model = j.at("model"),
                      .mount_path = j.value("mount_path", "")};
  } catch (const Json::exception& e) {
    return DataLossError(std::string("the session was not started by solve: ") + e.what());
  }
}

// The repository's git directory (shared by its worktrees), absolute.
Result<std::string> GitCommonDir(sandbox::ProcessRunner& runner, const std::string& repo) {
  sandbox::ProcessSpec spec{.argv = {"git", "-C", repo, "rev-parse", "--git-common-dir"},
                            .env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/nonexistent",
                                    "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null"},
                            .time_limit = std::chrono::seconds(30)};
  ASSIGN_OR_RETURN(sandbox::ProcessResult r, runner.Run(spec));
  if (!r.ok()) return NotFoundError("not a git repository: " + repo);
  std::string dir = r.stdout_text;
  while (!dir.empty() && (dir.back() == '\n' || dir.back() == '\r')) dir.pop_back();
  fs::path p(dir);
  if (p.is_relative()) p = fs::path(repo) / p;
  return fs::weakly_canonical(p).string();
}

// The user's global excludes file (core.excludesFile, else $XDG_CONFIG_HOME/git/ignore or
// ~/.config/git/ignore), read with the user's own git configuration; empty when none.
std::string GlobalExcludes(sandbox::ProcessRunner& runner) {
  const char* home = std::getenv("HOME");
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (home == nullptr || home[0] == '\0') return "";
  sandbox::ProcessSpec spec{
      .argv = {"git", "config", "--global", "--path", "--get", "core.excludesFile"},
      .env = {"PATH=/usr/local/bin:/usr/bin:/bin", std::string("HOME=") + home},
      .time_limit = std::chrono::seconds(10)};
  if (xdg != nullptr) spec.env.push_back(std::string("XDG_CONFIG_HOME=") + xdg);
  Result<sandbox::ProcessResult> r = runner.Run(spec);
  std::string path = r.ok() && r->ok() ? r->stdout_text : "";
  while (!path.empty() && (path.back() == '\n' || path.back() == '\r')) path.pop_back();
  if (path.empty()) {
    path = (xdg != nullptr && xdg[0] != '\0' ? std::string(xdg) : std::string(home) + "/.config") +
           "/git/ignore";
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream text;
  text << "# The user's global excludes (" << path << ")\n" << in.rdbuf() << "\n";
  return text.str();
}

Result<std::string> ReadTask(const SolveFlags& flags) {
  if (flags.task_file.empty()) return flags.task;
  std::ifstream in(flags.task_file, std::ios::binary);
  if (!in) return NotFoundError("cannot read the task file " + flags.task_file);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// "step 3  run_command  0.41s  1,204 tok  $0.0031".
void PrintStep(const agent::StepReport& step) {
  std::string tools;
  for (const std::string& name : step.tools) tools += (tools.empty() ? "" : ",") + name;
  if (tools.empty()) tools = "(no tool call)";
  int64_t tokens = step.usage.total();
  std::printf("step %lld  %s%s  %.2fs  %s tok  $%.4f\n", static_cast<long long>(step.step),
              tools.c_str(), step.any_error ? " (error)" : "",
              static_cast<double>(step.duration.count()) / 1000.0, FormatCount(tokens).c_str(),
              step.cost_usd);
  std::fflush(stdout);
}

// The real parts one solve run wires together; destroyed in reverse order.
struct SolveRun {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<sandbox::RealProcessRunner> runner;
  std::unique_ptr<sandbox::WorktreeManager> worktrees;
  std::unique_ptr<sandbox::Environment> environment;
  SolveState state;
  std::string session_id;
  std::unique_ptr<sandbox::SandboxedRunner> sandboxed;
  std::unique_ptr<tools::ToolContext> tool_context;
  tools::ToolRegistry registry;
};

Status OpenStoreAndWorktrees(const SolveFlags& flags, SolveRun& run) {
  ASSIGN_OR_RETURN(run.runner, sandbox::RealProcessRunner::Create());
  std::error_code ec;
  std::string repo = fs::weakly_canonical(fs::absolute(flags.repo), ec).string();
  if (ec) return NotFoundError("no repository at " + flags.repo);
  ASSIGN_OR_RETURN(std::string git_dir, GitCommonDir(*run.runner, repo));
  fs::path state_dir = fs::path(git_dir) / "macrohard";
  std::string store_path = flags.store.empty() ? (state_dir / "solve.db").string() : flags.store;
  fs::create_directories(fs::path(store_path).parent_path(), ec);
  // kNormal: every step survives a crash of this process (kill -9), which is what resume
  // needs; power loss may lose the last steps, and those are redone.
  ASSIGN_OR_RETURN(run.store,
                   store::OpenSqliteStore(store_path, {.durability = store::Durability::kNormal}));
  sandbox::WorkspaceOptions options{.extra_excludes = GlobalExcludes(*run.runner)};
  ASSIGN_OR_RETURN(run.worktrees,
                   sandbox::WorktreeManager::Create(*run.runner, repo,
                                                    (state_dir / "worktrees").string(), options));
  run.state.repo = repo;
  run.environment = std::make_unique<sandbox::Environment>((state_dir / "env").string());
  return Status::Ok();
}

// The set-up: --setup flags, else [environment] in the repository's macrohard.toml.
Result<sandbox::EnvironmentSpec> SetupSpec(const SolveFlags& flags, const std::string& repo) {
  sandbox::EnvironmentSpec spec;
  fs::path file = fs::path(repo) / "macrohard.toml";
  std::error_code ec;
  if (flags.setup.empty() && fs::exists(file, ec)) {
    ASSIGN_OR_RETURN(spec, company::LoadEnvironment(file.string()));
  }
  if (!flags.setup.empty()) spec.setup = flags.setup;
  spec.inputs.insert(spec.inputs.end(), flags.setup_inputs.begin(), flags.setup_inputs.end());
  return spec;
}

// Runs the set-up when its stamp at the session's base is not the current one.
Status PrepareEnvironment(const SolveFlags& flags, SolveRun& run) {
  ASSIGN_OR_RETURN(sandbox::EnvironmentSpec spec, SetupSpec(flags, run.state.repo));
  std::vector<std::string> missing = sandbox::MissingPackages(*run.runner, spec.packages);
  for (const std::string& name : missing) {
    std::fprintf(stderr, "macrohard solve: the repository needs the Debian package %s\n",
                 name.c_str());
  }
  if (spec.empty()) return Status::Ok();
  const std::string& base = run.state.worktree.base_commit;
  ASSIGN_OR_RETURN(std::string stamp, run.environment->Stamp(spec, *run.worktrees, base));
  if (run.environment->Current(stamp)) return Status::Ok();
  std::printf("environment: running set-up (%zu commands, with the network)\n", spec.setup.size());
  std::fflush(stdout);
  Status prepared = run.environment->Prepare(spec, *run.worktrees, *run.runner, base, stamp, {});
  if (!prepared.ok()) {
    return FailedPreconditionError(prepared.message() +
                                   "\n(the whole log: " + run.environment->dir() + "/setup.log)");
  }
  return Status::Ok();
}

// A new session: its worktree on a new branch from HEAD.
Status PrepareNew(const SolveFlags& flags, SolveRun& run) {
  run.session_id = flags.session_id.empty() ? NewId("ses") : flags.session_id;
  std::string branch = flags.branch.empty() ? "macrohard/" + run.session_id : flags.branch;
  ASSIGN_OR_RETURN(run.state.worktree, run.worktrees->Add(run.session_id, branch, "HEAD"));
  run.state.model = flags.model;
  run.state.mount_path = flags.mount_path;
  return Status::Ok();
}

Status PrepareResume(const SolveFlags& flags, SolveRun& run) {
  run.session_id = flags.resume;
  ASSIGN_OR_RETURN(store::SessionRecord record, run.store->GetSession(flags.resume));
  std::string repo = run.state.repo;
  ASSIGN_OR_RETURN(run.state, StateFromBlob(record.state_blob));
  if (!flags.model.empty()) run.state.model = flags.model;
  if (run.state.repo != repo) {
    return InvalidArgumentError("session " + flags.resume + " belongs to " + run.state.repo);
  }
  // After a reboot the workspace's disk image is there but not mounted.
  return run.worktrees->Remount(run.state.worktree.name);
}

Status MakeTools(SolveRun& run) {
  const sandbox::Worktree& wt = run.state.worktree;
  sandbox::SandboxConfig config{.worktree = wt.path,
                                .mount_point = run.state.mount_path,
                                .extra_read_only = sandbox::WorkspaceReadOnlyPaths(wt)};
  run.environment->Apply(config);
  ASSIGN_OR_RETURN(sandbox::Sandbox sandbox, sandbox::Sandbox::Create(std::move(config)));
  run.sandboxed = std::make_unique<sandbox::SandboxedRunner>(*run.runner, std::move(sandbox));
  RETURN_IF_ERROR(tools::RegisterBuiltinTools(run.registry));
  ASSIGN_OR_RETURN(run.tool_context,
                   tools::ToolContext::Create(
                       {.workspace = {.root = wt.path, .mount_path = run.state.mount_path},
                        .limits = {},
                        .clock = &SystemClock(),
                        .runner = run.runner.get(),
                        .command_runner = run.sandboxed.get()}));
  return Status::Ok();
}

agent::SessionConfig MakeConfig(const SolveFlags& flags, const SolveRun& run,
                                const std::string& task) {
  const std::string& workdir =
      run.state.mount_path.empty() ? run.state.worktree.path : run.state.mount_path;
  agent::SessionConfig config;
  config.id = run.session_id;
  config.company_id = "solve";
  config.role = "engineer";
  config.role_prompt = agent::EngineerPrompt(workdir);
  config.task = task;
  config.state_blob = StateToBlob(run.state);
  config.limits = {.max_steps = flags.max_steps,
                   .max_tokens = flags.max_tokens,
                   .max_cost_usd = flags.max_cost,
                   .max_wall_time = std::chrono::seconds(flags.max_wall_seconds)};
  // The history is compacted within the window (Session::Open also keeps it within the
  // model's known one); 128k when neither is known.
  config.context.window_tokens =
      flags.limits.context_window > 0 ? flags.limits.context_window : 128'000;
  config.stream = !flags.no_stream;
  return config;
}

std::string CommitEffectKey(const std::string& session_id) { return "solve-commit:" + session_id; }

void PrintSubmitted(const std::string& summary, const std::string& branch,
                    const std::string& commit) {
  std::printf("submitted: %s\nbranch %s\ncommit %s\n", summary.c_str(), branch.c_str(),
              commit.c_str());
}

// The commit of a session whose submit was already committed (its worktree is gone).
std::optional<Json> RecordedCommit(store::Store& store, const std::string& session_id) {
  Result<std::optional<std::string>> done = store.GetEffect(CommitEffectKey(session_id));
  if (!done.ok() || !done->has_value()) return std::nullopt;
  Result<Json> detail = ParseJson(**done);
  if (!detail.ok()) return std::nullopt;
  return *detail;
}

void PrintList(const char* heading, const std::vector<std::string>& items) {
  if (items.empty()) return;
  std::printf("%s (%zu):\n", heading, items.size());
  for (size_t i = 0; i < items.size() && i < kListedFiles; ++i) {
    std::printf("  %s\n", items[i].c_str());
  }
  if (items.size() > kListedFiles) std::printf("  ... and %zu more\n", items.size() - kListedFiles);
}

// What the branch holds against its base, and what git left out (ignored files).
void PrintFiles(SolveRun& run) {
  const sandbox::Worktree& wt = run.state.worktree;
  Result<std::vector<std::string>> committed =
      run.worktrees->ChangedFiles(wt.base_commit, "refs/heads/" + wt.branch);
  if (committed.ok()) PrintList("committed", *committed);
  Result<std::vector<std::string>> ignored = run.worktrees->IgnoredFiles(wt);
  if (ignored.ok()) PrintList("left out (ignored by .gitignore or as build output)", *ignored);
  Result<std::vector<std::string>> uncommitted = run.worktrees->UncommittedFiles(wt);
  if (uncommitted.ok()) PrintList("left out (not in the recorded submission)", *uncommitted);
}

// Commits the worktree on the branch, records that once, and removes the worktree. A run
// killed between the commit and the record commits nothing new the next time (nothing
// changed) and records the branch head.
int FinishSubmitted(SolveRun& run, const agent::SessionResult& result,
                    const std::optional<std::vector<std::string>>& only) {
  Result<sandbox::CommitOutcome> outcome =
      run.worktrees->CommitAll(run.state.worktree, result.summary,
                               {.name = "Macrohard", .email = "macrohard@localhost"}, only);
  if (!outcome.ok()) {
    std::fprintf(stderr, "macrohard solve: submitted, but the commit failed: %s\n",
                 outcome.error().ToString().c_str());
    return kExitFailed;
  }
  if (!outcome->committed) std::printf("the agent changed nothing; the branch stays at its base\n");
  PrintFiles(run);
  Json detail = {{"commit", outcome->commit}, {"summary", result.summary}};
  Result<bool> recorded =
      run.store->RecordEffectOnce(CommitEffectKey(run.session_id), DumpJson(detail));
  if (!recorded.ok()) {
    std::fprintf(stderr, "macrohard solve: %s\n", recorded.error().ToString().c_str());
  }
  Status removed = run.worktrees->Remove(run.state.worktree);
  if (!removed.ok()) std::fprintf(stderr, "macrohard solve: %s\n", removed.ToString().c_str());
  PrintSubmitted(result.summary, run.state.worktree.branch, outcome->commit);
  return 0;
}

int Report(SolveRun& run, const agent::SessionResult& result,
           const std::optional<std::vector<std::string>>& only) {
  const agent::SessionTotals& t = result.totals;
  std::printf("%lld steps, %s tokens, $%.4f\n", static_cast<long long>(t.steps),
              FormatCount(t.tokens()).c_str(), t.cost_usd);
  switch (result.outcome) {
    case agent::Outcome::kSubmitted:
      return FinishSubmitted(run, result, only);
    case agent::Outcome::kBlocked:
      std::fprintf(stderr, "macrohard solve: blocked: the agent asks: %s\n",
                   result.question.c_str());
      return kExitBlocked;
    default:
      std::fprintf(stderr, "macrohard solve: failed: %s\n(resume with --resume %s)\n",
                   result.status.ToString().c_str(), run.session_id.c_str());
      return kExitFailed;
  }
}

// The replay model, warning on stdout (between the step lines, in order) for each replayed
// command whose exit code differs from the recorded one.
std::unique_ptr<llm::Model> MakeReplayModel(const agent::Trajectory& trajectory,
                                            agent::ReplayModel** out) {
  auto model =
      std::make_unique<agent::ReplayModel>(trajectory, [](const agent::ExitCodeMismatch& m) {
        std::printf("%s\n", agent::DescribeMismatch(m).c_str());
        std::fflush(stdout);
      });
  *out = model.get();
  return model;
}

int Fail(int code, const Status& status) {
  std::fprintf(stderr, "macrohard solve: %s\n", status.ToString().c_str());
  return code;
}

int RunSolve(const SolveFlags& flags) {
  InterruptWatcher interrupts;
  Result<UserConfig> user_config = LoadUserConfig(flags.config);
  if (!user_config.ok()) return Fail(kExitUsage, user_config.error());
  Result<std::string> task = ReadTask(flags);
  if (!task.ok()) return Fail(kExitUsage, task.error());
  // Replays (docs/replay.md): the recording is the model, its cwd the default mount path,
  // its task the task unless one is given.
  std::optional<agent::Trajectory> replay;
  auto load_replay = [&replay](const std::string& name) -> Status {
    if (replay || !agent::IsReplayModelName(name)) return Status::Ok();
    ASSIGN_OR_RETURN(replay, agent::LoadTrajectory(name));
    return Status::Ok();
  };
  if (Status s = load_replay(flags.model); !s.ok()) return Fail(kExitUsage, s);
  if (task->empty() && replay) *task = replay->task;
  if (flags.resume.empty() && (task->empty() || flags.model.empty())) {
    return Fail(kExitUsage,
                InvalidArgumentError("a new session needs --task (or --task-file) and "
                                     "--model; a replay's recording may give the task"));
  }
  // A new session's model is made before anything else, so that an unusable one (an
  // unknown provider, a missing key) leaves no workspace, branch or store behind.
  ModelRuntime runtime(user_config->max_attempts);
  std::unique_ptr<llm::Model> model;
  agent::ReplayModel* replay_model = nullptr;  // Owned by `model`.
  auto make_model = [&](const std::string& name) -> Status {
    if (model) return Status::Ok();
    if (replay) {
      model = MakeReplayModel(*replay, &replay_model);
      return Status::Ok();
    }
    ASSIGN_OR_RETURN(model, runtime.MakeModel(name, *user_config, flags.limits));
    return Status::Ok();
  };
  if (flags.resume.empty()) {
    if (Status s = make_model(flags.model); !s.ok()) return Fail(kExitUsage, s);
  }
  SolveRun run;
  Status prepared = OpenStoreAndWorktrees(flags, run);
  if (prepared.ok())
    prepared = flags.resume.empty() ? PrepareNew(flags, run) : PrepareResume(flags, run);
  bool made_workspace = prepared.ok() && flags.resume.empty();
  if (prepared.ok()) prepared = load_replay(run.state.model);
  if (prepared.ok() && replay && flags.resume.empty() && flags.mount_path.empty())
    run.state.mount_path = replay->cwd;
  if (prepared.ok() && !flags.resume.empty()) {
    if (std::optional<Json> done = RecordedCommit(*run.store, run.session_id)) {
      std::printf("session %s was submitted and committed already\n", run.session_id.c_str());
      PrintSubmitted(done->value("summary", ""), run.state.worktree.branch,
                     done->value("commit", ""));
      return 0;
    }
  }
  if (prepared.ok()) prepared = PrepareEnvironment(flags, run);
  if (prepared.ok()) prepared = MakeTools(run);
  if (prepared.ok()) prepared = make_model(run.state.model);
  if (!prepared.ok()) {
    if (made_workspace) (void)run.worktrees->Discard(run.state.worktree);
    return Fail(kExitUsage, prepared);
  }
  auto session = agent::Session::Open({.model = model.get(),
                                       .registry = &run.registry,
                                       .tool_context = run.tool_context.get(),
                                       .store = run.store.get(),
                                       .clock = &SystemClock()},
                                      MakeConfig(flags, run, *task));
  if (!session.ok()) return Fail(kExitFailed, session.error());
  std::printf("session %s%s  branch %s  worktree %s\n", run.session_id.c_str(),
              (*session)->resumed() ? " (resumed)" : "", run.state.worktree.branch.c_str(),
              run.state.worktree.path.c_str());
  std::fflush(stdout);
  (*session)->set_step_callback(PrintStep);
  agent::SessionResult result = agent::RunSession(**session, interrupts.token());
  // A replay whose recorded submission names its files commits only those (docs/replay.md).
  std::optional<std::vector<std::string>> only;
  if (replay) only = agent::RecordedSubmissionPaths(*replay);
  int code = Report(run, result, only);
  if (replay_model != nullptr) {
    std::printf(
        "%s", agent::ExitCodeSummary(replay_model->compared(), replay_model->mismatches()).c_str());
  }
  if (replay && code == 0) {
    const sandbox::Worktree& wt = run.state.worktree;
    std::printf("%s",
                agent::ReplayReport(*run.runner, run.state.repo, wt.base_commit, wt.branch, *replay)
                    .c_str());
  }
  return code;
}

}  // namespace

Command RegisterSolve(CLI::App& app) {
  auto flags = std::make_shared<SolveFlags>();  // Shared with the runner, which outlives this.
  CLI::App* sub = app.add_subcommand("solve", "one agent solves one task in a git repository");
  sub->add_option("--repo", flags->repo, "the git repository to work on")->required();
  auto* task = sub->add_option("--task", flags->task, "what to do");
  auto* task_file = sub->add_option("--task-file", flags->task_file, "read the task from a file");
  task->excludes(task_file);
  sub->add_option("--model,-m", flags->model, "model name (docs/models.md)")->envname("MH_MODEL");
  sub->add_option("--resume", flags->resume, "continue the session with this id");
  sub->add_option("--session-id", flags->session_id, "id for a new session (default: made up)");
  sub->add_option("--store", flags->store, "state database (default GITDIR/macrohard/solve.db)");
  sub->add_option("--mount-path", flags->mount_path,
                  "where commands see the worktree, e.g. /testbed");
  sub->add_option("--branch", flags->branch, "branch name (default macrohard/SESSION)");
  sub->add_option("--config", flags->config, "TOML file with [prices] and [llm] settings");
  sub->add_option("--max-steps", flags->max_steps,
                  "model turns before giving up (default " + std::to_string(kDefaultMaxSteps) +
                      "; 0: no limit)");
  sub->add_option("--max-tokens", flags->max_tokens, "tokens before giving up (0: no limit)");
  sub->add_option("--max-cost", flags->max_cost, "US dollars before giving up (0: no limit)");
  sub->add_option("--max-wall-time", flags->max_wall_seconds,
                  "seconds in model calls and tools before giving up (0: no limit)");
  AddModelLimitFlags(*sub, flags->limits);
  sub->add_flag("--no-stream", flags->no_stream, "ask for whole replies instead of streams");
  sub->add_option("--setup", flags->setup,
                  "a set-up command run once with the network before the agent starts, e.g. "
                  "'pip install -r requirements.txt' (repeatable; default: [environment] in the "
                  "repository's macrohard.toml)");
  sub->add_option("--setup-input", flags->setup_inputs,
                  "a file the set-up depends on: it runs again when the file changes");
  return {sub, [flags] { return RunSolve(*flags); }};
}

}  // namespace mh::cli
