// Opening a company, creating one, and the scheduler loop.
#include "company/company.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/ids.h"
#include "company/company_impl.h"

namespace mh::company {
namespace fs = std::filesystem;

namespace {

constexpr std::chrono::seconds kLeaseTtl{30};
constexpr const char* kIdFile = "company_id";
// What builds and test runs leave behind: never part of a change (the system commits
// everything else an agent leaves in its worktree).
constexpr const char* kGitIgnore =
    "__pycache__/\n*.pyc\n*.o\n*.a\n*.so\nbuild/\nnode_modules/\ntarget/\n.pytest_cache/\n"
    "*.log\n";

Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  if (!out) return InternalError("cannot write " + path);
  return Status::Ok();
}

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "localhost";
  return name;
}

// "host:pid:random": a run's lease holder name.
std::string NewHolder() { return HostName() + ":" + std::to_string(getpid()) + ":" + NewId("run"); }

}  // namespace

bool LeaseHolderIsDead(const std::string& holder) {
  size_t a = holder.find(':');
  size_t b = holder.find(':', a + 1);
  if (a == std::string::npos || b == std::string::npos) return false;
  if (holder.substr(0, a) != HostName()) return false;
  pid_t pid = static_cast<pid_t>(std::strtol(holder.c_str() + a + 1, nullptr, 10));
  return pid > 0 && kill(pid, 0) != 0 && errno == ESRCH;
}

CompanyPaths PathsFor(const std::string& dir) {
  fs::path root = fs::absolute(dir).lexically_normal();
  std::string r = root.string();
  if (r.size() > 1 && r.back() == '/') r.pop_back();
  return {.root = r,
          .charter = (root / "company.toml").string(),
          .repo = (root / "repo").string(),
          .state_dir = (root / ".macrohard").string(),
          .store = (root / ".macrohard" / "store.db").string(),
          .worktrees = (root / ".macrohard" / "worktrees").string(),
          .artifacts = (root / "artifacts").string()};
}

Result<std::string> ReadCompanyId(const std::string& dir) {
  std::string path = (fs::path(PathsFor(dir).state_dir) / kIdFile).string();
  std::ifstream in(path);
  std::string id;
  if (!in || !std::getline(in, id)) return NotFoundError("cannot read the company id " + path);
  while (!id.empty() && (id.back() == '\r' || id.back() == ' ')) id.pop_back();
  if (id.empty()) return NotFoundError("the company id file " + path + " is empty");
  return id;
}

Status CreateCompany(const std::string& dir, const Charter& charter, store::Store& store,
                     sandbox::ProcessRunner& runner) {
  CompanyPaths paths = PathsFor(dir);
  std::error_code ec;
  if (fs::exists(paths.charter, ec)) {
    return AlreadyExistsError(paths.root + " already holds a company (company.toml)");
  }
  for (const std::string& d : {paths.root, paths.state_dir, paths.worktrees, paths.artifacts}) {
    fs::create_directories(d, ec);
    if (ec) return InternalError("cannot create " + d + ": " + ec.message());
  }
  RETURN_IF_ERROR(WriteText((fs::path(paths.state_dir) / kIdFile).string(), charter.name));
  std::string readme = "# " + charter.name + "\n\n" + charter.brief + "\n";
  ASSIGN_OR_RETURN(std::string first,
                   sandbox::WorktreeManager::InitRepository(
                       runner, paths.repo, {{"README.md", readme}, {".gitignore", kGitIgnore}},
                       "Start " + charter.name, kSystemIdentity));
  Tracker tracker(store, charter.name);
  RETURN_IF_ERROR(
      tracker.Record("company_created",
                     {{"name", charter.name}, {"model", charter.model}, {"first_commit", first}}));
  std::string acceptance;
  for (const std::string& a : charter.acceptance) acceptance += "- " + a + "\n";
  std::string spec_body = charter.brief;
  if (!acceptance.empty())
    spec_body += "\n\nAcceptance criteria set by the charter:\n" + acceptance;
  ASSIGN_OR_RETURN(store::WorkItem spec, tracker.File({.kind = "spec",
                                                       .title = "Write the spec and the backlog",
                                                       .body = spec_body,
                                                       .author = "system",
                                                       .priority = 100}));
  ASSIGN_OR_RETURN(store::WorkItem design,
                   tracker.File({.kind = "design",
                                 .title = "Design and project skeleton",
                                 .body = "Read SPEC.md and the backlog; write DESIGN.md, the "
                                         "skeleton, and record the build and test commands.",
                                 .author = "system",
                                 .depends_on = {spec.id},
                                 .priority = 90}));
  ASSIGN_OR_RETURN(store::WorkItem accept,
                   tracker.File({.kind = "acceptance",
                                 .title = "Accept the product on main",
                                 .body = "Check every acceptance criterion in SPEC.md against "
                                         "main; file a bug for each that fails.",
                                 .author = "system",
                                 .depends_on = {design.id},
                                 .priority = 10}));
  RETURN_IF_ERROR(tracker
                      .File({.kind = "release",
                             .title = "Release " + charter.tag_prefix + charter.first_version,
                             .body = "The first release.",
                             .author = "system",
                             .depends_on = {accept.id},
                             .priority = 5,
                             .labels = "version=" + charter.first_version})
                      .status());
  return WriteText(paths.charter, RenderCharterToml(charter));
}

