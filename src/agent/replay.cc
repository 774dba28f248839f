// Replay loaders: mini-swe-agent trajectories and Macrohard sessions into model replies.
#include "agent/replay.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/events.h"
#include "llm/usage.h"
#include "store/store.h"

namespace mh::agent {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kFormatV1 = "mini-swe-agent-1";
constexpr std::string_view kFormatV11 = "mini-swe-agent-1.1";
constexpr std::string_view kKnownFormats =
    "mini-swe-agent-1, mini-swe-agent-1.1 (JSON), or a Macrohard session (JSON lines of "
    "events, or STORE.db#SESSION)";

// mini-swe-agent ends a run when an action's output starts with one of these.
bool IsSubmitCommand(std::string_view command) {
  return command.find("COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT") != std::string_view::npos ||
         command.find("MINI_SWE_AGENT_FINAL_OUTPUT") != std::string_view::npos;
}

llm::ToolCall MakeCall(std::string id, std::string name, const Json& arguments) {
  llm::ToolCall call;
  call.id = std::move(id);
  call.name = std::move(name);
  call.raw_arguments = DumpJson(arguments);
  llm::ParseToolArguments(call);
  return call;
}

llm::ModelResponse MakeTurn(std::string text, std::vector<llm::ToolCall> calls, llm::Usage usage) {
  llm::ModelResponse turn;
  turn.stop_reason = calls.empty() ? llm::StopReason::kEndTurn : llm::StopReason::kToolUse;
  turn.message = llm::Message::Assistant(std::move(text), std::move(calls));
  turn.usage = usage;
  turn.model = "replay";
  return turn;
}

// A message's content: a string, null, or a list of {type:"text", text} parts.
std::string ContentText(const Json& message) {
  auto it = message.find("content");
  if (it == message.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  std::string text;
  if (it->is_array()) {
    for (const Json& part : *it) {
      if (part.is_object() && part.value("type", "") == "text") text += part.value("text", "");
    }
  }
  return text;
}

// The provider's usage as mini-swe-agent kept it (extra.response.usage), if any.
llm::Usage RecordedUsage(const Json& message) {
  llm::Usage usage;
  const Json* u = nullptr;
  if (auto extra = message.find("extra"); extra != message.end() && extra->is_object()) {
    auto response = extra->find("response");
    if (response != extra->end() && response->is_object() && response->contains("usage"))
      u = &response->at("usage");
  }
  if (u == nullptr || !u->is_object()) return usage;
  // Cached, cache-written and reasoning tokens are split out as the provider reported them.
  return llm::UsageFromProviderJson(*u);
}

std::string StringAt(const Json& object, std::initializer_list<const char*> path) {
  const Json* node = &object;
  for (const char* key : path) {
    if (!node->is_object()) return "";
    auto it = node->find(key);
    if (it == node->end()) return "";
    node = &*it;
  }
  return node->is_string() ? node->get<std::string>() : "";
}

struct MiniState {
  std::string source;
  std::string summary;
  bool submitted = false;
  std::string submit_command;
};

// mini-swe-agent 1's submit command stages the whole tree and prints it; any other (2's
// `cat patch.txt`) prints a patch the agent made of the files it chose.
SubmissionScope ScopeOf(const std::string& submit_command) {
  bool whole = submit_command.find("git add -A") != std::string::npos &&
               submit_command.find("git diff --cached") != std::string::npos;
  return whole || submit_command.empty() ? SubmissionScope::kWholeTree
                                         : SubmissionScope::kRecordedPaths;
}

// Registers the turn's run_command calls, to compare their exit codes later.
void AddCalls(const llm::ModelResponse& turn, int64_t step, Trajectory& t) {
  for (const llm::ToolCall& call : turn.message.tool_calls) {
    if (call.name != "run_command" || !call.arguments.is_object()) continue;
    t.calls[call.id] = {.step = step,
                        .command = events::Field<std::string>(call.arguments, "command", "")};
  }
}

// An observation's exit code: mini-swe-agent 2 keeps it in extra.returncode, else the
// rendered text says it.
std::optional<int> MessageExitCode(const Json& message) {
  if (auto extra = message.find("extra"); extra != message.end() && extra->is_object()) {
    auto code = extra->find("returncode");
    if (code != extra->end() && code->is_number_integer()) return code->get<int>();
  }
  return ObservedExitCode(ContentText(message));
}

void SetExitCode(Trajectory& t, const std::string& call_id, std::optional<int> code) {
  auto it = t.calls.find(call_id);
  if (it != t.calls.end() && !it->second.exit_code) it->second.exit_code = code;
}

// One 1.1 tool call into a native call; the submitting bash call becomes submit.
Result<llm::ToolCall> V11Call(const Json& call, const std::string& where, size_t turn,
                              MiniState& state) {
  if (!call.is_object() || !call.contains("function") || !call["function"].is_object())
    return DataLossError(state.source + ": " + where + " has no function");
  const Json& function = call["function"];
  std::string name = function.value("name", "");
  Json args = Json::object();
  if (auto it = function.find("arguments"); it != function.end()) {
    if (it->is_string()) {
      Result<Json> parsed = ParseJson(it->get<std::string>());
      if (!parsed.ok() || !parsed->is_object())
        return DataLossError(state.source + ": " + where +
                             ".function.arguments is not a JSON object");
      args = std::move(*parsed);
    } else if (it->is_object()) {
      args = *it;
    }
  }
  std::string id = call.value("id", "");
  if (id.empty()) id = "replay_" + std::to_string(turn) + "_" + where;
  if (name != "bash") return MakeCall(std::move(id), std::move(name), args);
  if (!args.contains("command") || !args["command"].is_string())
    return DataLossError(state.source + ": " + where + " calls bash without a command");
  std::string command = args["command"].get<std::string>();
  if (IsSubmitCommand(command)) {
    state.submitted = true;
    state.submit_command = command;
    return MakeCall(std::move(id), "submit", {{"summary", state.summary}});
  }
  return MakeCall(std::move(id), "run_command", {{"command", command}});
}

Result<llm::ModelResponse> MiniTurn(const Json& message, size_t index, bool v11, size_t turn,
                                    MiniState& state) {
  std::string where = "messages[" + std::to_string(index) + "]";
  std::string text = ContentText(message);
  std::vector<llm::ToolCall> calls;
  if (!v11) {
    if (std::optional<std::string> command = SingleBashBlock(text)) {
      std::string id = "replay_" + std::to_string(turn);
      if (IsSubmitCommand(*command)) {
        state.submitted = true;
        state.submit_command = *command;
        calls.push_back(MakeCall(id, "submit", {{"summary", state.summary}}));
      } else {
        calls.push_back(MakeCall(id, "run_command", {{"command", *command}}));
      }
    }
    return MakeTurn(std::move(text), std::move(calls), RecordedUsage(message));
  }
  if (auto it = message.find("tool_calls"); it != message.end() && !it->is_null()) {
    if (!it->is_array())
      return DataLossError(state.source + ": " + where + ".tool_calls is not a list");
    for (size_t j = 0; j < it->size() && !state.submitted; ++j) {
      std::string call_where = where + ".tool_calls[" + std::to_string(j) + "]";
      ASSIGN_OR_RETURN(llm::ToolCall call, V11Call((*it)[j], call_where, turn, state));
      calls.push_back(std::move(call));
    }
  }
  return MakeTurn(std::move(text), std::move(calls), RecordedUsage(message));
}

Status CheckFormat(const Json& root, const std::string& source, bool* v11) {
  auto it = root.find("trajectory_format");
  if (it == root.end() || !it->is_string()) {
    return InvalidArgumentError(
        source + ": no trajectory_format; known formats: " + std::string(kKnownFormats));
  }
  std::string format = it->get<std::string>();
  if (format != kFormatV1 && format != kFormatV11) {
    return InvalidArgumentError(source + ": unknown trajectory_format '" + format +
                                "'; known formats: " + std::string(kKnownFormats));
  }
  *v11 = format == kFormatV11;
  return Status::Ok();
}

std::string ReadAll(std::ifstream& in) {
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<Trajectory> ParseEventLines(const std::string& text, const std::string& source) {
  std::vector<store::Event> events;
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::string where = source + ":" + std::to_string(number);
    Result<Json> parsed = ParseJson(line);
    if (!parsed.ok()) {
      return InvalidArgumentError(where + ": neither a JSON trajectory nor JSON lines of events (" +
                                  parsed.error().message() +
                                  "); known formats: " + std::string(kKnownFormats));
    }
    if (!parsed->is_object() || !(*parsed)["kind"].is_string() || !parsed->contains("payload"))
      return DataLossError(where + ": an event needs a string kind and a payload");
    const Json& payload = (*parsed)["payload"];
    events.push_back(
        {.kind = (*parsed)["kind"].get<std::string>(),
         .payload = payload.is_string() ? payload.get<std::string>() : DumpJson(payload)});
  }
  return ParseSessionEvents(events, source);
}

// What solve kept in the session record: the repository, base commit and mount path.
void ApplySolveState(const std::string& blob, Trajectory& t) {
  Result<Json> state = ParseJson(blob);
  if (!state.ok() || !state->is_object()) return;
  t.recorded_repo = StringAt(*state, {"repo"});
  t.recorded_base = StringAt(*state, {"worktree", "base_commit"});
  t.cwd = StringAt(*state, {"mount_path"});
}

}  // namespace

std::string_view TrajectoryFormatName(TrajectoryFormat format) {
  switch (format) {
    case TrajectoryFormat::kMacrohardSession:
      return "macrohard-session";
    case TrajectoryFormat::kMiniSweAgent1:
      return kFormatV1;
    case TrajectoryFormat::kMiniSweAgent11:
      return kFormatV11;
  }
  return "unknown";
}

namespace {

// The integer at the start of `text` (after blanks), if any.
std::optional<int> LeadingInt(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n')) ++i;
  bool negative = i < text.size() && text[i] == '-';
  if (negative) ++i;
  size_t digits = i;
  int64_t value = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && i - digits < 10)
    value = value * 10 + (text[i++] - '0');
  if (i == digits) return std::nullopt;
  return static_cast<int>(negative ? -value : value);
}

}  // namespace

