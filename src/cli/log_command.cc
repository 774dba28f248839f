// `macrohard log DIR [--session ID] [--company]`: what a company's agents and gates did.
//
// Without options: the sessions (id, role, item, state, steps). With --session: that
// session's transcript as a person reads it (the task, each reply's text and tool calls,
// each result cut to ~20 lines, feedback, the end). With --company: the company's own
// events (items filed and moved, comments, CI runs, reviews, merges, tags), one per line
// with its time. Reads the company's store only, so it works beside a running `serve`.
//
// Exit codes: 0 shown; 1 no such session, or the store failed; 2 bad usage, or DIR holds
// no company.
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "cli/commands.h"
#include "cli/company_runtime.h"
#include "cli/runtime.h"
#include "company/company.h"

namespace mh::cli {
namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr size_t kResultLines = 20;  // Lines of a tool result shown.
constexpr int64_t kPage = 500;

struct LogFlags {
  std::string dir;
  std::string session;
  bool company = false;
};

int Fail(int code, const Status& status) {
  std::fprintf(stderr, "macrohard log: %s\n", status.message().c_str());
  return code;
}

// Every event `read(after)` pages through, handed to `each` in order.
template <typename Read, typename Each>
Status ForEachEvent(Read read, Each each) {
  int64_t after = 0;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<store::Event> page, read(after));
    if (page.empty()) return Status::Ok();
    for (const store::Event& e : page) each(e);
    after = page.back().seq;
  }
}

Json Payload(const store::Event& e) {
  Result<Json> payload = ParseJson(e.payload);
  return payload.ok() && payload->is_object() ? *payload : Json::object();
}

