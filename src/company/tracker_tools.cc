#include "company/tracker_tools.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "desktop/computer_tool.h"
#include "tools/tool_util.h"

namespace mh::company {
namespace {

using tools::ToolContext;
using tools::ToolResult;
using tools::internal::BasicTool;
using tools::internal::StringArg;

Seat* FindSeat(ToolContext& ctx) { return ctx.resources().Get<Seat>(kSeatResource); }

// A tool that needs the session's seat; Act runs only when there is one.
class SeatTool : public BasicTool {
 public:
  using BasicTool::BasicTool;
  ToolResult Run(const Json& args, ToolContext& ctx) const final {
    Seat* seat = FindSeat(ctx);
    if (seat == nullptr || seat->tracker == nullptr) {
      return ToolResult::Error(name() + " works only in a company session");
    }
    return Act(args, *seat, ctx);
  }
  virtual ToolResult Act(const Json& args, Seat& seat, ToolContext& ctx) const = 0;
};

std::string ItemId(std::string id) {
  if (!id.empty() && id[0] == '#') id.erase(0, 1);
  return id;
}

std::string ShowItem(const Tracker& tracker, const store::WorkItem& item) {
  std::string text = DescribeItem(item) + "\n";
  Result<std::vector<std::string>> deps = tracker.Dependencies(item.id);
  if (deps.ok() && !deps->empty()) {
    text += "depends on:";
    for (const std::string& d : *deps) text += " #" + d;
    text += "\n";
  }
  text += "\n" + item.body + "\n";
  Result<std::vector<store::Comment>> comments = tracker.store().ListComments(item.id);
  if (comments.ok()) {
    for (const store::Comment& c : *comments) text += "\n--- " + c.author + ":\n" + c.body + "\n";
  }
  return text;
}

class FileWorkItemTool final : public SeatTool {
 public:
  FileWorkItemTool()
      : SeatTool("file_work_item",
                 "File a work item in the company's tracker. Returns its number (#N), which "
                 "later items can list in depends_on.",
                 Json::parse(R"({"type": "object", "properties": {
          "kind": {"type": "string", "enum": ["task", "feature", "bug", "question"]},
          "title": {"type": "string", "minLength": 1},
          "body": {"type": "string", "description": "What to do and how it is checked"},
          "depends_on": {"type": "array", "items": {"type": "string"},
                         "description": "Numbers of items that must be done first, e.g. [\"#5\"]"},
          "priority": {"type": "integer"}},
        "required": ["kind", "title", "body"], "additionalProperties": false})")) {}

  ToolResult Act(const Json& args, Seat& seat, ToolContext&) const override {
    NewWorkItem item{.kind = StringArg(args, "kind"),
                     .title = StringArg(args, "title"),
                     .body = StringArg(args, "body"),
                     .author = seat.role,
                     .parent_id = seat.item_id,
                     .depends_on = {},
                     .priority = tools::internal::IntArg(args, "priority", 0),
                     .labels = ""};
    if (auto it = args.find("depends_on"); it != args.end()) {
      for (const Json& d : *it) item.depends_on.push_back(ItemId(d.get<std::string>()));
    }
    Result<store::WorkItem> filed = seat.tracker->File(item);
    if (!filed.ok()) return tools::internal::ErrorResult(filed.error());
    return ToolResult::Text("filed #" + filed->id + ": " + filed->title);
  }
};

class ListWorkItemsTool final : public SeatTool {
 public:
  ListWorkItemsTool()
      : SeatTool("list_work_items", "List the company's work items, optionally in one state.",
                 Json::parse(R"({"type": "object", "properties": {
          "state": {"type": "string"}}, "additionalProperties": false})")) {}

  ToolResult Act(const Json& args, Seat& seat, ToolContext&) const override {
    std::string state = StringArg(args, "state");
    Result<std::vector<store::WorkItem>> items =
        seat.tracker->List(state.empty() ? std::nullopt : std::optional(state));
    if (!items.ok()) return tools::internal::ErrorResult(items.error());
    std::string text;
    for (const store::WorkItem& item : *items) text += DescribeItem(item) + "\n";
    return ToolResult::Text(text.empty() ? "no work items" : text);
  }
};

class ShowWorkItemTool final : public SeatTool {
 public:
  ShowWorkItemTool()
      : SeatTool("show_work_item", "Show a work item: its body, dependencies and comments.",
                 Json::parse(R"({"type": "object", "properties": {
          "id": {"type": "string", "description": "e.g. \"#7\"; default: your own item"}},
          "additionalProperties": false})")) {}

  ToolResult Act(const Json& args, Seat& seat, ToolContext&) const override {
    std::string id = ItemId(StringArg(args, "id", seat.item_id));
    Result<store::WorkItem> item = seat.tracker->Get(id);
    if (!item.ok()) return ToolResult::Error("no work item #" + id);
    return ToolResult::Text(ShowItem(*seat.tracker, *item));
  }
};