std::optional<int> ObservedExitCode(std::string_view observation) {
  for (std::string_view marker : {"<returncode>", "\"returncode\":"}) {
    if (size_t at = observation.find(marker); at != std::string_view::npos)
      return LeadingInt(observation.substr(at + marker.size()));
  }
  std::string_view text = observation;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  constexpr std::string_view kExit = "[exit code ";
  size_t at = text.rfind(kExit);
  if (at == std::string_view::npos || !text.ends_with("]")) return std::nullopt;
  if (text.find('\n', at) != std::string_view::npos) return std::nullopt;
  return LeadingInt(text.substr(at + kExit.size()));
}

std::optional<int> RunCommandExitCode(std::string_view result_text) {
  constexpr std::string_view kExit = "exit code ";
  if (!result_text.starts_with(kExit)) return std::nullopt;
  return LeadingInt(result_text.substr(kExit.size()));
}

bool IsReplayModelName(std::string_view model_name) {
  return model_name.starts_with(kReplayModelPrefix);
}

std::optional<std::string> SingleBashBlock(std::string_view text) {
  constexpr std::string_view kOpen = "```bash";
  std::optional<std::string> found;
  int count = 0;
  size_t pos = 0;
  while ((pos = text.find(kOpen, pos)) != std::string_view::npos) {
    size_t after = pos + kOpen.size();
    size_t end_ws = after;
    while (end_ws < text.size() && std::isspace(static_cast<unsigned char>(text[end_ws]))) ++end_ws;
    size_t newline = text.rfind('\n', end_ws == 0 ? 0 : end_ws - 1);
    if (newline == std::string_view::npos || newline < after) {
      pos = after;  // "```bashful": not a bash block.
      continue;
    }
    size_t close = text.find("\n```", newline);
    if (close == std::string_view::npos) break;
    // An empty block ("```bash\n```") closes at the opening newline itself.
    found = std::string(text.substr(newline + 1, close > newline ? close - newline - 1 : 0));
    ++count;
    pos = close + 4;
  }
  if (count != 1) return std::nullopt;
  return found;
}

