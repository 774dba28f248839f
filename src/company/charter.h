// Charter: what a company is, as read from its `company.toml`.
//
// A company lives in a folder: company.toml (this), the product's git repository
// (repo/), the store and worktrees (.macrohard/) and artifacts (artifacts/). Every setting
// has a built-in default, so a brief alone makes a working company; docs/company.md lists
// the keys. A broken file is refused with the file and line at fault; unknown keys too.
//
// Plain values; no thread-safety concerns.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "llm/limits_config.h"
#include "sandbox/environment.h"

namespace mh::company {

// Role names of the default company.
inline constexpr const char* kProductLead = "product_lead";
inline constexpr const char* kArchitect = "architect";
inline constexpr const char* kEngineer = "engineer";
inline constexpr const char* kReviewer = "reviewer";
inline constexpr const char* kQa = "qa";
inline constexpr const char* kReleaseManager = "release_manager";
inline constexpr const char* kSupport = "support";

// Spend limits; 0 means none.
struct Budget {
  int64_t tokens = 0;
  double usd = 0;

  bool unlimited() const { return tokens == 0 && usd == 0; }
};

struct Role {
  std::string name;
  int head_count = 1;              // Sessions of this role at once.
  std::string model;               // Empty: the company's model.
  std::vector<std::string> tools;  // Tool names (docs/company.md lists them).
  std::string prompt;              // The role's instructions (system prompt body).
  Budget budget;                   // For all sessions of the role together.
  int64_t max_steps = 60;          // Per session, over all its rounds.
};

// Gates a change passes after its session submits, in this order.
enum class Gate { kCi, kReview, kMerge, kTag };
const char* GateName(Gate gate);

// Which role takes a kind of work item, and what its change must pass.
struct KindRule {
  std::string role;
  std::vector<Gate> gates;  // Empty: the item's session changes nothing that lands.
  bool has_gate(Gate gate) const;
};

struct Commands {
  std::string build;  // bash commands run in the sandbox at the worktree; empty: none.
  std::string test;
  int64_t timeout_seconds = 600;
};

struct Charter {
  std::string name;
  std::string brief;
  std::vector<std::string> acceptance;  // Criteria beyond the brief; may be empty.
  std::string model;                    // Default model of every role.
  std::map<std::string, Role> roles;
  std::map<std::string, KindRule> workflow;  // Work item kind -> rule.
  Commands commands;                         // Set here, they win over what the architect records.
  bool commands_from_file = false;
  Budget budget;          // The whole company.
  Budget item_budget;     // Each work item, over all its sessions.
  int max_sessions = 16;  // Sessions running at once, all roles together.
  int workers = 0;  // Threads for tools and gates; 0: four per core, 4 to 16 (they mostly wait
                    // on child processes: git, bubblewrap, tests).
  int max_review_rounds = 3;  // Then the change is merged with the reviewer's notes.
  // Approved changes the merge queue lands at once, tested together (a merge train); a
  // train that fails its tests or conflicts is merged again one change at a time. 1: one
  // change at a time, each tested on the new main.
  int merge_train = 1;
  int max_acceptance_rounds = 3;
  std::string tag_prefix = "v";
  std::string first_version = "0.1.0";
  bool network = false;  // Sandboxed commands may use the network.
  // [environment]: set-up run once with the network before builds and tests (what it
  // installs reaches every session and CI run), and the Debian packages the product needs.
  sandbox::EnvironmentSpec environment;
  // Each workspace's disk (sandbox/workspace_disk.h), in MiB: writes past it fail with
  // "No space left on device". 0: no quota.
  int64_t workspace_disk_mib = 8192;
  // When the model endpoint stops answering, the first wait before trying again, in
  // seconds; each failed try doubles it, up to five minutes.
  int64_t model_retry_seconds = 10;
  // [model_limits."NAME"]: context window and output limit of a model by its name, over
  // the model's known defaults and the user configuration's [llm.limits].
  llm::LimitsByModel model_limits;
};

// The default company for `brief`: seven roles, the default workflow, no budgets.
Charter DefaultCharter(std::string name, std::string brief, std::string model);

// Reads `path`, applying its settings over DefaultCharter. Errors: kNotFound when the
// file is missing; kInvalidArgument "PATH:LINE: what" for bad TOML, an unknown key, a
// wrong type, an unknown tool or role, a workflow kind whose role does not exist.
Result<Charter> LoadCharter(const std::string& path);
// The same, from text; `origin` names it in errors.
Result<Charter> ParseCharter(const std::string& text, const std::string& origin);

// A company.toml that `macrohard new` writes: the charter's name, brief and model, with
// the defaults shown as comments so a person can see what to override.
std::string RenderCharterToml(const Charter& charter);

// Reads an [environment] table (keys setup, inputs, packages; setup a string or an array
// of strings) from the TOML file at `path`; a file without the table gives an empty spec.
// For solve's macrohard.toml. Errors: kInvalidArgument "PATH:LINE: what".
Result<sandbox::EnvironmentSpec> LoadEnvironment(const std::string& path);

// The tool names a role may list.
const std::vector<std::string>& KnownToolNames();

}  // namespace mh::company
