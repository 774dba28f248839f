// The company folder: where it stands (home, moved, copy), whether its store is its own,
// and the doctor's checks and repairs.
#include "company/folder.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "base/ids.h"
#include "company/company.h"
#include "company/company_impl.h"
#include "company/tracker.h"
#include "sandbox/alternates.h"
#include "store/integrity.h"

namespace mh::company {
namespace fs = std::filesystem;

namespace {

constexpr const char* kFolderFile = "folder";

struct FolderRecord {
  std::string instance;
  std::string place;
};

std::string Canonical(const std::string& path) {
  std::error_code ec;
  fs::path real = fs::weakly_canonical(path, ec);
  return ec ? fs::absolute(path).lexically_normal().string() : real.string();
}

std::optional<FolderRecord> ReadFolderRecord(const std::string& dir) {
  std::ifstream in(fs::path(PathsFor(dir).state_dir) / kFolderFile);
  if (!in) return std::nullopt;
  FolderRecord record;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("instance ", 0) == 0) record.instance = line.substr(9);
    if (line.rfind("last_opened_at ", 0) == 0) record.place = line.substr(15);
  }
  if (record.instance.empty()) return std::nullopt;
  return record;
}

// "merged"/"tagged" events, read page by page.
Status ForEachEvent(store::Store& store, const std::string& company_id,
                    const std::function<void(const store::Event&)>& visit) {
  int64_t after = 0;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<store::Event> page, store.ReadEvents(company_id, after, 1000));
    if (page.empty()) return Status::Ok();
    for (const store::Event& e : page) visit(e);
    after = page.back().seq;
  }
}

// The item a workspace name belongs to: "item-7" and "item-7-review-2" give "7".
std::string ItemOfWorkspace(const std::string& name) {
  if (name.rfind("item-", 0) != 0) return "";
  std::string rest = name.substr(5);
  size_t end = rest.find('-');
  return end == std::string::npos ? rest : rest.substr(0, end);
}

bool RealDirectory(const fs::path& path) {
  std::error_code ec;
  return fs::symlink_status(path, ec).type() == fs::file_type::directory;
}

// Writes `content` to `path` without following a symlink there (the workspace's .git is
// the agent's). Only called with no run going.
Status WriteNoFollow(const fs::path& path, const std::string& content) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return InternalError("cannot write " + path.string());
  ssize_t n = write(fd, content.data(), content.size());
  close(fd);
  if (n != static_cast<ssize_t>(content.size()))
    return InternalError("cannot write " + path.string());
  return Status::Ok();
}

