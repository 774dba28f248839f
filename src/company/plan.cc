// The company's plan beyond single items: task texts, acceptance rounds, triage,
// releases (the first one and those serve cuts for fixes), and questions answered by people.
#include <algorithm>
#include <cstdio>

#include "company/company_impl.h"

namespace mh::company {
namespace {

// Done changes that no release covers yet.
std::vector<store::WorkItem> Unreleased(const std::vector<store::WorkItem>& items) {
  std::vector<store::WorkItem> out;
  for (const store::WorkItem& i : items) {
    if (IsChangeKind(i.kind) && i.state == states::kDone && !HasLabel(i.labels, "released")) {
      out.push_back(i);
    }
  }
  return out;
}

// "1.4.2" with the minor (feature) or patch (fixes only) part raised.
std::string NextVersion(const std::string& last, bool feature) {
  int major = 0, minor = 0, patch = 0;
  if (std::sscanf(last.c_str(), "%d.%d.%d", &major, &minor, &patch) != 3) return "0.1.0";
  if (feature) return std::to_string(major) + "." + std::to_string(minor + 1) + ".0";
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch + 1);
}

}  // namespace

std::string Company::Impl::TaskText(const store::WorkItem& item) {
  std::string text =
      "Work item #" + item.id + " (" + item.kind + "): " + item.title + "\n\n" + item.body + "\n";
  if (item.kind == "release") {
    Result<std::vector<store::WorkItem>> items = tracker_.List();
    text += "\nChanges in this release:\n";
    if (items.ok()) {
      for (const store::WorkItem& i : Unreleased(*items)) {
        text += "- #" + i.id + " " + i.kind + ": " + i.title + "\n";
      }
    }
  }
  if (item.kind == "issue" || item.kind == "question") {
    text += "\nA person filed this. Its thread:\n";
    Result<std::vector<store::Comment>> comments = deps_.store->ListComments(item.id);
    if (comments.ok()) {
      for (const store::Comment& c : *comments) text += "--- " + c.author + ": " + c.body + "\n";
    }
  }
  return text;
}

Status Company::Impl::AfterAcceptance(const store::WorkItem& item) {
  ASSIGN_OR_RETURN(std::vector<store::WorkItem> items, tracker_.List());
  std::vector<std::string> bugs;
  int rounds = 0;
  for (const store::WorkItem& i : items) {
    if (i.kind == "bug" && i.parent_id == item.id) bugs.push_back(i.id);
    if (i.kind == "acceptance") rounds += 1;
  }
  if (bugs.empty()) {
    RETURN_IF_ERROR(tracker_.Transition(item.id, states::kDone, "accepted"));
    Say("#" + item.id + " acceptance: QA accepts the product");
    return Status::Ok();
  }
  store::WorkItem rejected = item;
  rejected.labels = WithLabel(item.labels, "rejected");
  RETURN_IF_ERROR(tracker_.Update(rejected, "bugs filed"));
  RETURN_IF_ERROR(
      tracker_.Transition(item.id, states::kDone, std::to_string(bugs.size()) + " bugs filed"));
  Say("#" + item.id + " acceptance: QA filed " + std::to_string(bugs.size()) + " bugs");
  // Releases wait for the fixes, and for another acceptance round while rounds remain.
  std::vector<std::string> release_deps = bugs;
  if (rounds < charter_.max_acceptance_rounds) {
    ASSIGN_OR_RETURN(store::WorkItem again,
                     tracker_.File({.kind = "acceptance",
                                    .title = item.title.substr(0, item.title.find(" (round")) +
                                             " (round " + std::to_string(rounds + 1) + ")",
                                    .body = item.body,
                                    .author = "system",
                                    .depends_on = bugs,
                                    .priority = item.priority}));
    release_deps.push_back(again.id);
  }
  for (const store::WorkItem& i : items) {
    if (i.kind != "release" || IsFinished(i.state)) continue;
    for (const std::string& dep : release_deps) RETURN_IF_ERROR(tracker_.AddDependency(i.id, dep));
  }
  return Status::Ok();
}

