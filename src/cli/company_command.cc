// `macrohard new DIR --brief F --model M`, `macrohard run DIR`, `macrohard serve DIR`:
// make a company and run it (company/), printing one line per notable step.
//
// Exit codes: 0 every work item finished (run) or stopped on request (serve); 1 an error
// that stopped the company; 2 bad usage or set-up; 3 work waits for a person; 4 a budget
// ran out (raise it in company.toml and run again).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "cli/commands.h"
#include "cli/company_runtime.h"
#include "cli/runtime.h"
#include "company/company.h"
#include "llm/model_spec.h"

namespace mh::cli {
namespace {

namespace fs = std::filesystem;

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitWaiting = 3;
constexpr int kExitBudget = 4;

struct NewFlags {
  std::string dir;
  std::string brief;
  std::string brief_text;
  std::string model;
  std::string name;
  std::string config;
  llm::ModelLimits limits;
  bool no_run = false;
};

struct RunFlags {
  std::string dir;
  std::string config;
  std::string model;
  llm::ModelLimits limits;
};

int Fail(int code, const std::string& what) {
  std::fprintf(stderr, "macrohard: %s\n", what.c_str());
  return code;
}

Result<std::string> ReadBrief(const NewFlags& flags) {
  if (!flags.brief_text.empty()) return flags.brief_text;
  if (flags.brief.empty()) return InvalidArgumentError("give the brief with --brief FILE");
  std::ifstream in(flags.brief, std::ios::binary);
  if (!in) return NotFoundError("cannot read the brief " + flags.brief);
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().empty()) return InvalidArgumentError("the brief " + flags.brief + " is empty");
  return text.str();
}

int ExitFor(const company::RunReport& report, company::RunMode mode) {
  switch (report.end) {
    case company::RunEnd::kBudget:
      return kExitBudget;
    case company::RunEnd::kStopped:
      return mode == company::RunMode::kServe ? 0 : kExitFailed;
    case company::RunEnd::kIdle:
      return report.open_items == 0 ? 0 : kExitWaiting;
  }
  return kExitFailed;
}

// Runs the company in `dir` and prints its progress and the end.
int RunCompany(const RunFlags& flags, company::RunMode mode) {
  InterruptWatcher interrupt;
  Result<UserConfig> config = LoadUserConfig(flags.config);
  if (!config.ok()) return Fail(kExitUsage, config.error().message());
  Result<std::unique_ptr<CompanyRuntime>> runtime =
      CompanyRuntime::Open(flags.dir, *config, flags.model, flags.limits);
  if (!runtime.ok()) return Fail(kExitUsage, runtime.error().message());
  if (!(*runtime)->folder_note().empty()) std::printf("%s\n", (*runtime)->folder_note().c_str());
  company::RunOptions options;
  options.mode = mode;
  options.stop = interrupt.token();
  options.progress = [](const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  };
  Result<company::RunReport> report = (*runtime)->company().Run(options);
  if (!report.ok()) return Fail(kExitFailed, report.error().ToString());
  std::printf("%s\n%s\n", report->message.c_str(),
              FormatUsageLine(*(*runtime)->models().meter()).c_str());
  std::printf("repository: %s\n", (*runtime)->company().paths().repo.c_str());
  return ExitFor(*report, mode);
}

int RunNew(const NewFlags& flags) {
  Result<std::string> brief = ReadBrief(flags);
  if (!brief.ok()) return Fail(kExitUsage, brief.error().message());
  if (flags.model.empty()) return Fail(kExitUsage, "give the model with --model (docs/models.md)");
  // A model that cannot be used (a bad name, a missing key) is refused before anything is
  // made, so a failed `new` leaves no half-made company behind.
  Result<UserConfig> config = LoadUserConfig(flags.config);
  if (!config.ok()) return Fail(kExitUsage, config.error().message());
  Result<llm::ModelSpec> spec =
      llm::ParseModelSpec(flags.model, llm::ProcessEnv(), config->base_urls);
  if (!spec.ok()) return Fail(kExitUsage, spec.error().message());
  std::string name = flags.name;
  if (name.empty()) name = fs::absolute(flags.dir).lexically_normal().filename().string();
  if (name.empty()) name = "product";
  company::Charter charter = company::DefaultCharter(name, *brief, flags.model);
  // Limits given to `new` are the company's: company.toml keeps them for every run.
  if (flags.limits.context_window > 0 || flags.limits.output_limit > 0) {
    charter.model_limits[flags.model] = flags.limits;
  }
  Status created = CreateCompanyIn(flags.dir, charter);
  if (!created.ok()) return Fail(kExitUsage, created.message());
  std::printf("created company %s in %s\n", name.c_str(),
              company::PathsFor(flags.dir).root.c_str());
  if (flags.no_run) return 0;
  return RunCompany({.dir = flags.dir, .config = flags.config}, company::RunMode::kUntilIdle);
}

}  // namespace

Command RegisterNew(CLI::App& app) {
  auto flags = std::make_shared<NewFlags>();
  CLI::App* cmd = app.add_subcommand("new", "make a company from a brief and run it to a release");
  cmd->add_option("dir", flags->dir, "the company's folder (made if missing)")->required();
  cmd->add_option("--brief", flags->brief, "a file with the product brief");
  cmd->add_option("--brief-text", flags->brief_text, "the brief itself");
  cmd->add_option("--model", flags->model, "the model every role uses, e.g. xai/grok-4");
  cmd->add_option("--name", flags->name, "the company's name (default: the folder's)");
  cmd->add_option("--config", flags->config, "user configuration (prices, base URLs, limits)");
  AddModelLimitFlags(*cmd, flags->limits);
  cmd->add_flag("--no-run", flags->no_run, "only make the company");
  return {cmd, [flags] { return RunNew(*flags); }};
}

namespace {

std::shared_ptr<RunFlags> AddRunFlags(CLI::App& cmd) {
  auto flags = std::make_shared<RunFlags>();
  cmd.add_option("dir", flags->dir, "the company's folder")->required();
  cmd.add_option("--config", flags->config, "user configuration (prices, base URLs, limits)");
  cmd.add_option("--model", flags->model, "use this model instead of company.toml's");
  AddModelLimitFlags(cmd, flags->limits);
  return flags;
}

}  // namespace

Command RegisterRun(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("run", "resume a company until no work item can move");
  std::shared_ptr<RunFlags> flags = AddRunFlags(*cmd);
  return {cmd, [=] { return RunCompany(*flags, company::RunMode::kUntilIdle); }};
}

Command RegisterServe(CLI::App& app) {
  CLI::App* cmd =
      app.add_subcommand("serve", "keep a company running: it takes issues people file");
  std::shared_ptr<RunFlags> flags = AddRunFlags(*cmd);
  return {cmd, [=] { return RunCompany(*flags, company::RunMode::kServe); }};
}

}  // namespace mh::cli
