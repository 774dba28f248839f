// The merge train: several approved changes merged onto main together, tested once.
//
// On the pool: a worktree at main on a branch of its own (mh/train-...) merges each car's
// branch in turn; a car that conflicts is set aside. The train's tree is built and tested
// once; if it passes, every car is recorded as merged at the train's head (with its event,
// in one transaction) and main fast-forwards there. A car that conflicted, or every car
// of a train that failed its tests, goes back to the queue to be merged alone, where a
// conflict or a failure reaches its engineer as usual. After a crash, cars an earlier run
// recorded are landed at their recorded commit first, so nothing is merged twice.
#include "base/ids.h"
#include "company/company_impl.h"

namespace mh::company {
Status Company::Impl::StartTrain(const std::vector<store::WorkItem>& cars) {
  std::vector<std::pair<std::string, sandbox::Worktree>> loaded;
  for (const store::WorkItem& car : cars) {
    ASSIGN_OR_RETURN(sandbox::Worktree worktree, ItemWorktree(car));
    loaded.emplace_back(car.id, worktree);
  }
  merging_ = true;
  std::string ids;
  for (const auto& [id, worktree] : loaded) {
    gate_jobs_.insert(id);
    ids += " #" + id;
  }
  Say("merge train:" + ids);
  pool_->Post([this, loaded] {
    TrainOutcome outcome = RunTrain(loaded);
    Post([this, outcome] { OnTrainDone(outcome); });
  });
  return Status::Ok();
}

TrainOutcome Company::Impl::RunTrain(
    const std::vector<std::pair<std::string, sandbox::Worktree>>& cars) {
  TrainOutcome out;
  for (const auto& car : cars) out.cars.push_back(car.first);
  std::vector<std::pair<std::string, sandbox::Worktree>> waiting;
  for (const auto& [id, worktree] : cars) {
    Result<std::optional<std::string>> recorded = deps_.store->GetEffect("merge:" + id);
    if (recorded.ok() && recorded->has_value()) {
      std::string commit = **recorded;
      Status landed = Land(id, worktree, commit);
      if (landed.ok()) out.landed.push_back({id, commit});
      if (!landed.ok()) out.error = landed;
    } else {
      waiting.emplace_back(id, worktree);
    }
  }
  if (waiting.empty() || !out.error.ok()) return out;
  Result<std::string> main = worktrees_->ResolveCommit("main");
  if (!main.ok()) {
    out.error = main.error();
    return out;
  }
  std::string name = NewId("train");
  Result<sandbox::Worktree> train = worktrees_->Add(name, "mh/" + name, *main);
  if (!train.ok()) {
    out.error = train.error();
    return out;
  }
  std::vector<std::pair<std::string, sandbox::Worktree>> aboard;
  for (const auto& [id, worktree] : waiting) {
    Result<sandbox::MergeOutcome> merged =
        worktrees_->MergeInto(*train, "refs/heads/" + worktree.branch, kSystemIdentity);
    if (merged.ok() && merged->clean) {
      aboard.emplace_back(id, worktree);
      continue;
    }
    (void)worktrees_->AbortMerge(*train);
    out.alone.push_back(id);  // It conflicts with main or an earlier car: merge it alone.
  }
  if (!aboard.empty()) {
    GateResult checks = RunChecks(*train);
    if (checks.kind != GateResult::kPassed) {
      for (const auto& [id, worktree] : aboard) out.alone.push_back(id);
    } else {
      Status recorded = deps_.store->RunInTransaction([&](store::Store& s) -> Status {
        for (const auto& [id, worktree] : aboard) {
          ASSIGN_OR_RETURN(bool first, s.RecordEffectOnce("merge:" + id, checks.commit));
          if (first) {
            RETURN_IF_ERROR(tracker_.Record(
                "merged", {{"item", id}, {"commit", checks.commit}, {"train", name}}));
          }
        }
        return Status::Ok();
      });
      if (recorded.ok()) recorded = worktrees_->FastForward("main", checks.commit);
      if (!recorded.ok()) {
        out.error = recorded;
      } else {
        for (const auto& [id, worktree] : aboard) {
          (void)worktrees_->Remove(worktree);
          out.landed.push_back({id, checks.commit});
        }
      }
    }
  }
  (void)worktrees_->Remove(*train);
  return out;
}

void Company::Impl::OnTrainDone(const TrainOutcome& outcome) {
  merging_ = false;
  for (const auto& [id, commit] : outcome.landed) {
    gate_jobs_.erase(id);
    Result<store::WorkItem> item = tracker_.Get(id);
    if (!item.ok()) continue;
    std::string next = StateAfter(*item, Gate::kMerge);
    Say("#" + id + " " + item->kind + ": merged " + commit.substr(0, 10) + " into main (train)");
    Status status = tracker_.Transition(id, next, "merged");
    if (status.ok() && next == states::kDone) status = AfterDone(*item);
    if (!status.ok()) Say("#" + id + ": " + status.ToString());
  }
  for (const std::string& id : outcome.alone) {
    gate_jobs_.erase(id);
    alone_.insert(id);
    Say("#" + id + ": merged again alone");
  }
  // Cars neither landed nor set aside: the train could not run. Block them with why.
  for (const std::string& id : outcome.cars) {
    if (!gate_jobs_.erase(id) || outcome.error.ok()) continue;
    Say("#" + id + ": " + outcome.error.ToString());
    (void)tracker_.Comment(id, "system", "Blocked: " + outcome.error.ToString());
    (void)tracker_.Transition(id, states::kBlocked, outcome.error.message());
  }
}

}  // namespace mh::company