std::string Str(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::string Short(const std::string& commit) { return commit.substr(0, 10); }

// The text parts of a recorded message ({role, parts[{text}|{media_type,...}], ...}).
std::string MessageText(const Json& message) {
  std::string text;
  if (!message.is_object() || !message.contains("parts") || !message["parts"].is_array()) {
    return text;
  }
  for (const Json& part : message["parts"]) {
    if (part.contains("text")) {
      text += (text.empty() ? "" : "\n") + Str(part, "text");
    } else {
      text += (text.empty() ? "" : "\n") + std::string("[image ") + Str(part, "media_type") + "]";
    }
  }
  return text;
}

// --- The list of sessions. ---

int ListSessions(store::Store& store, const std::string& company_id) {
  Result<std::vector<store::SessionRecord>> sessions = store.ListSessions(company_id, std::nullopt);
  if (!sessions.ok()) return Fail(kExitFailed, sessions.error());
  std::map<std::string, int64_t> steps;
  Status read =
      ForEachEvent([&](int64_t after) { return store.ReadEvents(company_id, after, kPage); },
                   [&](const store::Event& e) {
                     if (e.session_id && e.kind == "model_reply") ++steps[*e.session_id];
                   });
  if (!read.ok()) return Fail(kExitFailed, read);
  std::printf("%-28s %-14s %-6s %-10s %s\n", "SESSION", "ROLE", "ITEM", "STATE", "STEPS");
  for (const store::SessionRecord& s : *sessions) {
    std::string item = s.work_item_id ? "#" + *s.work_item_id : "-";
    std::printf("%-28s %-14s %-6s %-10s %lld\n", s.id.c_str(), s.role.c_str(), item.c_str(),
                s.state.c_str(), static_cast<long long>(steps[s.id]));
  }
  if (sessions->empty()) std::printf("(no sessions yet)\n");
  std::printf(
      "\nmacrohard log DIR --session ID: a session's transcript; --company: the company's "
      "events\n");
  return 0;
}

// --- One session's transcript. ---

// The model's reasoning, set apart from its answer: "  thinking: ..." lines; a redacted
// block is named, not shown.
std::string ReasoningLines(const Json& message) {
  if (!message.is_object() || !message.contains("reasoning") || !message["reasoning"].is_array()) {
    return "";
  }
  std::string out;
  for (const Json& r : message["reasoning"]) {
    std::string text = Str(r, "text");
    if (text.empty()) {
      if (!Str(r, "redacted").empty()) out += "  thinking: (redacted by the provider)\n";
      continue;
    }
    out += "  thinking:\n" + IndentLines(text, 60, "    | ");
  }
  return out;
}

std::string TranscriptEntry(const store::Event& e) {
  Json p = Payload(e);
  if (e.kind == "session_started") {
    return "== " + Str(p, "role") + " session, model " + Str(p, "model") + ", started " +
           FormatRfc3339(e.time) + "\ntask:\n" + IndentLines(Str(p, "task"), 200);
  }
  if (e.kind == "model_reply") {
    std::string out = "\n-- step " + Str(p, "step") + "\n";
    const Json& message = p.contains("message") ? p["message"] : Json::object();
    out += ReasoningLines(message);
    std::string text = MessageText(message);
    if (!text.empty()) out += IndentLines(text, 400);
    if (message.is_object() && message.contains("tool_calls") && message["tool_calls"].is_array()) {
      for (const Json& call : message["tool_calls"]) {
        out += "  > " + Str(call, "name") + " " + Str(call, "raw_arguments") + "\n";
      }
    }
    if (Str(p, "stop_reason") == "max_tokens") {
      out += "  (cut at the output limit: this reply is incomplete)\n";
    }
    return out;
  }
  if (e.kind == "tool_result") {
    bool error = p.value("is_error", false);
    std::string out = "  < " + Str(p, "name") + (error ? " (error)" : "") + "\n";
    return out + IndentLines(MessageText(p.contains("message") ? p["message"] : Json()),
                             kResultLines, "    ");
  }
  if (e.kind == "feedback") return "\n== feedback\n" + IndentLines(Str(p, "text"), 60);
  if (e.kind == "session_resumed") return "\n== resumed " + FormatRfc3339(e.time) + "\n";
  if (e.kind == "session_ended") {
    char cost[32];
    std::snprintf(cost, sizeof(cost), "$%.4f",
                  p["cost_usd"].is_number() ? p["cost_usd"].get<double>() : 0.0);
    std::string out = "\n== ended: " + Str(p, "outcome") + " after " + Str(p, "steps") +
                      " steps, " + Str(p, "tokens") + " tokens, " + cost + "\n";
    for (const char* key : {"summary", "question", "reason"}) {
      if (p.contains(key))
        out += std::string("  ") + key + ":\n" + IndentLines(Str(p, key), 60, "    ");
    }
    return out;
  }
  return "";  // model_request and anything newer: not part of what a person reads.
}

int ShowSession(store::Store& store, const std::string& company_id, const std::string& id) {
  Result<store::SessionRecord> record = store.GetSession(id);
  if (!record.ok() || record->company_id != company_id) {
    return Fail(kExitFailed, NotFoundError("no session " + id + " (macrohard log DIR lists them)"));
  }
  std::printf("session %s  role %s  item %s  state %s\n", record->id.c_str(), record->role.c_str(),
              record->work_item_id ? ("#" + *record->work_item_id).c_str() : "-",
              record->state.c_str());
  Status read =
      ForEachEvent([&](int64_t after) { return store.ReadSessionEvents(id, after, kPage); },
                   [](const store::Event& e) {
                     std::string entry = TranscriptEntry(e);
                     std::fputs(entry.c_str(), stdout);
                   });
  if (!read.ok()) return Fail(kExitFailed, read);
  return 0;
}

// --- The company's events. ---

// One company event as a line after its time, e.g. "ci_run      #5 failed at 1a2b3c4d5e".
std::string CompanyLine(const store::Event& e) {
  Json p = Payload(e);
  std::string item = p.contains("item") ? "#" + Str(p, "item") + " " : "";
  std::string detail;
  if (e.kind == "item_filed") {
    detail = Str(p, "kind") + " \"" + Str(p, "title") + "\" by " + Str(p, "author");
  } else if (e.kind == "item_state") {
    detail = Str(p, "from") + " -> " + Str(p, "to") + " (" + Str(p, "reason") + ")";
  } else if (e.kind == "item_updated") {
    detail = "\"" + Str(p, "title") + "\" (" + Str(p, "reason") + ")";
  } else if (e.kind == "comment") {
    detail = "by " + Str(p, "author");
  } else if (e.kind == "change_submitted") {
    detail = Short(Str(p, "commit")) + " on " + Str(p, "branch");
  } else if (e.kind == "ci_run") {
    detail = Str(p, "result") + " at " + Short(Str(p, "commit"));
  } else if (e.kind == "review") {
    detail = "round " + Str(p, "round") + ": " + Str(p, "decision");
  } else if (e.kind == "merged") {
    detail = Short(Str(p, "commit"));
  } else if (e.kind == "tagged") {
    detail = Str(p, "tag") + " at " + Short(Str(p, "commit"));
  } else if (e.kind == "company_created") {
    detail = Str(p, "name") + ", model " + Str(p, "model");
  } else {
    Json rest = p;
    rest.erase("item");
    detail = DumpJson(rest);
    if (detail.size() > 120) detail = detail.substr(0, 120) + "...";
  }
  char head[64];
  std::snprintf(head, sizeof(head), "%-16s ", e.kind.c_str());
  return FormatRfc3339(e.time) + "  " + head + item + detail;
}

int ShowCompany(store::Store& store, const std::string& company_id) {
  int64_t shown = 0;
  Status read =
      ForEachEvent([&](int64_t after) { return store.ReadEvents(company_id, after, kPage); },
                   [&](const store::Event& e) {
                     if (e.session_id) return;
                     std::printf("%s\n", CompanyLine(e).c_str());
                     ++shown;
                   });
  if (!read.ok()) return Fail(kExitFailed, read);
  if (shown == 0) std::printf("(no company events yet)\n");
  return 0;
}

int RunLog(const LogFlags& flags) {
  Result<std::unique_ptr<store::Store>> store = OpenCompanyStore(flags.dir);
  if (!store.ok()) {
    return Fail(store.error().code() == StatusCode::kNotFound ? kExitUsage : kExitFailed,
                store.error());
  }
  Result<std::string> id = company::ReadCompanyId(flags.dir);
  if (!id.ok()) return Fail(kExitUsage, id.error());
  if (!flags.session.empty()) return ShowSession(**store, *id, flags.session);
  if (flags.company) return ShowCompany(**store, *id);
  return ListSessions(**store, *id);
}

}  // namespace

Command RegisterLog(CLI::App& app) {
  auto flags = std::make_shared<LogFlags>();  // Shared with the runner, which outlives this.
  CLI::App* cmd = app.add_subcommand("log", "sessions, a session's transcript, company events");
  cmd->add_option("dir", flags->dir, "the company's folder")->required();
  auto* session = cmd->add_option("--session", flags->session, "show this session's transcript");
  auto* company = cmd->add_flag("--company", flags->company, "show the company's events");
  session->excludes(company);
  return {cmd, [flags] {
            try {
              return RunLog(*flags);
            } catch (const Json::exception& e) {  // A recorded event of an unexpected shape.
              return Fail(kExitFailed, DataLossError(std::string("unreadable event: ") + e.what()));
            }
          }};
}

}  // namespace mh::cli
