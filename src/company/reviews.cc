// The review gate: a reviewer session per round, on a worktree of its own at the change.
#include <filesystem>

#include "company/company_impl.h"
#include "company/tracker_tools.h"

namespace mh::company {
namespace {

constexpr size_t kMaxDiffBytes = 60'000;

}  // namespace

Status Company::Impl::StartReviewSession(const store::WorkItem& item, bool probe) {
  ASSIGN_OR_RETURN(int done_rounds, index_.Reviews(item.id));
  const int round = done_rounds + 1;
  const Role& role = charter_.roles.at(kReviewer);
  std::string id = item.id + "-review-" + std::to_string(round);
  std::string name = "item-" + item.id + "-review-" + std::to_string(round);
  std::string branch = "mh/" + item.id + "-review-" + std::to_string(round);
  auto live = std::make_unique<LiveSession>();
  live->item_id = item.id;
  live->kind = item.kind;
  live->role = role.name;
  live->model = ModelOf(role);
  live->probe = probe;
  live->purpose = SessionPurpose::kReview;
  Say("#" + item.id + " " + item.kind + ": review round " + std::to_string(round) + " starts");
  Prepare(std::move(live), id,
          [this, item, id, name, branch, round,
           &role](LiveSession& live) -> Result<agent::SessionConfig> {
            ASSIGN_OR_RETURN(std::string head,
                             worktrees_->ResolveCommit("refs/heads/mh/" + item.id));
            ASSIGN_OR_RETURN(live.worktree, WorktreeFor(name, branch, head));
            RETURN_IF_ERROR(MakeTools(live, role, id));
            ASSIGN_OR_RETURN(std::string diff,
                             worktrees_->DiffAgainst(live.worktree, "main", kMaxDiffBytes));
            agent::SessionConfig config;
            config.id = id;
            config.company_id = tracker_.company_id();
            config.role = role.name;
            config.work_item_id = item.id;
            config.role_prompt = SystemPrompt(role, live.worktree.path);
            config.task = "Review the change for #" + item.id + " (" + item.kind + ", round " +
                          std::to_string(round) + "): " + item.title + "\n\n" + item.body +
                          "\n\nThe change, against main:\n```diff\n" + diff + "\n```\n";
            config.state_blob = DumpJson(
                {{"item", item.id}, {"round", round}, {"worktree", WorktreeToJson(live.worktree)}});
            config.limits.max_steps = role.max_steps;
            config.text_reply = agent::TextReplyPolicy::kFails;  // The verdict is a tool call.
            config.pause_on_transient_model_error = true;
            return config;
          });
  return Status::Ok();
}

Status Company::Impl::FinishReview(LiveSession& live, const agent::SessionResult& result) {
  ASSIGN_OR_RETURN(store::WorkItem item, tracker_.Get(live.item_id));
  if (result.outcome == agent::Outcome::kFailed && result.status.code() == StatusCode::kCancelled) {
    return Status::Ok();  // Resumed by the next run: the item is still in review.
  }
  if (result.outcome == agent::Outcome::kFailed && result.resumable) {
    OnModelDown(live, result.status);  // Resumed when the model answers: still in review.
    return Status::Ok();
  }
  if (result.outcome != agent::Outcome::kSubmitted) {
    (void)worktrees_->Remove(live.worktree);
    std::string why =
        result.outcome == agent::Outcome::kBlocked ? result.question : result.status.ToString();
    RETURN_IF_ERROR(
        tracker_.Comment(item.id, "system", "The review did not finish: " + why).status());
    return tracker_.Transition(item.id, states::kBlocked, "review did not finish");
  }
  ASSIGN_OR_RETURN(int done_rounds, index_.Reviews(item.id));
  bool approve = result.summary.rfind(kRequestChanges, 0) != 0;
  std::string comments = approve ? "" : result.summary.substr(std::string(kRequestChanges).size());
  bool last_round = done_rounds + 1 >= charter_.max_review_rounds;
  RETURN_IF_ERROR(tracker_.Record("review", {{"item", item.id},
                                             {"round", done_rounds + 1},
                                             {"decision", approve ? kApprove : kRequestChanges},
                                             {"comments", comments}}));
  if (!approve && !last_round) {
    return SendBack(item,
                    "The reviewer requested changes to your change:\n" + comments +
                        "\nMake them, check the build and tests, and submit again.",
                    "changes requested");
  }
  if (!approve) {
    RETURN_IF_ERROR(tracker_
                        .Comment(item.id, "system",
                                 "Review rounds used up; merging with the reviewer's notes "
                                 "open.")
                        .status());
  }
  std::string next = StateAfter(item, Gate::kReview);
  Say("#" + item.id + " " + item.kind + ": approved, next " + next);
  return tracker_.Transition(item.id, next, "approved");
}

}  // namespace mh::company