Result<Trajectory> ParseMiniSweAgentTrajectory(const Json& root, std::string source) {
  if (!root.is_object()) return DataLossError(source + ": a trajectory is a JSON object");
  bool v11 = false;
  RETURN_IF_ERROR(CheckFormat(root, source, &v11));
  auto messages = root.find("messages");
  if (messages == root.end() || !messages->is_array())
    return DataLossError(source + ": no messages list");
  Trajectory t;
  t.format = v11 ? TrajectoryFormat::kMiniSweAgent11 : TrajectoryFormat::kMiniSweAgent1;
  t.source = source;
  t.cwd = StringAt(root, {"info", "config", "environment", "cwd"});
  t.submission = StringAt(root, {"info", "submission"});
  std::string instance = StringAt(root, {"instance_id"});
  MiniState state{.source = source,
                  .summary = "Replay of " + (instance.empty() ? source : instance) + " (" +
                             std::string(TrajectoryFormatName(t.format)) + ")"};
  std::string v1_call;  // v1: the call whose observation comes next.
  for (size_t i = 0; i < messages->size(); ++i) {
    const Json& message = (*messages)[i];
    if (!message.is_object() || !message.contains("role") || !message["role"].is_string())
      return DataLossError(source + ": messages[" + std::to_string(i) + "] has no role");
    std::string role = message["role"].get<std::string>();
    if (role == "user" && t.task.empty() && t.turns.empty()) t.task = ContentText(message);
    if (role == "exit" && t.submission.empty())
      t.submission = StringAt(message, {"extra", "submission"});
    if (role == "user" && !v1_call.empty()) SetExitCode(t, v1_call, MessageExitCode(message));
    if (role == "tool") SetExitCode(t, message.value("tool_call_id", ""), MessageExitCode(message));
    v1_call.clear();
    if (role != "assistant" || state.submitted) continue;  // The run ended at submit.
    ASSIGN_OR_RETURN(llm::ModelResponse turn, MiniTurn(message, i, v11, t.turns.size(), state));
    AddCalls(turn, static_cast<int64_t>(t.turns.size()) + 1, t);
    if (!v11 && !turn.message.tool_calls.empty()) v1_call = turn.message.tool_calls[0].id;
    t.turns.push_back(std::move(turn));
  }
  if (t.turns.empty()) return DataLossError(source + ": the trajectory has no assistant messages");
  t.scope = ScopeOf(state.submit_command);
  return t;
}

