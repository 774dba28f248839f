// `macrohard status DIR [--watch] [--interval SECONDS]`: what a company is doing now.
//
// Shows the work items counted and listed by state, whether a run holds the company, the
// agents whose session record is "running" with what each last did, the spend in tokens
// and dollars (in total and per role, summed from the recorded model replies) and the
// latest release tag. Reads the company's store only, so it works beside a running
// `serve`. With --watch it redraws every interval until Ctrl-C (clearing the screen on a
// terminal, printing one view after another otherwise); each redraw reads only the
// events appended since the last.
//
// Exit codes: 0 shown (or watched until Ctrl-C); 1 the store failed; 2 bad usage, or DIR
// holds no company.
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "cli/commands.h"
#include "cli/company_runtime.h"
#include "cli/runtime.h"
#include "company/company.h"
#include "company/folder.h"
#include "company/tracker.h"

namespace mh::cli {
namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr size_t kItemsPerState = 10;  // Longer lists end in "... and N more".
constexpr size_t kArgumentsCut = 70;   // Characters of a tool call's arguments shown.

struct StatusFlags {
  std::string dir;
  bool watch = false;
  double interval_seconds = 1.0;
};

struct Spend {
  int64_t tokens = 0;
  double usd = 0;
  int64_t unpriced = 0;  // Replies with no price known: their dollars are missing.
  void Add(const Spend& other) {
    tokens += other.tokens;
    usd += other.usd;
    unpriced += other.unpriced;
  }
};

// What one session did, from its events.
struct Activity {
  int64_t steps = 0;
  std::string last_tool;       // Name of the newest tool call.
  std::string last_arguments;  // Its raw arguments.
  std::string last_kind;       // Kind of the newest event.
  SystemTime last_time{};
  Spend spend;
};

// A model endpoint the running company found unreachable (event model_unreachable).
struct Outage {
  int64_t since_ms = 0;
  int64_t next_try_ms = 0;
  std::string reason;
};

// Reads a company's events incrementally and keeps what the view needs.
class EventTally {
 public:
  // Consumes the events appended since the last call.
  Status Update(store::Store& store, const std::string& company_id) {
    while (true) {
      ASSIGN_OR_RETURN(std::vector<store::Event> page, store.ReadEvents(company_id, after_, 1000));
      if (page.empty()) return Status::Ok();
      for (const store::Event& e : page) Consume(e);
      after_ = page.back().seq;
    }
  }
  const std::map<std::string, Activity>& sessions() const { return sessions_; }
  const std::string& latest_tag() const { return latest_tag_; }
  const std::map<std::string, Outage>& outages() const { return outages_; }

 private:
  void Consume(const store::Event& e) {
    Result<Json> payload = ParseJson(e.payload);
    if (!payload.ok() || !payload->is_object()) return;
    if (!e.session_id) {
      if (e.kind == "tagged") {
        latest_tag_ =
            payload->value("tag", "") + " at " + payload->value("commit", "").substr(0, 10);
      } else if (e.kind == "model_unreachable") {
        outages_[payload->value("model", "")] = {
            .since_ms = payload->value("since_ms", int64_t{0}),
            .next_try_ms = payload->value("next_try_ms", int64_t{0}),
            .reason = payload->value("reason", "")};
      } else if (e.kind == "model_reachable") {
        outages_.erase(payload->value("model", ""));
      }
      return;
    }
    Activity& a = sessions_[*e.session_id];
    a.last_kind = e.kind;
    a.last_time = e.time;
    if (e.kind != "model_reply") return;
    ++a.steps;
    a.spend.Add(ReplySpend(*payload));
    const Json& message = (*payload)["message"];
    if (message.is_object() && message.contains("tool_calls") && message["tool_calls"].is_array() &&
        !message["tool_calls"].empty()) {
      const Json& call = message["tool_calls"].back();
      a.last_tool = call.value("name", "");
      a.last_arguments = call.value("raw_arguments", "");
    }
  }