Company::Impl::Impl(CompanyPaths paths, Charter charter, CompanyDeps deps, std::string company_id)
    : paths_(std::move(paths)),
      charter_(std::move(charter)),
      deps_(std::move(deps)),
      tracker_(*deps_.store, std::move(company_id)) {}

Result<std::unique_ptr<Company>> Company::Open(const std::string& dir, CompanyDeps deps) {
  if (deps.store == nullptr || deps.runner == nullptr || !deps.models || deps.clock == nullptr) {
    return InvalidArgumentError("company: store, runner, models and clock are required");
  }
  CompanyPaths paths = PathsFor(dir);
  std::error_code ec;
  if (!fs::exists(paths.charter, ec)) {
    return NotFoundError(paths.root +
                         " holds no company (no company.toml); make one with "
                         "`macrohard new`");
  }
  ASSIGN_OR_RETURN(Charter charter, LoadCharter(paths.charter));
  ASSIGN_OR_RETURN(std::string id, ReadCompanyId(dir));
  auto impl = std::make_unique<Impl>(paths, std::move(charter), std::move(deps), id);
  sandbox::WorkspaceOptions options;
  options.disk_quota_bytes = static_cast<uint64_t>(impl->charter_.workspace_disk_mib) << 20;
  ASSIGN_OR_RETURN(impl->worktrees_,
                   sandbox::WorktreeManager::Create(*impl->deps_.runner, paths.repo,
                                                    paths.worktrees, std::move(options)));
  impl->environment_ =
      std::make_unique<sandbox::Environment>((fs::path(paths.state_dir) / "env").string());
  return std::unique_ptr<Company>(new Company(std::move(impl)));
}