std::string RunGit(sandbox::ProcessRunner& runner, const std::string& repo,
                   const std::vector<std::string>& args, bool* ok) {
  sandbox::ProcessSpec spec{.argv = {"git", "-C", repo},
                            .env = {"PATH=/usr/bin:/bin", "HOME=/nonexistent",
                                    "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null"}};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  Result<sandbox::ProcessResult> result = runner.Run(spec);
  *ok = result.ok() && result->ok();
  std::string out = result.ok() ? result->stdout_text : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

class Doctor {
 public:
  Doctor(const std::string& dir, store::Store* store, sandbox::ProcessRunner& runner,
         const DoctorOptions& options)
      : paths_(PathsFor(dir)), dir_(dir), store_(store), runner_(runner), options_(options) {}

  std::vector<Finding> Run() {
    CheckPlace();
    CheckStore();
    CheckLease();
    CheckRepository();
    CheckWorkspaces();
    return std::move(findings_);
  }

 private:
  Finding& Add(std::string what, std::string advice, bool repairable = false) {
    findings_.push_back(
        {.what = std::move(what), .advice = std::move(advice), .repairable = repairable});
    return findings_.back();
  }
  // Repairs only with --repair and when no run holds the company.
  bool MayRepair() const { return options_.repair && !running_; }
  void Repaired(Finding& f, const Status& status, const std::string& done) {
    if (status.ok()) {
      f.repaired = true;
      f.advice = done;
    } else {
      f.advice += " (repair failed: " + status.ToString() + ")";
    }
  }
  std::string Relative(const fs::path& path) const {
    return path.lexically_relative(paths_.root).string();
  }

  void CheckPlace() {
    FolderCheck check = LocateFolder(dir_);
    if (check.place == FolderPlace::kCopy) {
      Add("this folder is a copy of " + check.original + ", which still holds the same company",
          "give the copy its own identity with `macrohard doctor " + dir_ +
              " --as-copy` (then it runs as a separate company), or remove one of the two");
    } else if (check.place == FolderPlace::kMoved) {
      Finding& f = Add("the company was moved here from " + check.original,
                       "`macrohard run` records the new place; or `--repair`", true);
      if (options_.repair) Repaired(f, ClaimFolder(dir_, false), "recorded the new place");
    }
  }

  void CheckStore() {
    Result<std::string> id = ReadCompanyId(dir_);
    if (!id.ok()) {
      Add(id.error().message(), "restore .macrohard/company_id (the company's name in the store)");
    } else {
      company_id_ = *id;
    }
    Result<std::vector<std::string>> problems = store::CheckSqliteIntegrity(paths_.store);
    if (!problems.ok()) {
      Add("the store: " + problems.error().message(),
          "restore .macrohard/store.db from a backup; the repository and workspaces are kept");
      store_ = nullptr;
      return;
    }
    for (const std::string& p : *problems) {
      Add("the store fails SQLite's integrity check: " + p,
          "restore .macrohard/store.db from a backup (or `sqlite3 store.db .recover`)");
    }
    if (store_ == nullptr) {
      Add("the store cannot be opened", "restore .macrohard/store.db from a backup");
      return;
    }
    if (company_id_.empty()) return;
    if (Status verified = VerifyStore(dir_, *store_); !verified.ok()) {
      Add(verified.message(), "restore the store that belongs to this folder");
      foreign_ = true;
    }
  }

  void CheckLease() {
    if (store_ == nullptr || company_id_.empty()) return;
    Result<std::optional<store::Lease>> lease = store_->GetLease("company:" + company_id_);
    if (!lease.ok() || !lease->has_value()) return;
    const store::Lease& held = **lease;
    if (!LeaseHolderIsDead(held.holder)) {
      if (held.expires_at > SystemClock().Now()) {
        running_ = true;
        Add("a run holds the company now (" + held.holder + ")",
            "nothing is repaired while it runs; stop it first to repair");
      }
      return;
    }
    Finding& f = Add("a lease held by a dead process: " + held.holder,
                     "`--repair` releases it (a run takes it over anyway)", true);
    if (options_.repair) {
      Repaired(f, store_->ReleaseLease("company:" + company_id_, held.holder),
               "released the lease of the dead process");
    }
  }

  void StaleLock(const fs::path& lock) {
    Finding& f = Add("a stale git lock: " + Relative(lock),
                     "no git runs there now; `--repair` deletes it", true);
    if (!MayRepair()) return;
    std::error_code ec;
    fs::remove(lock, ec);  // A symlink is removed, not followed.
    Repaired(f, ec ? InternalError(ec.message()) : Status::Ok(), "deleted " + Relative(lock));
  }

  void LocksIn(const fs::path& git_dir) {
    std::error_code ec;
    if (!RealDirectory(git_dir)) return;
    for (const char* name : {"index.lock", "HEAD.lock", "packed-refs.lock", "config.lock"}) {
      if (fs::exists(fs::symlink_status(git_dir / name, ec))) StaleLock(git_dir / name);
    }
    if (!RealDirectory(git_dir / "refs")) return;
    for (auto it = fs::recursive_directory_iterator(git_dir / "refs", ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->path().extension() == ".lock") StaleLock(it->path());
    }
  }

  void CheckRepository() {
    fs::path git_dir = fs::path(paths_.repo) / ".git";
    if (!RealDirectory(git_dir)) {
      Add("no repository at " + Relative(paths_.repo), "restore repo/ from a backup");
      return;
    }
    LocksIn(git_dir);
    std::error_code ec;
    if (fs::exists(git_dir / "MERGE_HEAD", ec)) {
      Add("a merge was left half done in the repository (repo/.git/MERGE_HEAD)",
          "the system only fast-forwards main: finish or drop it by hand (`git -C " + paths_.repo +
              " merge --abort`)");
    }
    if (store_ == nullptr || company_id_.empty()) return;
    // Store vs repository: every merge and tag the store records must be in git, and
    // every release tag in git must be in the store.
    std::set<std::string> recorded_tags;
    bool ok = true;
    std::string main = RunGit(runner_, paths_.repo, {"rev-parse", "--verify", "-q", "main"}, &ok);
    Status read = ForEachEvent(*store_, company_id_, [&](const store::Event& e) {
      Result<Json> payload = ParseJson(e.payload);
      if (!payload.ok()) return;
      std::string commit = payload->value("commit", "");
      if (e.kind == "merged") {
        bool in = false;
        RunGit(runner_, paths_.repo, {"merge-base", "--is-ancestor", commit, "main"}, &in);
        if (!in) {
          Add("the store records #" + payload->value("item", "?") + " merged at " + commit +
                  ", which main in the repository does not hold",
              "the repository and the store are not of one company: restore the one that is "
              "missing work");
        }
      } else if (e.kind == "tagged") {
        std::string tag = payload->value("tag", "");
        recorded_tags.insert(tag);
        bool has = false;
        std::string at =
            RunGit(runner_, paths_.repo,
                   {"rev-parse", "-q", "--verify", "refs/tags/" + tag + "^{commit}"}, &has);
        if (!has) {
          Add("the store records tag " + tag + " at " + commit + ", which the repository lacks",
              "`macrohard run " + dir_ + "` tags it again");
        } else if (at != commit) {
          Add("tag " + tag + " names " + at + " in the repository but " + commit + " in the store",
              "the repository and the store disagree: check which release is right");
        }
      }
    });
    if (!read.ok()) Add("cannot read the store's events: " + read.ToString(), "restore the store");
    std::string tags = RunGit(runner_, paths_.repo, {"tag", "--list"}, &ok);
    size_t start = 0;
    while (!foreign_ && start < tags.size()) {
      size_t end = tags.find('\n', start);
      if (end == std::string::npos) end = tags.size();
      std::string tag = tags.substr(start, end - start);
      if (!tag.empty() && recorded_tags.count(tag) == 0) {
        Add("the repository has tag " + tag + " that the store never recorded",
            "the store may be another company's or an old backup");
      }
      start = end + 1;
    }
  }

  void CheckWorkspaces() {
    std::error_code ec;
    if (!fs::is_directory(paths_.worktrees, ec)) return;
    std::map<std::string, std::string> states;  // item id -> state
    std::set<std::string> named;                // workspaces that sessions name
    if (store_ != nullptr && !company_id_.empty() && !foreign_) {
      Tracker tracker(*store_, company_id_);
      Result<std::vector<store::WorkItem>> items = tracker.List();
      if (items.ok()) {
        for (const store::WorkItem& item : *items) states[item.id] = item.state;
      }
      Result<std::vector<store::SessionRecord>> sessions =
          store_->ListSessions(company_id_, std::nullopt);
      if (sessions.ok()) {
        for (const store::SessionRecord& s : *sessions) {
          Result<Json> blob = ParseJson(s.state_blob);
          if (blob.ok() && blob->contains("worktree") && (*blob)["worktree"].is_object()) {
            named.insert((*blob)["worktree"].value("name", ""));
          }
        }
      }
    }
    std::unique_ptr<sandbox::WorktreeManager> manager = Manager();
    std::set<std::string> names;
    for (const fs::directory_entry& entry : fs::directory_iterator(paths_.worktrees, ec)) {
      std::string name = entry.path().filename().string();
      if (name.empty() || name[0] == '.') continue;
      names.insert(name);
    }
    // Disks whose workspace directory is gone.
    fs::path disks = fs::path(paths_.worktrees) / ".disks";
    for (const fs::directory_entry& entry : fs::directory_iterator(disks, ec)) {
      std::string file = entry.path().filename().string();
      if (entry.path().extension() == ".ext4" && file.rfind("template-", 0) != 0) {
        names.insert(entry.path().stem().string());
      }
    }
    for (const std::string& name : names) {
      fs::path path = fs::path(paths_.worktrees) / name;
      LocksIn(path / ".git");
      CheckAlternates(path);
      if (states.empty() && store_ == nullptr) continue;
      if (foreign_) continue;
      std::string item = ItemOfWorkspace(name);
      auto state = states.find(item);
      bool review = name.find("-review-") != std::string::npos;
      bool finished = state != states.end() &&
                      (state->second == states::kDone || state->second == states::kClosed);
      bool in_use = state != states.end() && !finished && named.count(name) > 0 &&
                    (!review || state->second == states::kReview);
      if (in_use) {
        if (fs::exists(path / ".git" / "MERGE_HEAD", ec) && state->second != states::kInProgress) {
          Add("a merge was left half done in workspace " + name + " (#" + item + " is " +
                  state->second + ")",
              "`macrohard run " + dir_ + "` goes on with it");
        }
        continue;
      }
      OrphanWorkspace(name, item, finished || review, manager.get());
    }
  }

  void OrphanWorkspace(const std::string& name, const std::string& item, bool safe,
                       sandbox::WorktreeManager* manager) {
    std::string branch = item.empty() ? "mh/" + name : "mh/" + item;
    bool exists = false;
    std::string head = RunGit(runner_, paths_.repo,
                              {"rev-parse", "-q", "--verify", "refs/heads/" + branch}, &exists);
    bool landed = true;
    if (exists)
      RunGit(runner_, paths_.repo, {"merge-base", "--is-ancestor", head, "main"}, &landed);
    std::string why =
        item.empty() ? "no work item" : "#" + item + (safe ? " is finished" : " has no session");
    if (!safe && !landed) {
      Add("workspace " + name + " (" + why + ") holds work not landed on main (" + branch + ")",
          "not removed: look at it, then delete it by hand if it is not wanted");
      return;
    }
    Finding& f = Add("an orphan workspace: " + name + " (" + why + ")",
                     "`--repair` removes it (its branch stays)", true);
    if (!MayRepair()) return;
    if (manager == nullptr) {
      Repaired(f, InternalError("cannot open the repository"), "");
      return;
    }
    Repaired(f, manager->Remove(manager->Describe(name, branch, "")), "removed workspace " + name);
  }

  // A workspace of a folder that was moved or copied names the old repository's objects:
  // it would borrow from elsewhere until its session resumes (Remount rewrites it).
  void CheckAlternates(const fs::path& workspace) {
    fs::path info = workspace / ".git" / "objects" / "info";
    if (!RealDirectory(workspace / ".git") || !RealDirectory(workspace / ".git" / "objects") ||
        !RealDirectory(info)) {
      return;
    }
    std::ifstream in(info / "alternates");
    std::string line;
    std::string wanted = sandbox::AlternatesFor((fs::path(paths_.repo) / ".git").string());
    if (!in || !std::getline(in, line) || line.empty() || line == wanted) return;
    Finding& f = Add("workspace " + workspace.filename().string() +
                         " borrows objects from another repository (" + line + ")",
                     "`--repair` points it at this folder's repository", true);
    if (!MayRepair()) return;
    Repaired(f, WriteNoFollow(info / "alternates", wanted + "\n"),
             "pointed workspace " + workspace.filename().string() + " at this repository");
  }

  std::unique_ptr<sandbox::WorktreeManager> Manager() {
    sandbox::WorkspaceOptions options;
    Result<Charter> charter = LoadCharter(paths_.charter);
    if (charter.ok())
      options.disk_quota_bytes = static_cast<uint64_t>(charter->workspace_disk_mib) << 20;
    Result<std::unique_ptr<sandbox::WorktreeManager>> manager =
        sandbox::WorktreeManager::Create(runner_, paths_.repo, paths_.worktrees, options);
    return manager.ok() ? std::move(*manager) : nullptr;
  }

  CompanyPaths paths_;
  std::string dir_;
  store::Store* store_;
  sandbox::ProcessRunner& runner_;
  DoctorOptions options_;
  std::string company_id_;
  bool running_ = false;
  bool foreign_ = false;
  std::vector<Finding> findings_;
};

}  // namespace

