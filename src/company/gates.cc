// The gates the system runs: CI, the merge queue and release tags.
//
// CI and merge jobs run on the pool and hand a GateResult back to the loop, which makes
// every state change. A merge and a tag are each recorded once (RecordEffectOnce, with
// their event in the same transaction) and then done idempotently, so a crash between
// the record and the deed is finished by the next run without doing anything twice.
#include <algorithm>

#include "company/company_impl.h"

namespace mh::company {
namespace {

constexpr size_t kLogTail = 6000;

std::string Tail(const std::string& text, size_t max) {
  if (text.size() <= max) return text;
  return "[... " + std::to_string(text.size() - max) + " bytes cut ...]\n" +
         text.substr(text.size() - max);
}

const char* StateOfGate(Gate gate) {
  switch (gate) {
    case Gate::kCi:
      return states::kCi;
    case Gate::kReview:
      return states::kReview;
    case Gate::kMerge:
      return states::kMerging;
    case Gate::kTag:
      return states::kTagging;
  }
  return states::kDone;
}

std::string Version(const store::WorkItem& item) {
  size_t at = item.labels.find("version=");
  if (at == std::string::npos) return "";
  std::string v = item.labels.substr(at + 8);
  return v.substr(0, v.find(','));
}

}  // namespace

const KindRule* Company::Impl::RuleFor(const store::WorkItem& item) const {
  auto it = charter_.workflow.find(item.kind);
  return it == charter_.workflow.end() ? nullptr : &it->second;
}

std::string Company::Impl::StateAfter(const store::WorkItem& item, std::optional<Gate> gate) const {
  const KindRule* rule = RuleFor(item);
  if (rule == nullptr) return states::kDone;
  auto next = rule->gates.begin();
  if (gate) {
    next = std::find(rule->gates.begin(), rule->gates.end(), *gate);
    if (next != rule->gates.end()) ++next;
  }
  return next == rule->gates.end() ? states::kDone : StateOfGate(*next);
}

Commands Company::Impl::CurrentCommands() {
  if (charter_.commands_from_file) return charter_.commands;
  Commands commands = charter_.commands;
  Result<std::optional<std::pair<std::string, std::string>>> recorded = index_.RecordedCommands();
  if (recorded.ok() && recorded->has_value()) {
    commands.build = (*recorded)->first;
    commands.test = (*recorded)->second;
  }
  return commands;
}

Result<sandbox::Worktree> Company::Impl::ItemWorktree(const store::WorkItem& item) {
  const KindRule* rule = RuleFor(item);
  if (rule == nullptr) return FailedPreconditionError("no workflow rule for kind " + item.kind);
  ASSIGN_OR_RETURN(store::SessionRecord record,
                   deps_.store->GetSession(WorkSessionId(item, rule->role)));
  ASSIGN_OR_RETURN(Json blob, ParseJson(record.state_blob));
  std::string name = blob.at("worktree").value("name", "");
  std::string branch = blob.at("worktree").value("branch", "");
  return WorktreeFor(name, branch, "main");
}

GateResult Company::Impl::RunChecks(const sandbox::Worktree& worktree) {
  GateResult out;
  Result<std::string> head = worktrees_->ResolveCommit("refs/heads/" + worktree.branch);
  out.commit = head.ok() ? *head : "";
  Commands commands = CurrentCommands();
  std::string script;
  if (!commands.build.empty()) script = commands.build;
  if (!commands.test.empty()) script += (script.empty() ? "" : "\n") + commands.test;
  if (script.empty()) {
    out.kind = GateResult::kPassed;
    out.log = "no build or test commands are recorded yet; nothing to run";
    return out;
  }
  Result<sandbox::Sandbox> sandbox = sandbox::Sandbox::Create(SandboxFor(worktree));
  if (!sandbox.ok()) {
    out.log = sandbox.error().ToString();
    return out;
  }
  sandbox::SandboxedRunner runner(*deps_.runner, std::move(*sandbox));
  sandbox::ProcessSpec spec{.argv = {"bash", "-e", "-c", script},
                            .env = runner.sandbox().DefaultEnv(),
                            .time_limit = std::chrono::seconds(commands.timeout_seconds)};
  spec.merge_stderr = true;
  Result<sandbox::ProcessResult> run = runner.Run(spec);
  if (!run.ok()) {
    out.log = run.error().ToString();
    return out;
  }
  out.kind = run->ok() ? GateResult::kPassed : GateResult::kFailed;
  out.log = Tail(run->stdout_text, kLogTail);
  if (run->timed_out)
    out.log += "\n[timed out after " + std::to_string(commands.timeout_seconds) + " s]";
  return out;
}

namespace {

// Merges main into the worktree's branch; a conflict is a result, not an error.
GateResult MergeMain(sandbox::WorktreeManager& worktrees, const sandbox::Worktree& worktree,
                     bool* moved) {
  GateResult out;
  Result<std::string> before = worktrees.ResolveCommit("refs/heads/" + worktree.branch);
  Result<sandbox::MergeOutcome> merged = worktrees.MergeInto(worktree, "main", kSystemIdentity);
  if (!merged.ok()) {
    out.log = merged.error().ToString();
    return out;
  }
  out.commit = merged->commit;
  if (!merged->clean) {
    out.kind = GateResult::kConflict;
    out.conflicts = merged->conflicts;
    return out;
  }
  *moved = !before.ok() || *before != merged->commit;
  out.kind = GateResult::kPassed;
  return out;
}

}  // namespace

Status Company::Impl::StartCi(const store::WorkItem& item) {
  ASSIGN_OR_RETURN(sandbox::Worktree worktree, ItemWorktree(item));
  gate_jobs_.insert(item.id);
  std::string id = item.id;
  pool_->Post([this, id, worktree] {
    bool moved = false;
    GateResult result = MergeMain(*worktrees_, worktree, &moved);
    if (result.kind == GateResult::kPassed) result = RunChecks(worktree);
    Post([this, id, result] { OnCiDone(id, result); });
  });
  return Status::Ok();
}

namespace {

std::string ConflictText(const GateResult& r) {
  std::string files;
  for (const std::string& f : r.conflicts) files += "\n  " + f;
  return "Merging the current main into your branch conflicted in:" + files +
         "\nThose files now hold conflict markers (<<<<<<<, =======, >>>>>>>). Edit them so "
         "both sides' intent is kept, run the build and tests, and submit again.";
}

}  // namespace

void Company::Impl::OnCiDone(const std::string& item_id, GateResult result) {
  gate_jobs_.erase(item_id);
  Result<store::WorkItem> item = tracker_.Get(item_id);
  if (!item.ok()) return;
  const bool passed = result.kind == GateResult::kPassed;
  Status recorded =
      tracker_.Record("ci_run", {{"item", item_id},
                                 {"commit", result.commit},
                                 {"result", passed                                 ? "passed"
                                            : result.kind == GateResult::kConflict ? "conflict"
                                                                                   : "failed"},
                                 {"log", Tail(result.log, 2000)}});
  Status status = recorded;
  if (status.ok() && passed) {
    std::string next = StateAfter(*item, Gate::kCi);
    Say("#" + item_id + " " + item->kind + ": ci passed, next " + next);
    status = tracker_.Transition(item_id, next, "ci passed");
  } else if (status.ok() && result.kind == GateResult::kConflict) {
    status = SendBack(*item, ConflictText(result), "merge conflict with main");
  } else if (status.ok() && result.kind == GateResult::kFailed) {
    status = SendBack(*item,
                      "CI failed for your change (commit " + result.commit.substr(0, 10) +
                          "). The end of its output:\n" + result.log +
                          "\nFix the cause and submit again.",
                      "ci failed");
  } else if (status.ok()) {
    status = InternalError("ci could not run: " + result.log);
  }
  if (!status.ok()) {
    Say("#" + item_id + ": " + status.ToString());
    (void)tracker_.Comment(item_id, "system", "Blocked: " + status.ToString());
    (void)tracker_.Transition(item_id, states::kBlocked, status.message());
  }
}

Status Company::Impl::StartMerge(const store::WorkItem& item) {
  ASSIGN_OR_RETURN(sandbox::Worktree worktree, ItemWorktree(item));
  gate_jobs_.insert(item.id);
  merging_ = true;
  std::string id = item.id;
  pool_->Post([this, id, worktree] {
    bool moved = false;
    GateResult result = MergeMain(*worktrees_, worktree, &moved);
    // Main moved since CI: test the merged result before it lands.
    if (result.kind == GateResult::kPassed && moved) result = RunChecks(worktree);
    if (result.kind == GateResult::kPassed) {
      Status landed = Land(id, worktree, result.commit);
      if (!landed.ok()) {
        result.kind = GateResult::kError;
        result.log = landed.ToString();
      }
    }
    Post([this, id, result] { OnMergeDone(id, result); });
  });
  return Status::Ok();
}

// Records the merge once, with its event, then moves main (idempotent): a crash in
// between is finished by the next run's merge job, which finds the record.
Status Company::Impl::Land(const std::string& item_id, const sandbox::Worktree& worktree,
                           std::string& commit) {
  RETURN_IF_ERROR(deps_.store->RunInTransaction([&](store::Store& s) -> Status {
    ASSIGN_OR_RETURN(bool first, s.RecordEffectOnce("merge:" + item_id, commit));
    if (!first) return Status::Ok();
    return tracker_.Record("merged", {{"item", item_id}, {"commit", commit}});
  }));
  ASSIGN_OR_RETURN(std::optional<std::string> recorded, deps_.store->GetEffect("merge:" + item_id));
  if (recorded) commit = *recorded;
  RETURN_IF_ERROR(worktrees_->FastForward("main", commit));
  return worktrees_->Remove(worktree);
}

void Company::Impl::OnMergeDone(const std::string& item_id, GateResult result) {
  gate_jobs_.erase(item_id);
  alone_.erase(item_id);
  merging_ = false;
  Result<store::WorkItem> item = tracker_.Get(item_id);
  if (!item.ok()) return;
  Status status;
  if (result.kind == GateResult::kConflict) {
    status = SendBack(*item, ConflictText(result), "merge conflict in the merge queue");
  } else if (result.kind == GateResult::kFailed) {
    status =
        SendBack(*item,
                 "Your change fails on the current main (commit " + result.commit.substr(0, 10) +
                     "). The end of the output:\n" + result.log + "\nFix it and submit again.",
                 "fails on the new main");
  } else if (result.kind == GateResult::kError) {
    status = InternalError("the merge could not be made: " + result.log);
  } else {
    std::string next = StateAfter(*item, Gate::kMerge);
    Say("#" + item_id + " " + item->kind + ": merged " + result.commit.substr(0, 10) +
        " into main");
    status = tracker_.Transition(item_id, next, "merged");
    if (status.ok() && next == states::kDone) status = AfterDone(*item);
  }
  if (!status.ok()) {
    Say("#" + item_id + ": " + status.ToString());
    (void)tracker_.Comment(item_id, "system", "Blocked: " + status.ToString());
    (void)tracker_.Transition(item_id, states::kBlocked, status.message());
  }
}

Status Company::Impl::DoTag(const store::WorkItem& item) {
  std::string version = Version(item);
  if (version.empty()) return FailedPreconditionError("release #" + item.id + " has no version");
  std::string tag = charter_.tag_prefix + version;
  ASSIGN_OR_RETURN(std::string main, worktrees_->ResolveCommit("main"));
  RETURN_IF_ERROR(deps_.store->RunInTransaction([&](store::Store& s) -> Status {
    ASSIGN_OR_RETURN(bool first, s.RecordEffectOnce("tag:" + tag, main));
    if (!first) return Status::Ok();
    return tracker_.Record("tagged", {{"item", item.id}, {"tag", tag}, {"commit", main}});
  }));
  ASSIGN_OR_RETURN(std::optional<std::string> commit, deps_.store->GetEffect("tag:" + tag));
  RETURN_IF_ERROR(worktrees_->Tag(tag, commit.value_or(main), "Release " + tag, kSystemIdentity));
  RETURN_IF_ERROR(tracker_.Transition(item.id, states::kDone, "tagged " + tag));
  Say("released " + tag + " (" + commit.value_or(main).substr(0, 10) + ")");
  return AfterDone(item);
}

}  // namespace mh::company