Company::Company(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Company::~Company() = default;
const Charter& Company::charter() const { return impl_->charter_; }
const CompanyPaths& Company::paths() const { return impl_->paths_; }
Result<RunReport> Company::Run(const RunOptions& options) { return impl_->Run(options); }

Status Company::Impl::PrepareEnvironment() {
  const sandbox::EnvironmentSpec& spec = charter_.environment;
  std::vector<std::string> missing = sandbox::MissingPackages(*deps_.runner, spec.packages);
  if (!missing.empty()) {
    std::string names;
    for (const std::string& name : missing) names += (names.empty() ? "" : " ") + name;
    Say("environment: the product needs Debian packages this machine lacks: " + names +
        " (apt-get install " + names + ")");
  }
  if (spec.empty()) return Status::Ok();
  ASSIGN_OR_RETURN(environment_main_, worktrees_->ResolveCommit("main"));
  ASSIGN_OR_RETURN(std::string stamp, environment_->Stamp(spec, *worktrees_, environment_main_));
  if (environment_->Current(stamp)) return Status::Ok();
  Say("environment: running set-up (" + std::to_string(spec.setup.size()) +
      " commands, with the network)");
  Status prepared = environment_->Prepare(spec, *worktrees_, *deps_.runner, environment_main_,
                                          stamp, SandboxFor({}));
  RETURN_IF_ERROR(
      tracker_.Record("environment_setup",
                      {{"stamp", stamp}, {"ok", prepared.ok()}, {"message", prepared.message()}}));
  if (!prepared.ok()) {
    return FailedPreconditionError(prepared.message() + "\n(the whole log: " + environment_->dir() +
                                   "/setup.log; fix [environment] in company.toml, then run "
                                   "again)");
  }
  Say("environment: ready");
  return Status::Ok();
}

sandbox::SandboxConfig Company::Impl::SandboxFor(const sandbox::Worktree& worktree) const {
  sandbox::SandboxConfig config{.worktree = worktree.path, .network = charter_.network};
  if (!worktree.path.empty()) {
    config.extra_read_only = sandbox::WorkspaceReadOnlyPaths(worktree);
    environment_->Apply(config);
  }
  return config;
}

void Company::Impl::Say(const std::string& line) {
  if (options_.progress) options_.progress(line);
}

void Company::Impl::Post(std::function<void()> completion) {
  {
    std::lock_guard<std::mutex> lock(inbox_mutex_);
    inbox_.push_back(std::move(completion));
  }
  inbox_wake_.notify_one();
}

bool Company::Impl::InFlight() const { return !live_.empty() || !gate_jobs_.empty(); }

namespace {

Status TakeLease(store::Store& store, const std::string& name, const std::string& holder) {
  ASSIGN_OR_RETURN(bool got, store.AcquireLease(name, holder, kLeaseTtl));
  if (got) return Status::Ok();
  ASSIGN_OR_RETURN(std::optional<store::Lease> lease, store.GetLease(name));
  if (lease && LeaseHolderIsDead(lease->holder)) {
    // The previous run was killed: its lease need not run out first.
    RETURN_IF_ERROR(store.ReleaseLease(name, lease->holder));
    ASSIGN_OR_RETURN(got, store.AcquireLease(name, holder, kLeaseTtl));
    if (got) return Status::Ok();
  }
  return FailedPreconditionError("this company is being run by another process (" +
                                 (lease ? lease->holder : std::string("?")) + ")");
}

}  // namespace

Result<RunReport> Company::Impl::Run(const RunOptions& options) {
  options_ = options;
  holder_ = NewHolder();
  const std::string lease = "company:" + tracker_.company_id();
  RETURN_IF_ERROR(TakeLease(*deps_.store, lease, holder_));
  RETURN_IF_ERROR(LoadLedger());
  RETURN_IF_ERROR(ReopenBlocked(/*retry_failed=*/true));
  environment_->RemoveStale();  // Nothing runs yet: older generations can go.
  if (Status env = PrepareEnvironment(); !env.ok()) {
    (void)deps_.store->ReleaseLease(lease, holder_);
    return env;
  }
  int workers = charter_.workers > 0
                    ? charter_.workers
                    : std::clamp(4 * static_cast<int>(std::thread::hardware_concurrency()), 4, 16);
  pool_ = std::make_unique<WorkPool>(workers);
  Say("company " + charter_.name + ": running (" + std::to_string(workers) + " workers)");
  bool stopping = false;
  Status failure;
  auto last_renew = deps_.clock->Now();
  while (true) {
    std::deque<std::function<void()>> ready;
    std::optional<std::string> budget;
    {
      std::lock_guard<std::mutex> lock(inbox_mutex_);
      ready.swap(inbox_);
      budget = pending_budget_stop_;
    }
    for (auto& completion : ready) completion();
    if (budget) StopForBudget(*budget);
    if (deps_.clock->Now() - last_renew > kLeaseTtl / 3) {
      // Acquire, not Renew: after a long pass the lease may have run out; it is still
      // ours unless another process took it meanwhile.
      Result<bool> renewed = deps_.store->AcquireLease(lease, holder_, kLeaseTtl);
      if (!renewed.ok()) failure = renewed.error();
      if (renewed.ok() && !*renewed) {
        failure = FailedPreconditionError("another process took over this company");
      }
      last_renew = deps_.clock->Now();
    }
    bool stop_now = options_.stop.stop_requested() || budget_stop_.has_value() || !failure.ok();
    if (stop_now && !stopping) {
      stopping = true;
      for (auto& [id, live] : live_) live->Cancel();
    }
    bool started = false;
    if (!stopping) {
      Result<bool> ticked = Tick();
      if (!ticked.ok()) {
        failure = ticked.error();
        continue;
      }
      started = *ticked;
    }
    if (!InFlight() && !started) {
      // A model that does not answer is waited for: its items are not a person's to move.
      if (stopping || (options_.mode == RunMode::kUntilIdle && outages_.empty())) break;
    }
    std::unique_lock<std::mutex> lock(inbox_mutex_);
    inbox_wake_.wait_for(lock, options_.poll, [&] { return !inbox_.empty(); });
  }
  pool_.reset();
  (void)deps_.store->ReleaseLease(lease, holder_);
  if (!failure.ok()) return failure;
  return Report();
}

}  // namespace mh::company