FolderCheck LocateFolder(const std::string& dir) {
  std::optional<FolderRecord> mine = ReadFolderRecord(dir);
  if (!mine) return {};
  FolderCheck check{.place = FolderPlace::kHome, .instance = mine->instance};
  std::string here = Canonical(PathsFor(dir).root);
  if (mine->place.empty() || mine->place == here) return check;
  check.original = mine->place;
  std::optional<FolderRecord> there = ReadFolderRecord(mine->place);
  Result<std::string> my_id = ReadCompanyId(dir);
  Result<std::string> their_id = ReadCompanyId(mine->place);
  bool same = there && there->instance == mine->instance && there->place == mine->place &&
              my_id.ok() && their_id.ok() && *my_id == *their_id;
  check.place = same ? FolderPlace::kCopy : FolderPlace::kMoved;
  return check;
}

Status ClaimFolder(const std::string& dir, bool new_identity) {
  CompanyPaths paths = PathsFor(dir);
  std::optional<FolderRecord> record = ReadFolderRecord(dir);
  std::string instance = record && !new_identity ? record->instance : NewId("folder");
  fs::path file = fs::path(paths.state_dir) / kFolderFile;
  fs::path temp = file.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << "# The folder's identity, and where it was last opened (to tell a copy from a "
           "move; never used to reach anything).\n"
        << "instance " << instance << "\nlast_opened_at " << Canonical(paths.root) << "\n";
    out.flush();
    if (!out) return InternalError("cannot write " + temp.string());
  }
  std::error_code ec;
  fs::rename(temp, file, ec);
  if (ec) return InternalError("cannot write " + file.string() + ": " + ec.message());
  return Status::Ok();
}

