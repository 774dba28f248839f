// Tracker tools: what agents do in the company's tracker, limited by role through the
// role's tool list (charter.h). They find their tracker, work item and role in the
// session's "seat" resource, which the company puts into each session's ToolContext.
//
//   file_work_item  file a task, feature, bug or question, with dependencies
//   list_work_items / show_work_item / comment
//   set_commands    the architect records the product's build and test commands
//   review          the reviewer approves or requests changes; ends the session
//   triage          support classifies a person's issue; ends it unless a question
//   answer          support answers a question in its thread; ends the session
//   file_bug        QA files a bug, optionally with a screenshot of its desktop
//
// Thread-safe (stateless); the seat is used by one session at a time.
#pragma once

#include <memory>
#include <string>

#include "company/tracker.h"
#include "tools/registry.h"
#include "tools/tool.h"

namespace mh::company {

// The session's place in the company, kept in ToolContext resources as "seat".
struct Seat final : public tools::SessionResource {
  Tracker* tracker = nullptr;
  std::string item_id;  // The work item the session works on.
  std::string role;
  std::string session_id;
  std::string artifacts_dir;  // Where file_bug saves screenshots.
};
inline constexpr const char* kSeatResource = "seat";

// The summary a review session ends with: "approve" or "request_changes\n<comments>".
inline constexpr const char* kApprove = "approve";
inline constexpr const char* kRequestChanges = "request_changes";

// Registers every tracker tool whose name is in `names`.
Status RegisterTrackerTools(tools::ToolRegistry& registry, const std::vector<std::string>& names);

}  // namespace mh::company