  static Spend ReplySpend(const Json& reply) {
    Spend spend;
    const Json& usage = reply.contains("usage") ? reply["usage"] : Json::object();
    for (const char* key : {"input_tokens", "output_tokens", "cache_read_tokens",
                            "cache_write_tokens", "reasoning_tokens"}) {
      if (usage.is_object() && usage.contains(key) && usage[key].is_number()) {
        spend.tokens += usage[key].get<int64_t>();
      }
    }
    if (reply.contains("cost_usd") && reply["cost_usd"].is_number()) {
      spend.usd = reply["cost_usd"].get<double>();
    }
    if (!reply.value("priced", true)) spend.unpriced = 1;
    return spend;
  }

  int64_t after_ = 0;
  std::map<std::string, Activity> sessions_;
  std::string latest_tag_;
  std::map<std::string, Outage> outages_;  // By model name.
};

// The company's store, id and the tally of its events, kept across redraws.
struct StatusSource {
  std::string dir;
  std::string company_id;
  std::unique_ptr<store::Store> store;
  EventTally tally;
};

void Appendf(std::string& out, const char* format, auto... args) {
  int size = std::snprintf(nullptr, 0, format, args...);
  if (size <= 0) return;
  size_t start = out.size();
  out.resize(start + static_cast<size_t>(size) + 1);
  std::snprintf(out.data() + start, static_cast<size_t>(size) + 1, format, args...);
  out.resize(start + static_cast<size_t>(size));
}

std::string Usd(const Spend& spend) {
  char text[48];
  std::snprintf(text, sizeof(text), "$%.4f", spend.usd);
  return std::string(text) + (spend.unpriced > 0 ? " (+ unpriced replies)" : "");
}

// One line of arguments, cut to `kArgumentsCut` characters.
std::string CutArguments(std::string args) {
  std::replace(args.begin(), args.end(), '\n', ' ');
  if (args.size() > kArgumentsCut) args = args.substr(0, kArgumentsCut) + "...";
  return args;
}

// States in workflow order; any other state a charter uses comes after them.
std::vector<std::string> StateOrder(const std::vector<store::WorkItem>& items) {
  std::vector<std::string> order = {
      company::states::kOpen,    company::states::kInProgress, company::states::kCi,
      company::states::kReview,  company::states::kMerging,    company::states::kTagging,
      company::states::kBlocked, company::states::kDone,       company::states::kClosed};
  for (const store::WorkItem& item : items) {
    if (std::find(order.begin(), order.end(), item.state) == order.end()) {
      order.push_back(item.state);
    }
  }
  return order;
}

void RenderItems(const std::vector<store::WorkItem>& items, std::string& out) {
  std::vector<std::string> order = StateOrder(items);
  std::string counts;
  for (const std::string& state : order) {
    auto n = std::count_if(items.begin(), items.end(),
                           [&](const store::WorkItem& i) { return i.state == state; });
    if (n > 0) counts += (counts.empty() ? "" : ", ") + std::to_string(n) + " " + state;
  }
  Appendf(out, "work items: %zu%s%s%s\n", items.size(), counts.empty() ? "" : " (", counts.c_str(),
          counts.empty() ? "" : ")");
  for (const std::string& state : order) {
    std::vector<const store::WorkItem*> in_state;
    for (const store::WorkItem& item : items) {
      if (item.state == state) in_state.push_back(&item);
    }
    if (in_state.empty()) continue;
    Appendf(out, "  %s (%zu)\n", state.c_str(), in_state.size());
    for (size_t i = 0; i < in_state.size() && i < kItemsPerState; ++i) {
      const store::WorkItem& item = *in_state[i];
      Appendf(out, "    #%s %s  %s%s\n", item.id.c_str(), item.kind.c_str(), item.title.c_str(),
              item.assignee ? ("  (" + *item.assignee + ")").c_str() : "");
    }
    if (in_state.size() > kItemsPerState) {
      Appendf(out, "    ... and %zu more\n", in_state.size() - kItemsPerState);
    }
  }
}

// The work item a session works on: its record's, or the "item" of its state blob.
std::string SessionItem(const store::SessionRecord& record) {
  if (record.work_item_id) return *record.work_item_id;
  Result<Json> blob = ParseJson(record.state_blob);
  if (blob.ok() && blob->is_object()) return blob->value("item", "");
  return "";
}

void RenderAgents(const std::vector<store::SessionRecord>& sessions, const EventTally& tally,
                  bool run_in_progress, std::string& out) {
  std::string lines;
  int active = 0;
  for (const store::SessionRecord& s : sessions) {
    if (s.state != "running") continue;
    ++active;
    auto it = tally.sessions().find(s.id);
    Activity a = it == tally.sessions().end() ? Activity{} : it->second;
    std::string doing =
        a.last_tool.empty() ? "starting" : a.last_tool + " " + CutArguments(a.last_arguments);
    if (a.last_kind == "model_request") doing += "; waiting for the model";
    auto ago = std::chrono::duration_cast<std::chrono::seconds>(SystemClock().Now() - a.last_time);
    std::string item = SessionItem(s);
    Appendf(lines, "  %-16s %-6s step %-3lld %s  (%llds ago)  %s\n", s.role.c_str(),
            item.empty() ? "-" : ("#" + item).c_str(), static_cast<long long>(a.steps),
            doing.c_str(), static_cast<long long>(ago.count()), s.id.c_str());
  }
  Appendf(out, "agents: %d active\n%s", active, lines.c_str());
  if (active > 0 && !run_in_progress) {
    out += "  (no run holds the company: these sessions resume with macrohard run DIR)\n";
  }
}

// "model endpoint M unreachable since HH:MM, next try in N s" while a run waits for it.
void RenderOutages(const EventTally& tally, bool run_in_progress, std::string& out) {
  if (!run_in_progress) return;  // A run that ended took its waiting with it.
  int64_t now = ToUnixMillis(SystemClock().Now());
  for (const auto& [model, outage] : tally.outages()) {
    time_t since = static_cast<time_t>(outage.since_ms / 1000);
    tm local{};
    localtime_r(&since, &local);
    char at[16];
    std::strftime(at, sizeof at, "%H:%M", &local);
    int64_t wait = std::max<int64_t>(0, (outage.next_try_ms - now + 999) / 1000);
    Appendf(out, "model endpoint unreachable since %s, next try in %lld s (%s: %s)\n", at,
            static_cast<long long>(wait), model.c_str(), outage.reason.c_str());
  }
}

void RenderSpend(const std::vector<store::SessionRecord>& sessions, const EventTally& tally,
                 std::string& out) {
  std::map<std::string, Spend> by_role;
  Spend total;
  for (const store::SessionRecord& s : sessions) {
    auto it = tally.sessions().find(s.id);
    if (it == tally.sessions().end()) continue;
    by_role[s.role].Add(it->second.spend);
    total.Add(it->second.spend);
  }
  Appendf(out, "spend: %s tokens, %s\n", FormatCount(total.tokens).c_str(), Usd(total).c_str());
  for (const auto& [role, spend] : by_role) {
    Appendf(out, "  %-16s %12s tokens  %s\n", role.c_str(), FormatCount(spend.tokens).c_str(),
            Usd(spend).c_str());
  }
}

// The whole view, as text.
Result<std::string> Render(StatusSource& source) {
  RETURN_IF_ERROR(source.tally.Update(*source.store, source.company_id));
  company::Tracker tracker(*source.store, source.company_id);
  ASSIGN_OR_RETURN(std::vector<store::WorkItem> items, tracker.List());
  ASSIGN_OR_RETURN(std::vector<store::SessionRecord> sessions,
                   source.store->ListSessions(source.company_id, std::nullopt));
  ASSIGN_OR_RETURN(std::optional<store::Lease> lease,
                   source.store->GetLease("company:" + source.company_id));
  std::sort(items.begin(), items.end(), [](const store::WorkItem& a, const store::WorkItem& b) {
    return std::strtoll(a.id.c_str(), nullptr, 10) < std::strtoll(b.id.c_str(), nullptr, 10);
  });
  std::string out;
  Appendf(out, "company %s  %s  (%s)\n", source.company_id.c_str(),
          company::PathsFor(source.dir).root.c_str(), FormatRfc3339(SystemClock().Now()).c_str());
  if (lease) {
    Appendf(out, "run: in progress (%s)\n", lease->holder.c_str());
  } else {
    out += "run: none (macrohard run DIR or macrohard serve DIR)\n";
  }
  RenderOutages(source.tally, lease.has_value(), out);
  RenderItems(items, out);
  RenderAgents(sessions, source.tally, lease.has_value(), out);
  RenderSpend(sessions, source.tally, out);
  Appendf(out, "latest tag: %s\n",
          source.tally.latest_tag().empty() ? "none" : source.tally.latest_tag().c_str());
  return out;
}

int Fail(int code, const Status& status) {
  std::fprintf(stderr, "macrohard status: %s\n", status.message().c_str());
  return code;
}

// Redraws until Ctrl-C; on a terminal each view replaces the last.
int Watch(StatusSource& source, std::chrono::milliseconds interval) {
  InterruptWatcher interrupt;
  std::stop_token stop = interrupt.token();
  const bool tty = isatty(STDOUT_FILENO) == 1;
  std::mutex mutex;
  std::condition_variable_any wake;
  while (!stop.stop_requested()) {
    Result<std::string> view = Render(source);
    if (!view.ok()) return Fail(kExitFailed, view.error());
    std::printf("%s%s%s", tty ? "\x1b[H\x1b[2J" : "", view->c_str(), tty ? "" : "\n");
    std::fflush(stdout);
    std::unique_lock<std::mutex> lock(mutex);
    wake.wait_for(lock, stop, interval, [] { return false; });
  }
  return 0;
}

int RunStatus(const StatusFlags& flags) {
  if (flags.interval_seconds < 0.05) {
    return Fail(kExitUsage, InvalidArgumentError("--interval must be at least 0.05 seconds"));
  }
  StatusSource source{.dir = flags.dir};
  Result<std::unique_ptr<store::Store>> store = OpenCompanyStore(flags.dir);
  if (!store.ok()) {
    return Fail(store.error().code() == StatusCode::kNotFound ? kExitUsage : kExitFailed,
                store.error());
  }
  source.store = std::move(*store);
  Result<std::string> id = company::ReadCompanyId(flags.dir);
  if (!id.ok()) return Fail(kExitUsage, id.error());
  source.company_id = *id;
  if (Status verified = company::VerifyStore(flags.dir, *source.store); !verified.ok()) {
    return Fail(kExitUsage, verified);
  }
  if (flags.watch) {
    auto ms = static_cast<int64_t>(flags.interval_seconds * 1000);
    return Watch(source, std::chrono::milliseconds(ms));
  }
  Result<std::string> view = Render(source);
  if (!view.ok()) return Fail(kExitFailed, view.error());
  std::printf("%s", view->c_str());
  return 0;
}

}  // namespace

Command RegisterStatus(CLI::App& app) {
  auto flags = std::make_shared<StatusFlags>();  // Shared with the runner, which outlives this.
  CLI::App* cmd = app.add_subcommand("status", "work items, agents, spend and tags of a company");
  cmd->add_option("dir", flags->dir, "the company's folder")->required();
  cmd->add_flag("--watch,-w", flags->watch, "redraw every interval until Ctrl-C");
  cmd->add_option("--interval", flags->interval_seconds, "seconds between redraws (default 1)");
  return {cmd, [flags] {
            try {
              return RunStatus(*flags);
            } catch (const Json::exception& e) {  // A recorded event of an unexpected shape.
              return Fail(kExitFailed, DataLossError(std::string("unreadable event: ") + e.what()));
            }
          }};
}

}  // namespace mh::cli