Status Company::Impl::AfterTriage(const store::WorkItem& submitted) {
  ASSIGN_OR_RETURN(store::WorkItem item, tracker_.Get(submitted.id));
  if (item.kind == "bug" || item.kind == "feature") {
    Say("#" + item.id + ": triaged as a " + item.kind);
    return tracker_.Transition(item.id, states::kOpen, "triaged as a " + item.kind, std::string());
  }
  if (item.kind == "question") {
    Say("#" + item.id + ": question answered");
    return tracker_.Transition(item.id, states::kClosed, "answered");
  }
  RETURN_IF_ERROR(
      tracker_.Comment(item.id, "system", "Support ended without triaging this issue.").status());
  return tracker_.Transition(item.id, states::kBlocked, "not triaged");
}

Status Company::Impl::AfterDone(const store::WorkItem& item) {
  if (item.kind != "release") return Status::Ok();
  ASSIGN_OR_RETURN(std::vector<store::WorkItem> items, tracker_.List());
  for (store::WorkItem& i : Unreleased(items)) {
    i.labels = WithLabel(i.labels, "released");
    RETURN_IF_ERROR(deps_.store->UpdateWorkItem(i));
  }
  return Status::Ok();
}

Result<bool> Company::Impl::MaybeFileMaintenanceRelease(const std::vector<store::WorkItem>& items) {
  std::vector<store::WorkItem> fixes = Unreleased(items);
  if (fixes.empty()) return false;
  for (const store::WorkItem& i : items) {
    if (IsFinished(i.state) || i.state == states::kBlocked) continue;
    if (IsChangeKind(i.kind) || i.kind == "release" || i.kind == "issue" ||
        i.kind == "acceptance") {
      return false;  // Wait until the batch is whole.
    }
  }
  ASSIGN_OR_RETURN(std::vector<std::string> tags, worktrees_->Tags());
  std::string last = charter_.first_version;
  bool tagged = false;
  for (const std::string& t : tags) {
    if (t.rfind(charter_.tag_prefix, 0) == 0) {
      last = t.substr(charter_.tag_prefix.size());
      tagged = true;
    }
  }
  bool feature = std::any_of(fixes.begin(), fixes.end(),
                             [](const store::WorkItem& i) { return i.kind == "feature"; });
  std::string version = tagged ? NextVersion(last, feature) : charter_.first_version;
  ASSIGN_OR_RETURN(store::WorkItem release,
                   tracker_.File({.kind = "release",
                                  .title = "Release " + charter_.tag_prefix + version,
                                  .body = "A maintenance release.",
                                  .author = "system",
                                  .priority = 5,
                                  .labels = "version=" + version}));
  Say("#" + release.id + ": release " + charter_.tag_prefix + version + " filed for " +
      std::to_string(fixes.size()) + " changes");
  return true;
}

Status Company::Impl::ReopenBlocked(bool retry_failed) {
  ASSIGN_OR_RETURN(std::vector<store::WorkItem> blocked,
                   tracker_.List(std::string(states::kBlocked)));
  for (const store::WorkItem& item : blocked) {
    const KindRule* rule = RuleFor(item);
    if (rule == nullptr) continue;
    std::string session_id = WorkSessionId(item, rule->role);
    Result<store::SessionRecord> session = deps_.store->GetSession(session_id);
    if (!session.ok()) {
      // Blocked before any session of its own (it could not start): try again.
      if (retry_failed) RETURN_IF_ERROR(tracker_.Transition(item.id, states::kOpen, "retried"));
      continue;
    }
    ASSIGN_OR_RETURN(std::vector<store::Comment> comments, deps_.store->ListComments(item.id));
    if (!comments.empty() && comments.back().author == "person") {
      RETURN_IF_ERROR(SendBack(item, "A person answered:\n" + comments.back().body, "answered"));
    } else if (retry_failed && (session->state == "failed" || session->state == "running")) {
      RETURN_IF_ERROR(tracker_.Transition(item.id, states::kInProgress, "retried"));
    }
  }
  return Status::Ok();
}

}  // namespace mh::company
