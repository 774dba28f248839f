// Starting, resuming and finishing the agents' sessions.
#include <filesystem>

#include "company/company_impl.h"
#include "company/tracker_tools.h"
#include "desktop/computer_tool.h"
#include "terminal/bash_tool.h"
#include "terminal/terminal_tool.h"
#include "tools/builtin_tools.h"

namespace mh::company {
namespace fs = std::filesystem;

namespace {

// Only the workspace's name, branch and base are kept: its paths are re-derived from
// the folder the company is opened in, so a moved or copied company uses its own
// workspaces and never the ones of the folder it came from. Older blobs also hold
// absolute paths; they are ignored.
Result<sandbox::Worktree> WorktreeFromBlob(const sandbox::WorktreeManager& worktrees,
                                           const std::string& blob) {
  ASSIGN_OR_RETURN(Json j, ParseJson(blob));
  try {
    const Json& w = j.at("worktree");
    return worktrees.Describe(w.at("name"), w.at("branch"), w.at("base_commit"));
  } catch (const Json::exception& e) {
    return DataLossError(std::string("a company session's state has no worktree: ") + e.what());
  }
}

std::unique_ptr<tools::Tool> MakeBuiltin(const std::string& name) {
  if (name == "read_file") return tools::MakeReadFileTool();
  if (name == "write_file") return tools::MakeWriteFileTool();
  if (name == "edit_file") return tools::MakeEditFileTool();
  if (name == "list_files") return tools::MakeListFilesTool();
  if (name == "find_files") return tools::MakeFindFilesTool();
  if (name == "search") return tools::MakeSearchTool();
  if (name == "run_command") return tools::MakeRunCommandTool();
  if (name == "submit") return tools::MakeSubmitTool();
  if (name == "ask_for_help") return tools::MakeAskForHelpTool();
  if (name == "bash") return terminal::NewBashTool();
  if (name == "terminal") return terminal::NewTerminalTool();
  return nullptr;
}

}  // namespace

Json WorktreeToJson(const sandbox::Worktree& w) {
  return {{"name", w.name}, {"branch", w.branch}, {"base_commit", w.base_commit}};
}

std::string Company::Impl::WorkSessionId(const store::WorkItem& item, const std::string& role) {
  return item.id + "-" + role;
}

std::string Company::Impl::SystemPrompt(const Role& role, const std::string& workdir) const {
  return "You work at " + charter_.name + ", a software company run by AI agents, as its " +
         role.name + ". The product brief:\n\n" + charter_.brief +
         "\n\nYour working directory is the product's git repository (" + workdir +
         "), your own clone on your own branch. Use paths relative to it. git works there as "
         "in any checkout (status, diff, log, stash, commit); you cannot push: when you "
         "submit, the system commits what you left uncommitted, keeps your own commits, "
         "and tests, reviews and merges the branch. Each "
         "run_command runs in a fresh bash shell without network. Every reply should call at "
         "least one tool.\n\n" +
         role.prompt;
}

Result<sandbox::Worktree> Company::Impl::WorktreeFor(const std::string& name,
                                                     const std::string& branch,
                                                     const std::string& base) {
  fs::path path = fs::path(paths_.worktrees) / name;
  // After a reboot its disk is there but not mounted: mount it before looking.
  RETURN_IF_ERROR(worktrees_->Remount(name));
  std::error_code ec;
  if (fs::exists(path, ec)) {
    // Made by a run that died before its session was recorded: use it as it is.
    ASSIGN_OR_RETURN(std::string head, worktrees_->ResolveCommit("refs/heads/" + branch));
    return worktrees_->Describe(name, branch, head);
  }
  if (worktrees_->ResolveCommit("refs/heads/" + branch).ok()) return worktrees_->Open(name, branch);
  return worktrees_->Add(name, branch, base);
}

Status Company::Impl::MakeTools(LiveSession& live, const Role& role,
                                const std::string& session_id) {
  ASSIGN_OR_RETURN(sandbox::Sandbox sandbox,
                   sandbox::Sandbox::Create(
                       {.worktree = live.worktree.path,
                        .network = charter_.network,
                        .extra_read_only = sandbox::WorkspaceReadOnlyPaths(live.worktree)}));
  live.sandboxed = std::make_unique<sandbox::SandboxedRunner>(*deps_.runner, std::move(sandbox));
  std::string artifacts = (fs::path(paths_.artifacts) / session_id).string();
  std::vector<std::string> tracker_tools;
  for (const std::string& name : role.tools) {
    std::unique_ptr<tools::Tool> tool = MakeBuiltin(name);
    if (name == "computer") {
      desktop::ComputerToolOptions options;
      options.session.artifacts_dir = artifacts;
      tool = desktop::NewComputerTool(options);
    }
    if (tool == nullptr) {
      tracker_tools.push_back(name);
      continue;
    }
    RETURN_IF_ERROR(live.registry.Register(std::move(tool)));
  }
  RETURN_IF_ERROR(RegisterTrackerTools(live.registry, tracker_tools));
  ASSIGN_OR_RETURN(live.context, tools::ToolContext::Create(
                                     {.workspace = {.root = live.worktree.path, .mount_path = ""},
                                      .limits = {},
                                      .clock = deps_.clock,
                                      .runner = deps_.runner,
                                      .command_runner = live.sandboxed.get()}));
  auto seat = std::make_unique<Seat>();
  seat->tracker = &tracker_;
  seat->item_id = live.item_id;
  seat->role = live.role;
  seat->session_id = session_id;
  seat->artifacts_dir = artifacts;
  live.context->resources().Put(kSeatResource, std::move(seat));
  return Status::Ok();
}

Status Company::Impl::StartWorkSession(const store::WorkItem& item, bool probe) {
  const KindRule* rule = RuleFor(item);
  const Role& role = charter_.roles.at(rule->role);
  std::string id = WorkSessionId(item, role.name);
  Result<store::SessionRecord> record = deps_.store->GetSession(id);
  if (!record.ok() && record.error().code() != StatusCode::kNotFound) return record.error();
  RETURN_IF_ERROR(
      tracker_.Transition(item.id, states::kInProgress, role.name + " at work", role.name));
  Say("#" + item.id + " " + item.kind + ": " + role.name + (record.ok() ? " resumes" : " starts") +
      " \"" + item.title + "\"");
  auto live = std::make_unique<LiveSession>();
  live->item_id = item.id;
  live->kind = item.kind;
  live->role = role.name;
  live->model = ModelOf(role);
  live->probe = probe;
  live->purpose = SessionPurpose::kWork;
  std::optional<std::string> blob;
  if (record.ok()) blob = record->state_blob;
  // The worktree, sandbox and tools are made on the pool: git and bubblewrap take a
  // while, and the scheduler must stay free to start the others.
  Prepare(std::move(live), id,
          [this, item, id, blob, &role](LiveSession& live) -> Result<agent::SessionConfig> {
            if (blob) {
              ASSIGN_OR_RETURN(live.worktree, WorktreeFromBlob(*worktrees_, *blob));
              RETURN_IF_ERROR(worktrees_->Remount(live.worktree.name));
              std::error_code ec;
              if (!fs::exists(live.worktree.path, ec)) {
                ASSIGN_OR_RETURN(live.worktree,
                                 worktrees_->Open(live.worktree.name, live.worktree.branch));
              }
            } else {
              ASSIGN_OR_RETURN(live.worktree,
                               WorktreeFor("item-" + item.id, "mh/" + item.id, "main"));
            }
            RETURN_IF_ERROR(MakeTools(live, role, id));
            agent::SessionConfig config;
            config.id = id;
            config.company_id = tracker_.company_id();
            config.role = role.name;
            config.work_item_id = item.id;
            config.role_prompt = SystemPrompt(role, live.worktree.path);
            config.task = TaskText(item);
            config.state_blob =
                DumpJson({{"item", item.id}, {"worktree", WorktreeToJson(live.worktree)}});
            config.limits.max_steps = role.max_steps;
            config.pause_on_transient_model_error = true;
            // Triage ends only through its tool: a text answer is a failure, not a triage.
            if (item.kind == "issue") config.text_reply = agent::TextReplyPolicy::kFails;
            return config;
          });
  return Status::Ok();
}

void Company::Impl::Prepare(std::unique_ptr<LiveSession> live, const std::string& id,
                            std::function<Result<agent::SessionConfig>(LiveSession&)> make) {
  LiveSession* raw = live.get();
  live_[id] = std::move(live);
  pool_->Post([this, raw, id, make = std::move(make)] {
    Result<agent::SessionConfig> config = make(*raw);
    Status status = config.ok() ? Launch(*raw, std::move(*config)) : config.error();
    if (!status.ok()) Post([this, id, status] { OnStartFailed(id, status); });
  });
}

void LiveSession::Cancel() {
  std::lock_guard<std::mutex> lock(mutex);
  cancelled = true;
  if (started != nullptr) started->Cancel();
}

Status Company::Impl::Launch(LiveSession& live, agent::SessionConfig config) {
  const Role& role = charter_.roles.at(live.role);
  ASSIGN_OR_RETURN(llm::Model * model,
                   deps_.models(role.model.empty() ? charter_.model : role.model));
  ASSIGN_OR_RETURN(live.session, agent::Session::Open({.model = model,
                                                       .registry = &live.registry,
                                                       .tool_context = live.context.get(),
                                                       .store = deps_.store,
                                                       .clock = deps_.clock},
                                                      std::move(config)));
  LiveSession* raw = &live;
  std::string id = live.session->id();
  live.session->set_step_callback([this, raw](const agent::StepReport& step) {
    OnStep(raw->role, raw->item_id, step);
    OnModelReply(raw->model);
  });
  // Each piece of the session's work runs on the pool; once the piece in which the
  // session ended has returned, its aftermath (the commit) runs there too, and then
  // the scheduler may destroy it.
  agent::Executor executor = [this, raw, id](std::function<void()> work) {
    pool_->Post([this, raw, id, work = std::move(work)] {
      work();
      std::optional<agent::SessionResult> ended;
      {
        std::lock_guard<std::mutex> lock(raw->mutex);
        if (raw->ended && raw->ended_on == std::this_thread::get_id()) ended = raw->ended;
      }
      if (ended) {
        Aftermath after = SessionAftermath(*raw, *ended);
        Post([this, id, result = *ended, after] { OnSessionEnded(id, result, after); });
      }
    });
  };
  bool cancel = false;
  {
    std::lock_guard<std::mutex> lock(live.mutex);
    live.started = live.session.get();
    cancel = live.cancelled;
  }
  if (cancel) live.session->Cancel();  // Stopped while it was being prepared.
  live.session->Start(executor, [raw](const agent::SessionResult& result) {
    std::lock_guard<std::mutex> lock(raw->mutex);
    raw->ended = result;
    raw->ended_on = std::this_thread::get_id();
  });
  return Status::Ok();
}

void Company::Impl::OnStartFailed(const std::string& session_id, const Status& status) {
  auto it = live_.find(session_id);
  if (it == live_.end()) return;
  std::string item = it->second->item_id;
  OnProbeGone(*it->second);
  live_.erase(it);
  Say("#" + item + ": could not start " + session_id + ": " + status.ToString());
  (void)tracker_.Comment(item, "system", "Blocked: " + status.ToString());
  (void)tracker_.Transition(item, states::kBlocked, status.message());
}

Aftermath Company::Impl::SessionAftermath(LiveSession& live, const agent::SessionResult& result) {
  Aftermath after;
  if (result.outcome != agent::Outcome::kSubmitted) return after;
  Result<store::WorkItem> item = tracker_.Get(live.item_id);
  auto rule_it = charter_.workflow.find(live.kind);
  const KindRule* rule = rule_it == charter_.workflow.end() ? nullptr : &rule_it->second;
  if (live.purpose == SessionPurpose::kReview || rule == nullptr || rule->gates.empty() ||
      !item.ok()) {
    (void)worktrees_->Remove(live.worktree);  // Nothing of it lands.
    return after;
  }
  Result<bool> merging = worktrees_->MergeInProgress(live.worktree);
  if (merging.ok() && *merging) {
    Result<std::vector<std::string>> marked = worktrees_->FilesWithConflictMarkers(live.worktree);
    if (marked.ok() && !marked->empty()) {
      after.marked = *marked;
      return after;
    }
  }
  after.commit = worktrees_->CommitAll(
      live.worktree, "#" + item->id + " " + item->title + "\n\n" + result.summary, kSystemIdentity);
  return after;
}

void Company::Impl::OnSessionEnded(const std::string& session_id,
                                   const agent::SessionResult& result, const Aftermath& after) {
  auto it = live_.find(session_id);
  if (it == live_.end()) return;
  std::unique_ptr<LiveSession> live = std::move(it->second);
  live_.erase(it);
  if (live->probe) OnProbeEnded(*live, result);
  Status status = live->purpose == SessionPurpose::kWork ? FinishWork(*live, result, after)
                                                         : FinishReview(*live, result);
  if (!status.ok()) {
    Say("#" + live->item_id + ": " + status.ToString());
    (void)tracker_.Comment(live->item_id, "system", "Blocked: " + status.ToString());
    (void)tracker_.Transition(live->item_id, states::kBlocked, status.message());
  }
}

Status Company::Impl::SendBack(const store::WorkItem& item, const std::string& text,
                               const std::string& why) {
  const KindRule* rule = RuleFor(item);
  if (rule == nullptr) return FailedPreconditionError("no workflow rule for kind " + item.kind);
  RETURN_IF_ERROR(agent::AddFeedback(*deps_.store, WorkSessionId(item, rule->role), text));
  Say("#" + item.id + ": back to the " + rule->role + ": " + why);
  return tracker_.Transition(item.id, states::kInProgress, why);
}

namespace {

// The failure, for a person.
std::string Describe(const agent::SessionResult& result) {
  return std::string(agent::OutcomeName(result.outcome)) + ": " + result.status.ToString();
}

}  // namespace

Status Company::Impl::FinishWork(LiveSession& live, const agent::SessionResult& result,
                                 const Aftermath& after) {
  ASSIGN_OR_RETURN(store::WorkItem item, tracker_.Get(live.item_id));
  if (result.outcome == agent::Outcome::kFailed) {
    if (result.status.code() == StatusCode::kCancelled) return Status::Ok();  // Resumed later.
    if (result.resumable) {  // The model did not answer: resumed when it does.
      OnModelDown(live, result.status);
      return Status::Ok();
    }
    RETURN_IF_ERROR(
        tracker_.Comment(item.id, "system", "The session failed: " + result.status.ToString())
            .status());
    Say("#" + item.id + ": the " + live.role + "'s session " + Describe(result));
    return tracker_.Transition(item.id, states::kBlocked, result.status.message());
  }
  if (result.outcome == agent::Outcome::kBlocked) {
    RETURN_IF_ERROR(tracker_.Comment(item.id, live.role, "Question: " + result.question).status());
    Say("#" + item.id + ": the " + live.role + " asks: " + result.question);
    return tracker_.Transition(item.id, states::kBlocked, "asked for help");
  }
  // The rule the session worked under: triage changes an issue's kind as it ends.
  auto rule_it = charter_.workflow.find(live.kind);
  const KindRule* rule = rule_it == charter_.workflow.end() ? nullptr : &rule_it->second;
  if (rule == nullptr || rule->gates.empty()) {
    if (live.kind == "acceptance") return AfterAcceptance(item);
    if (live.kind == "issue") return AfterTriage(item);
    RETURN_IF_ERROR(tracker_.Comment(item.id, live.role, result.summary).status());
    std::string to = live.kind == "question" ? states::kClosed : states::kDone;
    RETURN_IF_ERROR(tracker_.Transition(item.id, to, "submitted"));
    Say("#" + item.id + " " + item.kind + ": " + to);
    return AfterDone(item);
  }
  if (!after.marked.empty()) {
    std::string files;
    for (const std::string& f : after.marked) files += " " + f;
    return SendBack(
        item,
        "These files still hold conflict markers:" + files + ". Resolve them, then submit again.",
        "conflict markers left");
  }
  if (!after.commit) return InternalError("the change of #" + item.id + " was not committed");
  ASSIGN_OR_RETURN(sandbox::CommitOutcome commit, *after.commit);
  RETURN_IF_ERROR(tracker_.Record("change_submitted", {{"item", item.id},
                                                       {"branch", live.worktree.branch},
                                                       {"commit", commit.commit},
                                                       {"summary", result.summary}}));
  std::string next = StateAfter(item, std::nullopt);
  Say("#" + item.id + " " + item.kind + ": submitted " + commit.commit.substr(0, 10) + ", next " +
      next);
  return tracker_.Transition(item.id, next, "change submitted");
}

}  // namespace mh::company
