// The built-in roles and workflow of DefaultCharter.
#include "company/charter.h"

namespace mh::company {
namespace {

const std::vector<std::string> kReadTools = {"read_file", "list_files", "find_files", "search"};

std::vector<std::string> With(std::vector<std::string> base, std::vector<std::string> more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

std::vector<std::string> WriteTools() { return With(kReadTools, {"write_file", "edit_file"}); }

Role MakeRole(std::string name, int count, std::vector<std::string> tools, std::string prompt) {
  Role role;
  role.name = std::move(name);
  role.head_count = count;
  role.tools = std::move(tools);
  role.prompt = std::move(prompt);
  return role;
}

std::map<std::string, Role> DefaultRoles() {
  std::map<std::string, Role> roles;
  auto add = [&](Role role) { roles[role.name] = std::move(role); };
  add(MakeRole(kProductLead, 1,
               With(WriteTools(), {"file_work_item", "list_work_items", "show_work_item", "comment",
                                   "submit", "ask_for_help"}),
               "You are the product lead. Turn the brief into SPEC.md at the repository root: "
               "what the product does, its interface, and numbered acceptance criteria that a "
               "tester can check by running the product. Then split the work into a backlog: "
               "file one task per independent piece with file_work_item (title, a body that "
               "says exactly what to build and how it is tested, depends_on for order). "
               "Prefer tasks that touch different files so engineers can work in parallel. "
               "Call submit when SPEC.md is written and the backlog is filed."));
  add(MakeRole(
      kArchitect, 1,
      With(WriteTools(), {"run_command", "set_commands", "file_work_item", "list_work_items",
                          "show_work_item", "comment", "submit", "ask_for_help"}),
      "You are the architect. Read SPEC.md and the backlog. Write DESIGN.md (modules, "
      "files, interfaces, how it is built and tested) and the project skeleton: the "
      "files every task will fill in, so that engineers working in parallel do not "
      "edit the same lines. Record the build and test commands with set_commands "
      "(they run in a sandbox without network at the repository root) and check "
      "that they run. Call submit when the skeleton builds and its tests run."));
  add(MakeRole(kEngineer, 4,
               With(WriteTools(), {"run_command", "bash", "terminal", "show_work_item", "comment",
                                   "submit", "ask_for_help"}),
               "You are a software engineer. Implement your work item in the repository: read "
               "SPEC.md, DESIGN.md and the code first, keep to the design, write tests for what "
               "you build, and run the build and tests before you submit. Your submit summary "
               "becomes the commit message. After you submit, the system runs CI, a reviewer "
               "reads your change and it is merged; if any of these fails you get the reason "
               "in this conversation: fix it and submit again."));
  add(MakeRole(kReviewer, 2, With(kReadTools, {"run_command", "show_work_item", "review"}),
               "You are the code reviewer. Read the change (its diff is in your task) and the "
               "code around it. Check that it does what its work item asks, is tested, and "
               "keeps to SPEC.md and DESIGN.md. Then call review once: approve, or "
               "request_changes with concrete comments the engineer can act on. Do not ask "
               "for changes of taste."));
  add(MakeRole(kQa, 1,
               With(kReadTools, {"run_command", "bash", "terminal", "computer", "file_bug",
                                 "list_work_items", "show_work_item", "comment", "submit"}),
               "You are QA. Check every acceptance criterion in SPEC.md against the product on "
               "main as a user would: run it in the terminal (terminal, bash, run_command) and, "
               "for a graphical program, on the desktop (computer). File one bug per failed "
               "criterion with file_bug: steps to reproduce, expected and actual results "
               "(attach a screenshot for a GUI). Call submit with a line per criterion: "
               "passed or the bug you filed."));
  add(MakeRole(kReleaseManager, 1,
               With(WriteTools(), {"run_command", "list_work_items", "show_work_item", "submit"}),
               "You are the release manager. Your task lists the version and the changes "
               "since the last release. Add a section for this version at the top of "
               "CHANGELOG.md (create it if missing): what users get, in plain words, one line "
               "per change. Call submit; the system runs the tests, merges and tags."));
  add(MakeRole(
      kSupport, 1,
      With(kReadTools, {"list_work_items", "show_work_item", "comment", "triage", "answer"}),
      "You are support. A person filed an issue; read it and the product (SPEC.md, "
      "code). Triage it with triage: a bug (the product does not do what it "
      "should), a feature (it should do something new), or a question. For a "
      "question, reply with answer. For a bug or feature, rewrite the title and body "
      "so an engineer can act on it."));
  return roles;
}

std::map<std::string, KindRule> DefaultWorkflow() {
  const std::vector<Gate> change = {Gate::kCi, Gate::kReview, Gate::kMerge};
  return {
      {"spec", {kProductLead, {Gate::kMerge}}},
      {"design", {kArchitect, {Gate::kCi, Gate::kMerge}}},
      {"task", {kEngineer, change}},
      {"bug", {kEngineer, change}},
      {"feature", {kEngineer, change}},
      {"acceptance", {kQa, {}}},
      {"release", {kReleaseManager, {Gate::kCi, Gate::kMerge, Gate::kTag}}},
      {"issue", {kSupport, {}}},
      {"question", {kSupport, {}}},
  };
}

}  // namespace

Charter DefaultCharter(std::string name, std::string brief, std::string model) {
  Charter charter;
  charter.name = std::move(name);
  charter.brief = std::move(brief);
  charter.model = std::move(model);
  charter.roles = DefaultRoles();
  charter.workflow = DefaultWorkflow();
  return charter;
}

const std::vector<std::string>& KnownToolNames() {
  static const std::vector<std::string> names = {
      "read_file", "write_file",   "edit_file",      "list_files",      "find_files",
      "search",    "run_command",  "bash",           "terminal",        "computer",
      "submit",    "ask_for_help", "file_work_item", "list_work_items", "show_work_item",
      "comment",   "set_commands", "review",         "triage",          "answer",
      "file_bug"};
  return names;
}

}  // namespace mh::company
