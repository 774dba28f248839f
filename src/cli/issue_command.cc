// `macrohard issue list|show|file|comment DIR ...`: a person's view of a company's tracker.
//
// Reads and writes the company's store (.macrohard/store.db) directly, so it works while
// `macrohard serve DIR` runs in another process: SQLite's WAL and busy timeout serialise
// the writes, and serve picks up filed issues on its next poll (support triages them).
//
// Exit codes: 0 done; 1 the item does not exist or the store failed; 2 bad usage, or DIR
// holds no company.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "cli/commands.h"
#include "cli/company_runtime.h"
#include "cli/runtime.h"
#include "company/company.h"
#include "company/tracker.h"

namespace mh::cli {
namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

struct IssueFlags {
  std::string dir;
  std::string id;
  std::string state;
  std::string title;
  std::string body;
  std::string kind = "issue";
  std::string author = "person";
  std::string text;
  int64_t priority = 0;
};

// The company's store and its tracker; the tracker borrows the store.
struct OpenedCompany {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<company::Tracker> tracker;
};

// Opens the company in `dir`. Errors: kNotFound when `dir` holds no company.
Result<OpenedCompany> OpenTracker(const std::string& dir) {
  OpenedCompany opened;
  ASSIGN_OR_RETURN(opened.store, OpenCompanyStore(dir));
  ASSIGN_OR_RETURN(std::string id, company::ReadCompanyId(dir));
  opened.tracker = std::make_unique<company::Tracker>(*opened.store, id);
  return opened;
}

int Fail(int code, const Status& status) {
  std::fprintf(stderr, "macrohard issue: %s\n", status.message().c_str());
  return code;
}

int FailOpen(const Status& status) {
  return Fail(status.code() == StatusCode::kNotFound ? kExitUsage : kExitFailed, status);
}

// "7" from "7" or "#7".
std::string ItemId(const std::string& text) {
  return !text.empty() && text.front() == '#' ? text.substr(1) : text;
}

std::string Short(const std::string& commit) { return commit.substr(0, 10); }

// One change event as a person reads it, e.g. "ci failed at 1a2b3c4d5e".
std::string DescribeChange(const company::ChangeEvent& e) {
  const Json& p = e.payload;
  if (e.kind == "change_submitted") {
    return "submitted " + Short(p.value("commit", "")) + " on " + p.value("branch", "") + "\n" +
           IndentLines(p.value("summary", ""), 5, "      ");
  }
  if (e.kind == "ci_run") {
    std::string line = "ci " + p.value("result", "") + " at " + Short(p.value("commit", "")) + "\n";
    if (p.value("result", "") != "passed") line += IndentLines(p.value("log", ""), 10, "      ");
    return line;
  }
  if (e.kind == "review") {
    std::string line = "review round " + std::to_string(p.value("round", 0)) + ": " +
                       p.value("decision", "") + "\n";
    return line + IndentLines(p.value("comments", ""), 10, "      ");
  }
  if (e.kind == "merged") return "merged " + Short(p.value("commit", "")) + "\n";
  if (e.kind == "tagged") {
    return "tagged " + p.value("tag", "") + " at " + Short(p.value("commit", "")) + "\n";
  }
  return e.kind + " " + DumpJson(p) + "\n";
}

int RunList(const IssueFlags& flags) {
  Result<OpenedCompany> opened = OpenTracker(flags.dir);
  if (!opened.ok()) return FailOpen(opened.error());
  std::optional<std::string> state;
  if (!flags.state.empty()) state = flags.state;
  Result<std::vector<store::WorkItem>> items = opened->tracker->List(state);
  if (!items.ok()) return Fail(kExitFailed, items.error());
  std::sort(items->begin(), items->end(), [](const store::WorkItem& a, const store::WorkItem& b) {
    return std::strtoll(a.id.c_str(), nullptr, 10) < std::strtoll(b.id.c_str(), nullptr, 10);
  });
  for (const store::WorkItem& item : *items) {
    std::printf("%s\n", company::DescribeItem(item).c_str());
  }
  if (items->empty()) std::printf("no work items%s\n", state ? (" in " + *state).c_str() : "");
  return 0;
}

// "#2 [done], #3 [open]".
std::string DescribeDependencies(company::Tracker& tracker, const std::vector<std::string>& ids) {
  std::string out;
  for (const std::string& id : ids) {
    Result<store::WorkItem> dep = tracker.Get(id);
    out += (out.empty() ? "#" : ", #") + id + " [" + (dep.ok() ? dep->state : "?") + "]";
  }
  return out.empty() ? "none" : out;
}

Status PrintItem(company::Tracker& tracker, const store::WorkItem& item) {
  ASSIGN_OR_RETURN(std::vector<std::string> deps, tracker.Dependencies(item.id));
  std::printf("#%s %s\n", item.id.c_str(), item.title.c_str());
  std::printf("kind:         %s\nstate:        %s\nassignee:     %s\n", item.kind.c_str(),
              item.state.c_str(), item.assignee.value_or("nobody").c_str());
  std::printf("priority:     %lld\n", static_cast<long long>(item.priority));
  if (item.parent_id) std::printf("parent:       #%s\n", item.parent_id->c_str());
  std::printf("depends on:   %s\n", DescribeDependencies(tracker, deps).c_str());
  std::printf("labels:       %s\n", item.labels.empty() ? "none" : item.labels.c_str());
  std::printf("filed:        %s\nupdated:      %s\n", FormatRfc3339(item.created_at).c_str(),
              FormatRfc3339(item.updated_at).c_str());
  std::printf("\n%s",
              IndentLines(item.body.empty() ? "(no description)" : item.body, 200, "  ").c_str());
  ASSIGN_OR_RETURN(std::vector<store::Comment> comments, tracker.store().ListComments(item.id));
  std::printf("\ncomments (%zu):\n", comments.size());
  for (const store::Comment& c : comments) {
    std::printf("  %s, %s:\n%s", c.author.c_str(), FormatRfc3339(c.created_at).c_str(),
                IndentLines(c.body, 40, "    ").c_str());
  }
  ASSIGN_OR_RETURN(std::vector<company::ChangeEvent> history, tracker.ChangeHistory(item.id));
  std::printf("\nchange history (%zu):\n", history.size());
  for (const company::ChangeEvent& e : history) std::printf("  %s", DescribeChange(e).c_str());
  ASSIGN_OR_RETURN(std::vector<store::SessionRecord> sessions,
                   tracker.store().ListSessions(tracker.company_id(), std::nullopt));
  std::string lines;
  for (const store::SessionRecord& s : sessions) {
    if (s.work_item_id != item.id) continue;
    lines += "  " + s.id + "  " + s.role + "  " + s.state + "\n";
  }
  if (!lines.empty())
    std::printf("\nsessions (macrohard log DIR --session ID):\n%s", lines.c_str());
  return Status::Ok();
}

int RunShow(const IssueFlags& flags) {
  Result<OpenedCompany> opened = OpenTracker(flags.dir);
  if (!opened.ok()) return FailOpen(opened.error());
  std::string id = ItemId(flags.id);
  Result<store::WorkItem> item = opened->tracker->Get(id);
  if (!item.ok()) {
    if (item.error().code() == StatusCode::kNotFound) {
      return Fail(kExitFailed, NotFoundError("no work item #" + id + " in " + flags.dir));
    }
    return Fail(kExitFailed, item.error());
  }
  Status printed = PrintItem(*opened->tracker, *item);
  if (!printed.ok()) return Fail(kExitFailed, printed);
  return 0;
}

int RunFile(const IssueFlags& flags) {
  Result<OpenedCompany> opened = OpenTracker(flags.dir);
  if (!opened.ok()) return FailOpen(opened.error());
  Result<store::WorkItem> item = opened->tracker->File({.kind = flags.kind,
                                                        .title = flags.title,
                                                        .body = flags.body,
                                                        .author = flags.author,
                                                        .priority = flags.priority});
  if (!item.ok()) {
    int code = item.error().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailed;
    return Fail(code, item.error());
  }
  std::printf("filed #%s\n", item->id.c_str());
  return 0;
}

int RunComment(const IssueFlags& flags) {
  Result<OpenedCompany> opened = OpenTracker(flags.dir);
  if (!opened.ok()) return FailOpen(opened.error());
  std::string id = ItemId(flags.id);
  if (!opened->tracker->Get(id).ok()) {
    return Fail(kExitFailed, NotFoundError("no work item #" + id + " in " + flags.dir));
  }
  if (flags.text.empty()) return Fail(kExitUsage, InvalidArgumentError("the comment is empty"));
  Result<int64_t> comment = opened->tracker->Comment(id, flags.author, flags.text);
  if (!comment.ok()) return Fail(kExitFailed, comment.error());
  std::printf("commented on #%s\n", id.c_str());
  return 0;
}

CLI::App* AddDir(CLI::App* cmd, IssueFlags& flags) {
  cmd->add_option("dir", flags.dir, "the company's folder")->required();
  return cmd;
}

}  // namespace

