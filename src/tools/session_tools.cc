// submit and ask_for_help: the calls that end a session.
#include "tools/builtin_tools.h"
#include "tools/tool_util.h"

namespace mh::tools {
namespace {

class SubmitTool final : public internal::BasicTool {
 public:
  SubmitTool()
      : BasicTool("submit",
                  "Finish the task. Call this once the work is done and checked; summary says "
                  "what you changed and how you verified it. The session ends.",
                  Json::parse(R"({
        "type": "object",
        "properties": {
          "summary": {"type": "string", "minLength": 1,
                      "description": "What was done and how it was checked"}
        },
        "required": ["summary"],
        "additionalProperties": false})")) {}

  ToolResult Run(const Json& args, ToolContext&) const override {
    ToolResult result = ToolResult::Text("submitted; the session ends here");
    result.outcome = SessionOutcome::kSubmitted;
    result.summary = internal::StringArg(args, "summary");
    return result;
  }
};

class AskForHelpTool final : public internal::BasicTool {
 public:
  AskForHelpTool()
      : BasicTool("ask_for_help",
                  "Stop and ask a person for help when you are blocked: the task is unclear, "
                  "something you need is missing, or you cannot make progress. The session "
                  "ends as blocked and your question is passed on.",
                  Json::parse(R"({
        "type": "object",
        "properties": {
          "question": {"type": "string", "minLength": 1,
                       "description": "What you need, with what you tried"}
        },
        "required": ["question"],
        "additionalProperties": false})")) {}

  ToolResult Run(const Json& args, ToolContext&) const override {
    ToolResult result = ToolResult::Text("question passed on; the session ends as blocked");
    result.outcome = SessionOutcome::kBlocked;
    result.question = internal::StringArg(args, "question");
    return result;
  }
};

}  // namespace

std::unique_ptr<Tool> MakeSubmitTool() { return std::make_unique<SubmitTool>(); }
std::unique_ptr<Tool> MakeAskForHelpTool() { return std::make_unique<AskForHelpTool>(); }

Status RegisterBuiltinTools(ToolRegistry& registry) {
  RETURN_IF_ERROR(registry.Register(MakeReadFileTool()));
  RETURN_IF_ERROR(registry.Register(MakeWriteFileTool()));
  RETURN_IF_ERROR(registry.Register(MakeEditFileTool()));
  RETURN_IF_ERROR(registry.Register(MakeListFilesTool()));
  RETURN_IF_ERROR(registry.Register(MakeFindFilesTool()));
  RETURN_IF_ERROR(registry.Register(MakeSearchTool()));
  RETURN_IF_ERROR(registry.Register(MakeRunCommandTool()));
  RETURN_IF_ERROR(registry.Register(MakeSubmitTool()));
  RETURN_IF_ERROR(registry.Register(MakeAskForHelpTool()));
  return Status::Ok();
}

}  // namespace mh::tools
