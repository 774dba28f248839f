// Tracker: the company's issue tracker, kept in the store.
//
// Work items are numbered per company ("1", "2", ...: people say #7). Each change of
// state, each filing and each comment is also appended as a company event, so `status`,
// `log` and a crash-resume see the same history. A work item's change (its branch
// mh/<id>, CI runs, reviews, merge) is recorded as events of kinds "change_submitted",
// "ci_run", "review" and "merged" with the item's id in the payload.
//
// Thread-safety: every method may be called from any thread (the store serialises).
// Ownership: borrows the store, which must outlive the tracker.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "store/store.h"

namespace mh::company {

// Work item states. A kind's rule (charter.h) says which of the gate states it passes.
namespace states {
inline constexpr const char* kOpen = "open";               // Waiting for its role.
inline constexpr const char* kInProgress = "in_progress";  // A session works on it.
inline constexpr const char* kCi = "ci";                   // Its change waits for CI.
inline constexpr const char* kReview = "review";           // A reviewer reads it.
inline constexpr const char* kMerging = "merging";         // In the merge queue.
inline constexpr const char* kTagging = "tagging";         // Merged; the tag is next.
inline constexpr const char* kDone = "done";
inline constexpr const char* kBlocked = "blocked";  // Its agent asked a person a question.
inline constexpr const char* kClosed = "closed";    // Answered, or not to be done.
}  // namespace states

// True for done and closed: dependencies on it are met.
bool IsFinished(std::string_view state);

struct NewWorkItem {
  std::string kind;
  std::string title;
  std::string body;
  std::string author;  // "person", a role, or "system".
  std::optional<std::string> parent_id;
  std::vector<std::string> depends_on;
  int64_t priority = 0;
  std::string labels;
};

// One recorded step of a work item's change.
struct ChangeEvent {
  int64_t seq = 0;
  std::string kind;  // change_submitted, ci_run, review, merged, tagged.
  Json payload;
};

class Tracker {
 public:
  Tracker(store::Store& store, std::string company_id)
      : store_(store), company_id_(std::move(company_id)) {}

  const std::string& company_id() const { return company_id_; }
  store::Store& store() const { return store_; }

  // Files an item with the next number, its dependencies and an item_filed event, all
  // at once. Errors: kInvalidArgument for an empty title or kind; kNotFound for a
  // dependency or parent that does not exist.
  Result<store::WorkItem> File(const NewWorkItem& item);
  Result<store::WorkItem> Get(std::string_view id) const;
  // Items of the company, by priority then age; `state` filters when given.
  Result<std::vector<store::WorkItem>> List(std::optional<std::string> state = {}) const;
  // Sets the state (and assignee when given), recording item_state {item, from, to,
  // reason}. A move to the state it has already is a no-op.
  Status Transition(std::string_view id, std::string_view to, std::string_view reason,
                    std::optional<std::string> assignee = {});
  // Replaces kind, title, body or labels, recording item_updated.
  Status Update(const store::WorkItem& item, std::string_view reason);
  Result<int64_t> Comment(std::string_view id, std::string_view author, std::string_view body);
  Status AddDependency(std::string_view id, std::string_view depends_on);
  Result<std::vector<std::string>> Dependencies(std::string_view id) const;
  // True when every dependency is done or closed.
  Result<bool> DependenciesFinished(std::string_view id) const;

  // Appends a company event (no session) with `payload`.
  Status Record(std::string_view kind, const Json& payload);
  // The change events of item `id`, oldest first.
  Result<std::vector<ChangeEvent>> ChangeHistory(std::string_view id) const;

 private:
  store::Store& store_;
  std::string company_id_;
};

// Labels are a comma-separated list: is `label` one of them, and the list with it added.
bool HasLabel(std::string_view labels, std::string_view label);
std::string WithLabel(const std::string& labels, const std::string& label);

// "#7 task [in_progress] Add the --lines flag".
std::string DescribeItem(const store::WorkItem& item);

}  // namespace mh::company
