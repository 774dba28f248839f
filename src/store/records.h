// Records kept by the store: events, sessions, work items, comments, leases.
//
// Plain value types with no behaviour. Times come from the store's injected Clock and
// are kept to the millisecond. Ids are strings made by the caller (IdGenerator), except
// event sequence numbers and comment ids, which the store assigns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/clock.h"

namespace mh::store {

// An event to append. The payload is opaque text the caller serialised; the store never
// interprets it.
struct NewEvent {
  std::string company_id{};                 // Required.
  std::optional<std::string> session_id{};  // Absent for company-wide events.
  std::string kind{};                       // Required, e.g. "model_reply", "tool_result".
  std::string payload{};
};

// An appended event. `seq` is global, starts at 1 and has no gaps.
struct Event {
  int64_t seq = 0;
  std::string company_id{};
  std::optional<std::string> session_id{};
  std::string kind{};
  std::string payload{};
  SystemTime time{};
};

// The sequence numbers a batch received: first .. first + count - 1.
struct SeqRange {
  int64_t first = 0;
  int64_t count = 0;
  int64_t last() const { return first + count - 1; }
};

// One agent working one work item.
struct SessionRecord {
  std::string id{};
  std::string company_id{};
  std::optional<std::string> work_item_id{};  // Must name an existing work item when set.
  std::string role{};
  std::string state{};       // Chosen by the session layer, e.g. "running", "done".
  std::string state_blob{};  // JSON text the session layer serialised to resume from.
  SystemTime created_at{};   // Set by the store.
  SystemTime updated_at{};   // Set by the store.
};

// An issue in the company's tracker.
struct WorkItem {
  std::string id{};
  std::string company_id{};
  std::string kind{};   // spec, design, task, bug, feature, release, question.
  std::string state{};  // Chosen by the workflow, e.g. "open", "in_progress", "done".
  std::string title{};
  std::string body{};
  std::optional<std::string> parent_id{};  // Must name an existing work item when set.
  int64_t priority = 0;                    // Larger is more urgent.
  std::optional<std::string> assignee{};
  std::string labels{};     // Free text, e.g. "ci,flaky".
  SystemTime created_at{};  // Set by the store.
  SystemTime updated_at{};  // Set by the store.
};

// Filters for listing work items; an absent field matches everything.
struct WorkItemFilter {
  std::optional<std::string> state{};
  std::optional<std::string> assignee{};
  std::optional<std::string> parent_id{};
};

struct Comment {
  int64_t id = 0;  // Assigned by the store, increasing.
  std::string work_item_id{};
  std::string author{};
  std::string body{};
  SystemTime created_at{};
};

// A named, time-limited claim: at most one holder until expires_at.
struct Lease {
  std::string name{};
  std::string holder{};
  SystemTime expires_at{};
};

}  // namespace mh::store