class CommentTool final : public SeatTool {
 public:
  CommentTool()
      : SeatTool("comment", "Add a comment to a work item (default: your own).",
                 Json::parse(R"({"type": "object", "properties": {
          "id": {"type": "string"}, "body": {"type": "string", "minLength": 1}},
          "required": ["body"], "additionalProperties": false})")) {}

  ToolResult Act(const Json& args, Seat& seat, ToolContext&) const override {
    std::string id = ItemId(StringArg(args, "id", seat.item_id));
    Result<int64_t> c = seat.tracker->Comment(id, seat.role, StringArg(args, "body"));
    if (!c.ok()) return tools::internal::ErrorResult(c.error());
    return ToolResult::Text("commented on #" + id);
  }
};

class SetCommandsTool final : public SeatTool {
 public:
  SetCommandsTool()
      : SeatTool("set_commands",
                 "Record the product's build and test commands. CI runs them (bash, at the "
                 "repository root, in a sandbox without network) on every change; a non-zero "
                 "exit fails the change.",
                 Json::parse(R"({"type": "object", "properties": {
          "build": {"type": "string"}, "test": {"type": "string", "minLength": 1}},
          "required": ["test"], "additionalProperties": false})")) {}

  ToolResult Act(const Json& args, Seat& seat, ToolContext&) const override {
    Status s = seat.tracker->Record("commands_set", {{"build", StringArg(args, "build")},
                                                     {"test", StringArg(args, "test")},
                                                     {"by", seat.role},
                                                     {"item", seat.item_id}});
    if (!s.ok()) return tools::internal::ErrorResult(s);
    return ToolResult::Text("recorded; CI runs them on every change from now on");
  }
};

class ReviewTool final : public SeatTool {
 public:
  ReviewTool()
      : SeatTool("review",
                 "Give your verdict on the change: approve, or request_changes with comments "
                 "the engineer can act on. Ends your review.",
                 Json::parse(R"({"type": "object", "properties": {
          "decision": {"type": "string", "enum": ["approve", "request_changes"]},
          "comments": {"type": "string"}},
          "required": ["decision"], "additionalProperties": false})")) {}

  ToolResult Act(const Json& args, Seat& seat, ToolContext&) const override {
    std::string decision = StringArg(args, "decision");
    std::string comments = StringArg(args, "comments");
    if (decision == kRequestChanges && comments.empty()) {
      return ToolResult::Error("request_changes needs comments saying what to change");
    }
    std::string body = decision == kApprove ? "Approved.\n" : "Changes requested:\n";
    Result<int64_t> c = seat.tracker->Comment(seat.item_id, seat.role, body + comments);
    if (!c.ok()) return tools::internal::ErrorResult(c.error());
    ToolResult result = ToolResult::Text("review recorded; your session ends here");
    result.outcome = tools::SessionOutcome::kSubmitted;
    result.summary = decision == kApprove ? std::string(kApprove)
                                          : std::string(kRequestChanges) + "\n" + comments;
    return result;
  }
};

class TriageTool final : public SeatTool {
 public:
  TriageTool()
      : SeatTool("triage",
                 "Classify the issue you were given: bug, feature or question, with a title "
                 "and body an engineer can act on. A bug or feature ends your session; for a "
                 "question, call answer next.",
                 Json::parse(R"({"type": "object", "properties": {
          "kind": {"type": "string", "enum": ["bug", "feature", "question"]},
          "title": {"type": "string"}, "body": {"type": "string"}},
          "required": ["kind"], "additionalProperties": false})")) {}

  ToolResult Act(const Json& args, Seat& seat, ToolContext&) const override {
    Result<store::WorkItem> item = seat.tracker->Get(seat.item_id);
    if (!item.ok()) return tools::internal::ErrorResult(item.error());
    item->kind = StringArg(args, "kind");
    item->title = StringArg(args, "title", item->title);
    item->body = StringArg(args, "body", item->body);
    Status s = seat.tracker->Update(*item, "triaged by " + seat.role);
    if (!s.ok()) return tools::internal::ErrorResult(s);
    if (item->kind == "question") return ToolResult::Text("triaged as a question; now answer it");
    ToolResult result = ToolResult::Text("triaged as a " + item->kind + "; engineering takes it");
    result.outcome = tools::SessionOutcome::kSubmitted;
    result.summary = "triaged: " + item->kind;
    return result;
  }
};