Result<Trajectory> ParseSessionEvents(const std::vector<store::Event>& events, std::string source) {
  Trajectory t;
  t.format = TrajectoryFormat::kMacrohardSession;
  t.source = source;
  for (size_t i = 0; i < events.size(); ++i) {
    const store::Event& e = events[i];
    if (e.kind != events::kModelReply && e.kind != events::kSessionStarted &&
        e.kind != events::kToolResult)
      continue;
    std::string where = source + ": event " + std::to_string(i + 1) + " (" + e.kind + ")";
    Result<Json> payload = ParseJson(e.payload);
    if (!payload.ok() || !payload->is_object())
      return DataLossError(where + ": the payload is not a JSON object");
    if (e.kind == events::kSessionStarted) {
      t.task = events::Field<std::string>(*payload, "task", "");
      continue;
    }
    if (e.kind == events::kToolResult) {  // Unreadable results only lose their exit code.
      Result<llm::Message> result = events::MessageFromJson(payload->value("message", Json()));
      if (result.ok()) SetExitCode(t, result->tool_call_id, RunCommandExitCode(result->Text()));
      continue;
    }
    if (!payload->contains("message")) return DataLossError(where + ": no message");
    Result<llm::Message> message = events::MessageFromJson((*payload)["message"]);
    if (!message.ok()) return DataLossError(where + ": " + message.error().message());
    if (message->role != llm::Role::kAssistant)
      return DataLossError(where + ": the message is not the assistant's");
    llm::Usage usage =
        payload->contains("usage") ? events::UsageFromJson((*payload)["usage"]) : llm::Usage{};
    llm::ModelResponse turn = MakeTurn("", {}, usage);
    turn.message = std::move(*message);
    turn.stop_reason =
        turn.message.tool_calls.empty() ? llm::StopReason::kEndTurn : llm::StopReason::kToolUse;
    AddCalls(turn, static_cast<int64_t>(t.turns.size()) + 1, t);
    t.turns.push_back(std::move(turn));
  }
  if (t.turns.empty()) return DataLossError(source + ": the session has no recorded model replies");
  return t;
}