Status EnterFolder(const std::string& dir, std::string* note) {
  FolderCheck check = LocateFolder(dir);
  switch (check.place) {
    case FolderPlace::kCopy:
      return FailedPreconditionError(
          PathsFor(dir).root + " is a copy of " + check.original +
          ", which still holds the same company. Two folders must not claim one identity: to "
          "run this copy as a separate company, give it its own with `macrohard doctor " +
          dir + " --as-copy`, then run it; to move the company instead, remove " + check.original +
          " first.");
    case FolderPlace::kMoved:
      if (note != nullptr) *note = "company moved here from " + check.original;
      return ClaimFolder(dir, false);
    case FolderPlace::kHome:
      if (check.instance.empty()) return ClaimFolder(dir, false);
      return Status::Ok();
  }
  return Status::Ok();
}

Status StoreFilePresent(const std::string& dir) {
  CompanyPaths paths = PathsFor(dir);
  std::error_code ec;
  if (!fs::exists(paths.store, ec)) {
    return FailedPreconditionError(
        paths.root +
        " has no store (.macrohard/store.db is missing): its work items and "
        "history are gone, so it cannot go on. Restore the store from a backup; `macrohard "
        "doctor " +
        dir + "` shows what the folder still holds.");
  }
  if (fs::file_size(paths.store, ec) == 0 && !ec) {
    return FailedPreconditionError(
        paths.root +
        " has an empty store (.macrohard/store.db): its work items and history "
        "are gone. Restore the store from a backup; `macrohard doctor " +
        dir + "` shows what the folder still holds.");
  }
  return Status::Ok();
}

Status VerifyStore(const std::string& dir, store::Store& store) {
  ASSIGN_OR_RETURN(std::string id, ReadCompanyId(dir));
  const std::string what_next =
      " Restore the company's own store (or its company_id); `macrohard "
      "doctor " +
      dir + "` checks the folder.";
  ASSIGN_OR_RETURN(std::vector<store::Event> first, store.ReadEvents(id, 0, 1));
  if (first.empty() || first.front().kind != "company_created") {
    return FailedPreconditionError(
        "the store (.macrohard/store.db) holds no record of company '" + id +
        "' (.macrohard/company_id): it is empty, lost or another company's, while the folder "
        "has a repository." +
        what_next);
  }
  ASSIGN_OR_RETURN(std::vector<store::WorkItem> items, store.ListWorkItems(id, {}));
  if (items.empty()) {
    return FailedPreconditionError(
        "the store (.macrohard/store.db) holds no work items of company '" + id + "'." + what_next);
  }
  return Status::Ok();
}

std::vector<Finding> Examine(const std::string& dir, store::Store* store,
                             sandbox::ProcessRunner& runner, const DoctorOptions& options) {
  return Doctor(dir, store, runner, options).Run();
}

}  // namespace mh::company