class AnswerTool final : public SeatTool {
 public:
  AnswerTool()
      : SeatTool("answer", "Answer the question in its thread; the question is then closed.",
                 Json::parse(R"({"type": "object", "properties": {
          "text": {"type": "string", "minLength": 1}},
          "required": ["text"], "additionalProperties": false})")) {}

  ToolResult Act(const Json& args, Seat& seat, ToolContext&) const override {
    Result<int64_t> c = seat.tracker->Comment(seat.item_id, seat.role, StringArg(args, "text"));
    if (!c.ok()) return tools::internal::ErrorResult(c.error());
    ToolResult result = ToolResult::Text("answered; your session ends here");
    result.outcome = tools::SessionOutcome::kSubmitted;
    result.summary = "answered";
    return result;
  }
};

// Saves a screenshot of the session's desktop; the path, or an empty string with no desktop.
// Files are numbered in the session's artifacts: bugs/bug-1.png, bugs/bug-2.png, ...
Result<std::string> SaveScreenshot(Seat& seat, ToolContext& ctx) {
  auto* desk = ctx.resources().Get<desktop::DesktopSession>(desktop::kDesktopResource);
  if (desk == nullptr) return std::string();
  ASSIGN_OR_RETURN(std::string png, desk->ScreenshotPng());
  std::filesystem::path dir = std::filesystem::path(seat.artifacts_dir) / "bugs";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::filesystem::path path;
  for (int n = 1; path.empty() || std::filesystem::exists(path, ec); ++n) {
    path = dir / ("bug-" + std::to_string(n) + ".png");
  }
  std::ofstream out(path, std::ios::binary);
  out.write(png.data(), static_cast<std::streamsize>(png.size()));
  if (!out) return InternalError("cannot write " + path.string());
  return path.string();
}

class FileBugTool final : public SeatTool {
 public:
  FileBugTool()
      : SeatTool("file_bug",
                 "File a bug against the product: steps to reproduce, expected and actual "
                 "results. screenshot: attach what your desktop shows now.",
                 Json::parse(R"({"type": "object", "properties": {
          "title": {"type": "string", "minLength": 1},
          "body": {"type": "string", "minLength": 1},
          "screenshot": {"type": "boolean"}},
          "required": ["title", "body"], "additionalProperties": false})")) {}

  ToolResult Act(const Json& args, Seat& seat, ToolContext& ctx) const override {
    NewWorkItem bug{.kind = "bug",
                    .title = StringArg(args, "title"),
                    .body = StringArg(args, "body"),
                    .author = seat.role,
                    .parent_id = seat.item_id,
                    .depends_on = {},
                    .priority = 1,
                    .labels = "qa"};
    std::string note;
    if (tools::internal::BoolArg(args, "screenshot", false)) {
      Result<std::string> shot = SaveScreenshot(seat, ctx);
      if (!shot.ok())
        note = "\n(no screenshot: " + shot.error().message() + ")";
      else if (shot->empty())
        note = "\n(no screenshot: the desktop was not in use)";
      else
        bug.body += "\n\nScreenshot: " + *shot;
    }
    Result<store::WorkItem> filed = seat.tracker->File(bug);
    if (!filed.ok()) return tools::internal::ErrorResult(filed.error());
    return ToolResult::Text("filed bug #" + filed->id + note);
  }
};

}  // namespace

Status RegisterTrackerTools(tools::ToolRegistry& registry, const std::vector<std::string>& names) {
  auto wanted = [&](const char* n) {
    return std::find(names.begin(), names.end(), n) != names.end();
  };
  std::vector<std::unique_ptr<tools::Tool>> all;
  all.push_back(std::make_unique<FileWorkItemTool>());
  all.push_back(std::make_unique<ListWorkItemsTool>());
  all.push_back(std::make_unique<ShowWorkItemTool>());
  all.push_back(std::make_unique<CommentTool>());
  all.push_back(std::make_unique<SetCommandsTool>());
  all.push_back(std::make_unique<ReviewTool>());
  all.push_back(std::make_unique<TriageTool>());
  all.push_back(std::make_unique<AnswerTool>());
  all.push_back(std::make_unique<FileBugTool>());
  for (auto& tool : all) {
    if (wanted(tool->name().c_str())) RETURN_IF_ERROR(registry.Register(std::move(tool)));
  }
  return Status::Ok();
}

}  // namespace mh::company