Result<Trajectory> LoadSessionFromStore(const std::string& store_path,
                                        const std::string& session_id) {
  std::string source = store_path + "#" + session_id;
  std::error_code ec;
  if (!fs::is_regular_file(store_path, ec))
    return NotFoundError("replay: no store at " + store_path);
  ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store, store::OpenSqliteStore(store_path));
  Result<store::SessionRecord> record = store->GetSession(session_id);
  if (!record.ok()) {
    return NotFoundError("replay: no session " + session_id + " in " + store_path);
  }
  std::vector<store::Event> all;
  constexpr int64_t kPage = 1000;
  for (int64_t after = 0;;) {
    ASSIGN_OR_RETURN(std::vector<store::Event> page,
                     store->ReadSessionEvents(session_id, after, kPage));
    if (page.empty()) break;
    after = page.back().seq;
    for (store::Event& e : page) all.push_back(std::move(e));
    if (static_cast<int64_t>(page.size()) < kPage) break;
  }
  ASSIGN_OR_RETURN(Trajectory t, ParseSessionEvents(all, source));
  ApplySolveState(record->state_blob, t);
  Result<std::optional<std::string>> commit = store->GetEffect("solve-commit:" + session_id);
  if (commit.ok() && commit->has_value()) {
    // solve records the commit id, or {"commit": ID, ...}.
    Result<Json> detail = ParseJson(**commit);
    t.recorded_commit =
        detail.ok() && detail->is_object() ? StringAt(*detail, {"commit"}) : **commit;
  }
  return t;
}

Result<Trajectory> LoadTrajectory(std::string_view spec) {
  if (IsReplayModelName(spec)) spec.remove_prefix(kReplayModelPrefix.size());
  if (spec.empty()) return InvalidArgumentError("replay: name a trajectory: replay:FILE");
  if (size_t hash = spec.rfind('#'); hash != std::string_view::npos) {
    return LoadSessionFromStore(std::string(spec.substr(0, hash)),
                                std::string(spec.substr(hash + 1)));
  }
  std::string path(spec);
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  if (!in || fs::is_directory(path, ec)) return NotFoundError("replay: cannot read " + path);
  std::string text = ReadAll(in);
  Result<Json> whole = ParseJson(text);
  if (whole.ok() && whole->is_object() && !whole->contains("kind"))
    return ParseMiniSweAgentTrajectory(*whole, path);
  return ParseEventLines(text, path);
}

}  // namespace mh::agent
