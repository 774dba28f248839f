// One scheduling pass: plan new items, then start what is ready within the limits.
#include <algorithm>

#include "company/company_impl.h"

namespace mh::company {
// New tasks, features and bugs wait for the design to be done, and hold up the open
// acceptance: so engineers start on a skeleton and QA checks a finished product.
Result<bool> Company::Impl::PlanNewItems(const std::vector<store::WorkItem>& items) {
  bool changed = false;
  for (const store::WorkItem& item : items) {
    if (!IsChangeKind(item.kind) || IsFinished(item.state) || HasLabel(item.labels, "planned"))
      continue;
    for (const store::WorkItem& other : items) {
      if (IsFinished(other.state) || item.parent_id == other.id) continue;
      if (other.kind == "design") RETURN_IF_ERROR(tracker_.AddDependency(item.id, other.id));
      if (other.kind == "acceptance" && other.state == states::kOpen) {
        RETURN_IF_ERROR(tracker_.AddDependency(other.id, item.id));
      }
      if (other.kind == "release" && other.state == states::kOpen) {
        RETURN_IF_ERROR(tracker_.AddDependency(other.id, item.id));
      }
    }
    store::WorkItem planned = item;
    planned.labels = WithLabel(item.labels, "planned");
    RETURN_IF_ERROR(deps_.store->UpdateWorkItem(planned));
    changed = true;
  }
  return changed;
}

Result<bool> Company::Impl::Tick() {
  if (!charter_.environment.empty()) {
    // A merge may have changed the set-up's inputs. Sandboxes already running keep the
    // generation they started with.
    Result<std::string> main = worktrees_->ResolveCommit("main");
    if (main.ok() && *main != environment_main_) RETURN_IF_ERROR(PrepareEnvironment());
  }
  ASSIGN_OR_RETURN(std::vector<store::WorkItem> items, tracker_.List());
  ASSIGN_OR_RETURN(bool planned, PlanNewItems(items));
  if (planned) {
    ASSIGN_OR_RETURN(items, tracker_.List());
  }
  if (options_.mode == RunMode::kServe) {
    RETURN_IF_ERROR(ReopenBlocked(/*retry_failed=*/false));
    ASSIGN_OR_RETURN(bool filed, MaybeFileMaintenanceRelease(items));
    if (filed) {
      ASSIGN_OR_RETURN(items, tracker_.List());
    }
  }
  return StartReady(items);
}

namespace {

int CountRole(const std::map<std::string, std::unique_ptr<LiveSession>>& live,
              const std::string& role) {
  return static_cast<int>(std::count_if(
      live.begin(), live.end(), [&](const auto& entry) { return entry.second->role == role; }));
}

bool HasLive(const std::map<std::string, std::unique_ptr<LiveSession>>& live,
             const std::string& item, SessionPurpose purpose) {
  return std::any_of(live.begin(), live.end(), [&](const auto& entry) {
    return entry.second->item_id == item && entry.second->purpose == purpose;
  });
}

}  // namespace

Result<bool> Company::Impl::StartReady(const std::vector<store::WorkItem>& items) {
  bool started = false;
  std::vector<store::WorkItem> train;  // Approved changes for the next merge train.
  auto slot_free = [&](const std::string& role) {
    auto it = charter_.roles.find(role);
    if (it == charter_.roles.end()) return false;
    return static_cast<int>(live_.size()) < charter_.max_sessions &&
           CountRole(live_, role) < it->second.head_count;
  };
  for (const store::WorkItem& item : items) {
    if (budget_stop_) break;
    const KindRule* rule = RuleFor(item);
    if (rule == nullptr) continue;
    const std::string& state = item.state;
    Status status;
    const std::string* probed = nullptr;  // The model a probe session was to try.
    if (state == states::kOpen || state == states::kInProgress) {
      if (HasLive(live_, item.id, SessionPurpose::kWork) || !slot_free(rule->role)) continue;
      if (state == states::kOpen) {
        ASSIGN_OR_RETURN(bool ready, tracker_.DependenciesFinished(item.id));
        if (!ready) continue;
      }
      if (auto why = ledger_.Exhausted(charter_, rule->role, item.id)) {
        StopForBudget(*why);
        break;
      }
      const std::string& model = ModelOf(charter_.roles.at(rule->role));
      ModelGate gate = GateModel(model);
      if (gate == ModelGate::kWait) continue;
      if (gate == ModelGate::kProbe) probed = &model;
      status = StartWorkSession(item, gate == ModelGate::kProbe);
    } else if (state == states::kCi) {
      if (gate_jobs_.count(item.id)) continue;
      status = StartCi(item);
    } else if (state == states::kReview) {
      if (HasLive(live_, item.id, SessionPurpose::kReview) || !slot_free(kReviewer)) continue;
      if (auto why = ledger_.Exhausted(charter_, kReviewer, item.id)) {
        StopForBudget(*why);
        break;
      }
      const std::string& model = ModelOf(charter_.roles.at(kReviewer));
      ModelGate gate = GateModel(model);
      if (gate == ModelGate::kWait) continue;
      if (gate == ModelGate::kProbe) probed = &model;
      status = StartReviewSession(item, gate == ModelGate::kProbe);
    } else if (state == states::kMerging) {
      if (merging_ || gate_jobs_.count(item.id)) continue;
      if (charter_.merge_train > 1 && !alone_.count(item.id)) {
        if (static_cast<int>(train.size()) < charter_.merge_train) train.push_back(item);
        continue;
      }
      status = StartMerge(item);
    } else if (state == states::kTagging) {
      status = DoTag(item);
    } else {
      continue;
    }
    if (!status.ok()) {
      if (probed != nullptr) outages_[*probed].probing = false;  // Another may try.
      Say("#" + item.id + ": " + status.message());
      RETURN_IF_ERROR(
          tracker_.Comment(item.id, "system", "Blocked: " + status.ToString()).status());
      RETURN_IF_ERROR(tracker_.Transition(item.id, states::kBlocked, status.message()));
    }
    started = true;
  }
  if (!merging_ && !train.empty()) {
    Status status = train.size() == 1 ? StartMerge(train[0]) : StartTrain(train);
    if (!status.ok()) {
      for (const store::WorkItem& car : train) {
        RETURN_IF_ERROR(
            tracker_.Comment(car.id, "system", "Blocked: " + status.ToString()).status());
        RETURN_IF_ERROR(tracker_.Transition(car.id, states::kBlocked, status.message()));
      }
    }
    started = true;
  }
  return started;
}

RunReport Company::Impl::Report() const {
  RunReport report;
  Result<std::vector<store::WorkItem>> items = tracker_.List();
  std::string waiting;
  if (items.ok()) {
    for (const store::WorkItem& item : *items) {
      if (IsFinished(item.state)) continue;
      report.open_items += 1;
      if (item.state == states::kBlocked) {
        report.blocked_items += 1;
        waiting += "\n  " + DescribeItem(item);
      }
    }
  }
  const std::string dir = paths_.root;
  if (budget_stop_) {
    report.end = RunEnd::kBudget;
    report.message = *budget_stop_ + ". Raise it in " + paths_.charter +
                     " and run `macrohard run " + dir + "` to go on.";
  } else if (options_.stop.stop_requested()) {
    report.end = RunEnd::kStopped;
    report.message = "stopped; `macrohard run " + dir + "` goes on from here." + OutageLines();
  } else if (report.open_items == 0) {
    report.message = "every work item is finished.";
  } else {
    report.message = std::to_string(report.open_items) + " work items are not finished; " +
                     std::to_string(report.blocked_items) + " wait for a person (answer with " +
                     "`macrohard issue comment " + dir + " ID TEXT`, then run again):" + waiting;
  }
  return report;
}

}  // namespace mh::company