Command RegisterIssue(CLI::App& app) {
  auto flags = std::make_shared<IssueFlags>();  // Shared with the runner, which outlives this.
  CLI::App* issue = app.add_subcommand("issue", "list, show, file and comment on work items");
  issue->require_subcommand(1);

  CLI::App* list = AddDir(issue->add_subcommand("list", "one line per work item"), *flags);
  list->add_option("--state", flags->state, "only items in this state, e.g. open, done");

  CLI::App* show = AddDir(issue->add_subcommand("show", "a work item in full"), *flags);
  show->add_option("id", flags->id, "the item, e.g. 7 or #7")->required();

  CLI::App* file = AddDir(issue->add_subcommand("file", "file a work item"), *flags);
  file->add_option("title", flags->title, "a one-line title")->required();
  file->add_option("--body", flags->body, "what is wrong or wanted");
  file->add_option("--kind", flags->kind, "issue (default: support triages it), bug, feature...");
  file->add_option("--author", flags->author, "who files it (default: person)");
  file->add_option("--priority", flags->priority, "larger is more urgent (default 0)");

  CLI::App* comment = AddDir(issue->add_subcommand("comment", "comment on a work item"), *flags);
  comment->add_option("id", flags->id, "the item, e.g. 7 or #7")->required();
  comment->add_option("text", flags->text, "the comment")->required();
  comment->add_option("--author", flags->author, "who comments (default: person)");

  return {issue, [=] {
            try {
              if (list->parsed()) return RunList(*flags);
              if (show->parsed()) return RunShow(*flags);
              if (file->parsed()) return RunFile(*flags);
              if (comment->parsed()) return RunComment(*flags);
            } catch (const Json::exception& e) {  // A recorded event of an unexpected shape.
              return Fail(kExitFailed, DataLossError(std::string("unreadable event: ") + e.what()));
            }
            return kExitUsage;
          }};
}

}  // namespace mh::cli
